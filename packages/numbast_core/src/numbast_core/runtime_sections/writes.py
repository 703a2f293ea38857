# ruff: noqa: F821 (names defined by core.py, which comes first in every module)
# ---- runtime section: writes (struct fields and items) ---------------------------------------
def _bind_writes(registries, glue, ty, setitem):
    """The functions that _StructWrites calls for ``v.field = x`` and ``v[i] = x``."""
    for field, field_type in ty._fields.items():
        setter = _function(registries, glue, f"{ty.name}.{field} =", f"set {field}", [])
        setter._numba_type.templates[0].cases = [_signature(ty, ty, field_type)]
        registries.target.lower(setter, ty, field_type)(_field_setter(field))
        ty._writers[field] = setter
    if setitem:
        ty._writers["[]"] = _function(registries, glue, f"{ty.name}[] =", "set item", setitem)

        class SetItem(_ConcreteTemplate):  # typing only: _StructWrites rewrites every v[i] = x
            key = _operator.setitem

            def apply(self, args, kws):
                return super().apply(args, kws) if args and args[0] == ty else None

        SetItem.cases = [_signature(types.none, *c.args) for c in map(_case, setitem)]
        registries.typing.register_global(_operator.setitem, types.Function(SetItem))


def _field_setter(field):
    def set_field(context, builder, sig, args):
        if isinstance(context.data_model_manager[sig.args[0]], _models.PrimitiveModel):
            return args[1]  # the struct's one scalar is the value itself
        helper = context.make_helper(builder, sig.args[0], value=args[0])
        position = context.data_model_manager[sig.args[0]].get_field_position(field)
        value, field_type = args[1], sig.args[1]
        stored = _stored(field_type)
        if stored is not None:
            value = context.cast(builder, value, field_type, stored)
        helper[position] = value  # by position: see _field_getter
        return helper._getvalue()

    return set_field


