# ruff: noqa: F821 (names defined by core.py and writes.py, which come first in every module)
# ---- runtime section: mutators (non-const methods, structs passed by reference) ---------------
def _inout(ty):
    return ("inout", ty, ty)  # a non-const method's receiver: the shim updates it


def _writing_function(registries, glue, name, doc, rows):
    """``_function`` for overloads that take structs by reference (``T&``, ``T*``): typed with
    their result; _StructMutations turns each call into one of the mutator, which returns (result,
    *updated arguments), and stores every argument back where it came from."""
    writes = [row for row in rows if any(mode == "inout" for mode, _, _ in row[3])]
    key = _function(registries, glue, name, doc, [row for row in rows if row not in writes])
    if _SIMULATOR:
        return key
    template = key._numba_type.templates[0]
    template.numbast_abi, template.numbast_writes = _ABI, {}
    template.numbast_mutator = _function(registries, glue, f"{name} (writes)", doc, writes)
    for row in writes:
        passed = [(mode, ty) for mode, ty, _ in row[3] if mode != "out"]
        visible = [(mode, ty, slot) for mode, ty, slot in row[3] if mode != "inout"]
        case = _signature(_result_type(row[2], visible), *[ty for _, ty in passed])
        template.cases = [*template.cases, case]
        written = [i for i, (mode, _) in enumerate(passed) if mode == "inout"]
        template.numbast_writes[case.args] = written
    return key


class _StructMutations(_StructWrites):
    """The calls that change bound structs (see _StructWrites): a non-const method's receiver,
    structs passed by reference (``T&``, ``T*``)."""

    def _write(self, inst):
        call = inst.value if isinstance(inst, _nir.Assign) else None
        if isinstance(call, _nir.Expr) and call.op == "call":
            fnty = self.typemap.get(call.func.name)
            method = getattr(fnty, "template", None)
            ours = getattr(method, "numbast_abi", None) == _ABI and method.numbast_mutator
            if ours and self.calltypes[call].args in method.numbast_mutating:
                bound = self.ir.get_definition(call.func)  # getattr(receiver, name)
                what = f"call non-const method {bound.attr!r}"
                receiver = bound.value
                return method.numbast_mutator, [receiver], [receiver, *call.args], inst, what
            function = (getattr(fnty, "templates", None) or [None])[0]
            writes = getattr(function, "numbast_writes", None)
            if getattr(function, "numbast_abi", None) == _ABI and writes:
                written = writes.get(self.calltypes[call].args)
                if written is not None:
                    what = f"pass by reference to {function.key.__name__}() a copy"
                    updated = [call.args[i] for i in written]
                    return function.numbast_mutator, updated, list(call.args), inst, what
        return None


_register_rewrite(_StructMutations)
