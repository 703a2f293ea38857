# ruff: noqa: F821 (names defined by core.py, which comes first in every module)
# ---- runtime section: operators (C++ operators on bound structs) -------------------------------
def _operators(registries, glue, owned, operators):
    """Operators whose cases apply only when an operand is one of this module's structs."""
    for op, rows in operators if not _SIMULATOR else ():
        cases = [_case(row) for row in rows]
        for row, case in zip(rows, cases):
            registries.target.lower(op, *case.args)(_lowering(glue, row))

        class Operator(_ConcreteTemplate):
            key = op

            def apply(self, args, kws):
                if not any(a in owned for a in args):
                    return None  # never touch builtin operands: no hijack
                return super().apply(args, kws)

        Operator.cases = cases
        registries.typing.register_global(op, types.Function(Operator))