class _StructWrites(_Rewrite):
    """After typing, a write to a bound struct rebinds the variable that holds it.

    Numba hands struct *values* to lowerings, so an in-place store would change a copy. Instead
    ``v.x = e`` becomes ``v = <set x>(v, e)``, ``v[i] = e`` becomes ``v = <set []>(v, i, e)``
    (and, in _StructMutations, ``r = v.m(a)`` with a non-const m becomes ``t = <m>(v, a);
    r = t[0]; v = t[1]``, as do calls passing structs by reference). A struct read
    from an array (``a[i].m()``) or a field (``v.inner.x = e``) is then stored back; a write to
    any other temporary (``f().x = e``) would be lost, so it is refused with a clear error.
    Numba put the copies that merge SSA versions (``v.2 = v``) after the last assignment of
    ``v`` in the block; they are repeated after each rebinding so that merges see the new value.
    """

    numbast_abi = _ABI  # one rewrite of each class per runtime ABI: it changes only its structs

    def __init__(self, state):
        self.state = state

    def _setter(self, var, name):
        ty = self.typemap.get(var.name)
        return ty._writers.get(name) if getattr(ty, "numbast_abi", None) == _ABI else None

    def match(self, func_ir, block, typemap, calltypes):
        self.ir, self.block, self.typemap, self.calltypes = func_ir, block, typemap, calltypes
        return any(self._write(inst) for inst in block.body)

    def _write(self, inst):
        """(function, the variables it updates, its arguments, result or None, what) of a
        write."""
        if not isinstance(inst, (_nir.SetAttr, _nir.SetItem, _nir.StaticSetItem)):
            return None
        name = getattr(inst, "attr", "[]")
        setter = self._setter(inst.target, name)
        if setter is None:
            return None
        what = "assign an item" if name == "[]" else f"assign field {name!r}"
        index = [getattr(inst, "index_var", None) or inst.index] if name == "[]" else []
        return setter, [inst.target], [inst.target, *index, inst.value], None, what

    def _store_back(self, var, what, loc):
        """Instructions writing ``var`` back where it was read: ``a[i] = var`` for an array
        element, ``p = <set f>(p, var)`` for a field of a struct ``p`` (then ``p``'s own place,
        recursively); none for a named variable."""
        if not var.name.startswith("$"):
            return []
        source = self.ir.get_definition(var)
        op = getattr(source, "op", None)
        if op in ("getitem", "static_getitem"):
            index = source.index if source.op == "getitem" else source.index_var
            try:
                names = (source.value.name, index.name, var.name)
                sig = self.state.typingctx.resolve_setitem(*(self.typemap[n] for n in names))
            except Exception:  # not writable (tuple, read-only array, ...): refused below
                sig = None
            if sig is not None:
                store = _nir.SetItem(source.value, index, var, loc)
                self.calltypes[store] = sig
                return [store]
        elif op == "getattr":
            parent = source.value
            setter = self._setter(parent, source.attr)
            if setter is not None:
                rebind = self._rebind(setter, parent, [var], loc)
                return [*rebind, *self._store_back(parent, what, loc)]
        raise _NumbaError(
            f"cannot {what} of a temporary struct value (it would change a copy): assign the "
            "struct to a variable, change it there and store it back",
            loc=loc,
        )

    def _call(self, function, args, loc):
        """``function(*args)``, typed: (the statement defining ``function``, the call)."""
        fn = args[0].scope.redefine("$numbast_write", loc)  # a fresh, unique name
        self.typemap[fn.name] = function._numba_type
        call = _nir.Expr.call(fn, tuple(args), (), loc)
        argtypes = tuple(self.typemap[a.name] for a in args)
        typing = self.state.typingctx
        self.calltypes[call] = function._numba_type.get_call_type(typing, argtypes, {})
        return _nir.Assign(_nir.Global("numbast_write", function, loc), fn, loc), call

    def _rebind(self, function, receiver, args, loc):
        """``receiver = function(receiver, *args)``, typed."""
        define, call = self._call(function, [receiver, *args], loc)
        return [define, _nir.Assign(call, receiver, loc)]

    def apply(self):
        block, merges = self.block.copy(), []
        block.clear()
        for inst in self.block.body:
            write = self._write(inst)
            if not write:
                block.append(inst)
                copy = isinstance(inst, _nir.Assign) and isinstance(inst.value, _nir.Var)
                if copy and inst.value.unversioned_name == inst.target.unversioned_name:
                    merges.append(inst)
                continue
            function, updated, args, result, what = write
            loc = inst.loc
            store = [s for var in updated for s in self._store_back(var, what, loc)]
            self.calltypes.pop(inst if result is None else inst.value, None)
            define, call = self._call(function, args, loc)
            block.append(define)
            if result is None:
                block.append(_nir.Assign(call, updated[0], loc))
            else:  # (the result, the updated receiver or arguments)
                both = args[0].scope.redefine("$numbast_both", loc)
                self.typemap[both.name] = self.calltypes[call].return_type
                block.append(_nir.Assign(call, both, loc))
                for i, var in enumerate((result.target, *updated)):
                    item = _nir.Expr.static_getitem(both, i, None, loc)
                    block.append(_nir.Assign(item, var, loc))
            block.body += store
            rebound = {v.name for v in updated}
            rebound |= {i.target.name for i in store if isinstance(i, _nir.Assign)}
            block.body += [
                _nir.Assign(m.value, m.target, loc) for m in merges if m.value.name in rebound
            ]
        return block


def _register_rewrite(cls):
    """Register ``cls`` once per runtime ABI: the first module of this ABI imported does."""
    rewrites = _rewrites.rewrites["after-inference"]
    mine = [r for r in rewrites if getattr(r, "numbast_abi", None) == _ABI]
    if not _SIMULATOR and cls.__name__ not in [r.__name__ for r in mine]:
        _rewrites.register("after-inference")(cls)


_register_rewrite(_StructWrites)
