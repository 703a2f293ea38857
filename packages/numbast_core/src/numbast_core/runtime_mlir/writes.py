# ruff: noqa: F821 (names defined by core.py, which comes first in every module)
# ---- runtime section (numba-cuda-mlir): writes (non-const methods, by-reference structs, items)
# numba-cuda-mlir keeps a variable assigned once as an SSA value and one assigned more often in
# a stack slot; a lowering writes an updated struct back with ``builder.store_var``, which needs
# the slot. _StructWrites (an after-inference rewrite of the vendored numba-cuda pipeline, an
# internal API) gives each written variable a second assignment (``v = v``), calls non-const
# methods through their mutator (the receiver as an explicit argument) and stores a struct read
# from an array element or a field back there.
from numba_cuda_mlir.numba_cuda.core import ir as _nir


def _inout(ty):
    return ("inout", ty, ty)  # a non-const method's receiver: the shim updates it


def _write_back(builder, var, value):
    """Store an updated struct into the caller's variable (see the section's heading)."""
    if builder.var_assign_count.get(var.name, 0) < 2:
        raise _NumbaError(f"cannot write the updated struct back into {var.name}")
    builder.store_var(var, value)


def _writing(template, rows, cases):
    """Mark a function's typing template with the cases that update by-reference arguments."""
    template.numbast_abi, template.numbast_writes = _ABI, {}
    for row, case in zip(rows, cases):
        passed = [mode for mode, _, _ in row[3] if mode != "out"]
        written = [i for i, mode in enumerate(passed) if mode == "inout"]
        if written:
            template.numbast_writes[case.args] = written


def _writing_function(registries, glue, name, doc, rows):
    """``_function`` for overloads that take structs by reference (``T&``, ``T*``)."""
    key = _function(registries, glue, name, doc, rows)
    _writing(key._numba_type.templates[0], rows, [_case(row) for row in rows])
    return key


def _mutating_methods(registries, glue, ty, name, rows, template):
    """A struct's non-const methods (receiver mode "inout"): called through a mutator that
    takes the receiver explicitly and writes it back."""
    mutating = [row for row in rows if row[3][0][0] == "inout"]
    key = f"{ty.cxx_name}.{name}"
    template.numbast_abi, template.numbast_mutator = _ABI, None
    template.numbast_mutating = {_case(row, recvr=ty).args for row in mutating}
    if mutating:
        template.numbast_mutator = _writing_function(registries, glue, key, key, mutating)
    return [row for row in rows if row not in mutating]


def _bind_setitem(registries, glue, ty, setitem):
    """``v[i] = x`` through a non-const ``T& operator[]``: _StructWrites turns it into
    ``v = <set []>(v, i, x)``."""
    ty._setitem = _function(registries, glue, f"{ty.name}[] =", "set item", setitem)

    class SetItem(_ConcreteTemplate):  # typing only: _StructWrites rewrites every v[i] = x
        key = _operator.setitem

        def apply(self, args, kws):
            return super().apply(args, kws) if args and args[0] == ty else None

    SetItem.cases = [_signature(types.none, *c.args) for c in map(_case, setitem)]
    registries.typing.register_global(_operator.setitem, types.Function(SetItem))


