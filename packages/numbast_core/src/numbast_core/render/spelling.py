"""How the numba-cuda backend spells the plan's types and callables in Python.

Expressions name ``types`` (``numba.cuda.types``), ``_vector_types`` (numba-cuda's CUDA vector
types), ``_operator`` and ``_models``, all imported by the module runtime, and the module's own
struct types (``_type_<handle>``).
"""

from __future__ import annotations

from ..plan.model import BoundCallable, CallForm, Operator, OperatorKey, OverloadPlan, ParamPlan
from ..plan.refs import (
    EnumRef,
    ForeignEnum,
    Pointer,
    Scalar,
    StructRef,
    TypeRef,
    UniTuple,
    Vector,
    VoidPointer,
)


def struct_type_name(ref: StructRef) -> str:
    """The module-level name of a bound struct's Numba type."""
    return f"_type_{ref.python_name}"


def type_expr(ref: TypeRef | None) -> str:
    """The Python expression of a Numba type (``None`` for a void result)."""
    if ref is None:
        return "None"
    if isinstance(ref, Scalar):
        return f"types.{ref.name}"
    if isinstance(ref, Vector):
        return f'_vector_types["{ref.name}"]'
    if isinstance(ref, Pointer):
        return f"types.CPointer({type_expr(ref.pointee)})"
    if isinstance(ref, VoidPointer):
        return "types.voidptr"
    if isinstance(ref, StructRef):
        return struct_type_name(ref)
    if isinstance(ref, (EnumRef, ForeignEnum)):  # passed as its underlying integer
        return type_expr(ref.underlying)
    if isinstance(ref, UniTuple):
        return f"types.UniTuple({type_expr(ref.element)}, {ref.count})"
    raise TypeError(f"not a type reference: {ref!r}")


def param_expression(p: ParamPlan) -> str:
    """The runtime's parameter row: ``_in(types.int32)``, ``_ptr(...)``, ``_enum(Color, ...)``."""
    if p.mode in ("ptr", "out", "inout"):
        return f"_{p.mode}({type_expr(p.type)})"
    if isinstance(p.type, EnumRef):
        return f"_enum({p.type.python_name}, {type_expr(p.type)})"
    return f"_in({type_expr(p.type)})"


def typedef_target(ref: TypeRef) -> str:
    """A typedef's value: the bound enum class or struct itself (``curandState_t()`` constructs
    a ``curandStateXORWOW``), or the Numba type."""
    return ref.python_name if isinstance(ref, (EnumRef, StructRef)) else type_expr(ref)


def vector_constructor(vector: Vector) -> str:
    return f"{type_expr(vector)}.user_facing_object"


def operator_key(key: OperatorKey) -> str:
    """``_operator.add``; a conversion to a CUDA vector type is spelled ``float32x2(value)``."""
    if isinstance(key, Vector):
        return vector_constructor(key)
    return f"_operator.{key.function}"


def callee_expression(call: BoundCallable) -> str:
    """What a kernel calls, in the module's namespace; "" for methods and operators."""
    if call.form is CallForm.CALL:
        return call.callee
    if call.form is CallForm.CONVERSION and isinstance(call.target, Vector):
        return vector_constructor(call.target)
    if call.form is CallForm.CONVERSION:
        return type_expr(call.target)
    return ""


def call_label(call: BoundCallable) -> str:
    """How reports name a callable: ``f``, ``Vec.norm``, ``types.float32(Meters)``, ..."""
    if call.form is CallForm.CALL:
        return call.callee
    if call.form is CallForm.METHOD:
        return f"{call.python_name}.{call.member}"
    if call.form is CallForm.CONVERSION and isinstance(call.target, Vector):
        return f"{call.target.name}()"
    if call.form is CallForm.CONVERSION:
        return f"{type_expr(call.target)}({call.python_name})"
    if call.form is CallForm.SETITEM:
        return f"{call.python_name}[] ="
    return call.python_name  # operators: operator.add


def python_expression(call: BoundCallable, fn: str, args: list[str]) -> str:
    """The Python expression a kernel evaluates to call ``call`` (``fn``: its callee)."""
    op: Operator | None = call.operator
    if call.form is CallForm.METHOD:
        return f"{args[0]}.{call.member}({', '.join(args[1:])})"
    if call.form is CallForm.INDEX:
        return f"{args[0]}[{args[1]}]"
    if call.form is CallForm.OPERATOR and op is not None:
        if len(args) == 1:
            return f"{op.symbol}{args[0]}"
        return f"{args[0]} {op.symbol} {args[1]}"
    return f"{fn}({', '.join(args)})"


def foreign_enum_args(overload: OverloadPlan) -> tuple[tuple[int, str], ...]:
    """(argument position, enum name) of each enum of another header a call passes."""
    passed = [p for p in overload.params if p.mode != "out"]
    return tuple((i, p.type.name) for i, p in enumerate(passed) if isinstance(p.type, ForeignEnum))
