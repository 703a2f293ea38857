# ruff: noqa: F821 (names defined by core.py, which comes first in every module)
# ---- runtime section (numba-cuda-mlir): operators (C++ operators on bound structs) -----------
def _fits(context, arg, param):
    """An operand ``arg`` for a parameter ``param`` of a C++ operator: into float16 only a
    lossless conversion applies (int8 + float16 is float16); other mixes are numba's number
    operators'."""
    if param != types.float16 or arg == param:
        return True
    conversion = context.can_convert(arg, param)
    return conversion is not None and conversion <= _Conversion.safe


def _operators(registries, glue, owned, operators):
    """Operators whose cases apply only when an operand is one of this module's structs."""
    for op, rows in operators:

        class Operator(_ConcreteTemplate):
            key = op

            def apply(self, args, kws):
                if not any(a in owned for a in args):
                    return None  # never touch builtin operands: no hijack
                fitting = [
                    case
                    for case in self.cases
                    if _builtins.all(_fits(self.context, a, p) for a, p in zip(args, case.args))
                ]
                return self._select(fitting, args, kws) if fitting else None

        Operator.cases = [_case(row) for row in rows]
        registries.typing.register_global(op, types.Function(Operator))
        lowering = _dispatching(glue, Operator, rows)
        for case in Operator.cases:  # number operands by any number type: typing converts them
            loose = [
                types.Any if isinstance(p, types.Number) and p not in owned else p
                for p in case.args
            ]
            exact = not any(p in owned for p in loose)  # (numba-cuda-mlir's own types only)
            registries.target.lower(op, *(case.args if exact else loose))(lowering)