class _StructWrites(_Rewrite):
    """After typing: the writes of this runtime's structs (see the section's heading)."""

    numbast_abi = _ABI  # one rewrite per runtime ABI

    def __init__(self, state):
        self.state = state

    def match(self, func_ir, block, typemap, calltypes):
        self.ir, self.block, self.typemap, self.calltypes = func_ir, block, typemap, calltypes
        # the writes already rewritten (numba applies a rewrite until it matches no more)
        self.done = vars(func_ir).setdefault("_numbast_writes_done", {})
        return any(id(inst) not in self.done and self._write(inst) for inst in block.body)

    def _ours(self, ty):
        return getattr(ty, "numbast_abi", None) == _ABI

    def _write(self, inst):
        """(new call or None, the variables it updates, what) of a write."""
        if isinstance(inst, _nir.SetAttr) and inst.target.name.startswith("$"):
            # a field of a temporary (``v.inner.k = 1``, ``a[i].x = 1``): numba-cuda-mlir
            # updates the temporary; it is stored back where it came from
            if self._ours(self.typemap.get(inst.target.name)):
                return None, [inst.target], f"assign field {inst.attr!r}"
            return None
        if isinstance(inst, (_nir.SetItem, _nir.StaticSetItem)):
            ty = self.typemap.get(inst.target.name)
            if not (self._ours(ty) and getattr(ty, "_setitem", None)):
                return None
            index = getattr(inst, "index_var", None) or inst.index
            return (ty._setitem, [inst.target, index, inst.value]), [inst.target], "assign an item"
        call = inst.value if isinstance(inst, _nir.Assign) else None
        if not (isinstance(call, _nir.Expr) and call.op == "call"):
            return None
        fnty = self.typemap.get(call.func.name)
        method = getattr(fnty, "template", None)
        if self._ours(method) and self.calltypes[call].args in method.numbast_mutating:
            bound = self.ir.get_definition(call.func)  # getattr(receiver, name)
            args = [bound.value, *call.args]
            return (method.numbast_mutator, args), [bound.value], f"call {bound.attr!r}"
        function = (getattr(fnty, "templates", None) or [None])[0]
        written = getattr(function, "numbast_writes", {}).get(self.calltypes[call].args)
        if self._ours(function) and written:
            what = f"pass by reference to {function.key.__name__}() a copy"
            return None, [call.args[i] for i in written], what
        return None

    def _store_back(self, var, what, loc):
        """Statements after the write: ``v = v`` for a named variable (its stack slot),
        ``a[i] = $v`` for an array element, ``p.f = $v`` for a field (then ``p``'s own)."""
        again = _nir.Assign(var, var, loc)  # a second assignment: the variable gets a slot
        if not var.name.startswith("$"):
            return [again]
        source = self.ir.get_definition(var)
        op = getattr(source, "op", None)
        if op in ("getitem", "static_getitem"):
            index = source.index if op == "getitem" else source.index_var
            try:
                names = (source.value.name, index.name, var.name)
                sig = self.state.typingctx.resolve_setitem(*(self.typemap[n] for n in names))
            except Exception:  # not writable (tuple, read-only array, ...): refused below
                sig = None
            if sig is not None:
                store = _nir.SetItem(source.value, index, var, loc)
                self.calltypes[store] = sig
                return [again, store]
        elif op == "getattr" and self._ours(self.typemap.get(source.value.name)):
            parent = source.value
            store = _nir.SetAttr(parent, source.attr, var, loc)
            self.calltypes[store] = _signature(types.void, self.typemap[parent.name],
                                               self.typemap[var.name])  # fmt: skip
            return [again, store, *self._store_back(parent, what, loc)]
        raise _NumbaError(
            f"cannot {what} of a temporary struct value (it would change a copy): assign the "
            "struct to a variable, change it there and store it back",
            loc=loc,
        )

    def _call(self, function, args, target, loc):
        """``target = function(*args)``, typed."""
        fn = args[0].scope.redefine("$numbast_write", loc)  # a fresh, unique name
        self.typemap[fn.name] = function._numba_type
        call = _nir.Expr.call(fn, tuple(args), (), loc)
        argtypes = tuple(self.typemap[a.name] for a in args)
        typing = self.state.typingctx
        self.calltypes[call] = function._numba_type.get_call_type(typing, argtypes, {})
        if target.name not in self.typemap:
            self.typemap[target.name] = self.calltypes[call].return_type
        define = _nir.Assign(_nir.Global("numbast_write", function, loc), fn, loc)
        return [define, _nir.Assign(call, target, loc)]

    def apply(self):
        block = self.block.copy()
        block.clear()
        for inst in self.block.body:
            write = id(inst) not in self.done and self._write(inst)
            if not write:
                block.append(inst)
                continue
            call, updated, what = write
            loc = inst.loc
            if call is None:
                block.append(inst)
                self.done[id(inst)] = inst
            else:
                self.calltypes.pop(inst.value if isinstance(inst, _nir.Assign) else inst, None)
                target = inst.target if isinstance(inst, _nir.Assign) else updated[0]
                if isinstance(inst, (_nir.SetItem, _nir.StaticSetItem)):  # v = <set []>(...)
                    self.calltypes.pop(inst, None)
                block.body += self._call(*call, target, loc)
                self.done[id(block.body[-1])] = block.body[-1]
            for var in updated:
                block.body += self._store_back(var, what, loc)
        return block


if not any(getattr(r, "numbast_abi", None) == _ABI for r in _rewrites.rewrites["after-inference"]):
    _rewrites.register("after-inference")(_StructWrites)
