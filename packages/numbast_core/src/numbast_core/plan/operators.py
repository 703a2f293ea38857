"""C++ operators as Python operators: free ones here, members with their struct."""

from __future__ import annotations

from dataclasses import dataclass

from ast_canopy.model import Declarations, ExecSpace, Function

from ..config import Config
from .model import Operator, OperatorBinding, OperatorForm, OperatorKey, OverloadPlan, Skipped
from .overloads import OverloadSets
from .params import Skip, drop_const, variants
from .refs import Scalar, StructRef, TypeRef, Vector, value_type
from .shims import ShimKind
from .typemap import NATIVE_TYPES, KnownTypes, Unmapped, glue_spelling, map_value
from .usable import unusable_reason


def _operators(form: OperatorForm, pairs: str) -> dict[str, Operator]:
    table = (pair.split(":") for pair in pairs.split())
    return {symbol: Operator(function, symbol, form) for symbol, function in table}


BINARY = _operators(
    OperatorForm.BINARY,
    "+:add -:sub *:mul /:truediv %:mod &:and_ |:or_ ^:xor <<:lshift >>:rshift "
    "==:eq !=:ne <:lt <=:le >:gt >=:ge",
)
UNARY = _operators(OperatorForm.UNARY, "-:neg +:pos ~:invert")
INPLACE = _operators(
    OperatorForm.INPLACE,
    "+=:iadd -=:isub *=:imul /=:itruediv %=:imod &=:iand |=:ior ^=:ixor <<=:ilshift >>=:irshift",
)
GETITEM = Operator("getitem", "[]", OperatorForm.INDEX)

SHIM_KINDS = {
    OperatorForm.UNARY: ShimKind.UNARY,
    OperatorForm.BINARY: ShimKind.BINARY,
    OperatorForm.INPLACE: ShimKind.COMPOUND,
}


@dataclass(frozen=True)
class OperatorOverloads:
    """The variants of one C++ declaration bound to a Python operator (or vector constructor)."""

    key: OperatorKey
    variants: tuple[OverloadPlan, ...]
    where: str  # the declaration's location
    report: bool = True  # False: bound otherwise too (a `T& operator[]` also sets items)


def python_operator(symbol: str, operands: int) -> Operator | None:
    """The Python operator of a C++ operator with that many operands; None if there is none."""
    if operands == 2 and symbol in BINARY:
        return BINARY[symbol]
    if operands == 1 and symbol in UNARY:
        return UNARY[symbol]
    if operands == 2 and symbol in INPLACE:
        return INPLACE[symbol]
    return None


# Operand types on which numba-cuda types no Python operator: an operator with one of them is
# bound. On its scalar types (float16 and bfloat16 included) numba-cuda types them all, and
# those operators are left to it. Checked against numba-cuda's typing by test_numba_facts.
UNTYPED_BY_NUMBA_CUDA = (StructRef, Vector)


def compound_result(fn: Function, known: KnownTypes) -> tuple[TypeRef, str]:
    """A free compound assignment yields the updated left operand (Python rebinds it)."""
    left = fn.params[0].type
    value = left.pointee if left.pointee is not None else left
    return map_value(value, known).ref, drop_const(glue_spelling(value))


def native_operator_skip(operands: list[TypeRef], own: frozenset[str]) -> str | None:
    """Why an operator on these operands is not bound here, or None: it is bound when an operand
    is a struct of this module, a CUDA vector type, or a native scalar in ``own`` (see
    ``members.native_operands``)."""
    if any(
        isinstance(t, UNTYPED_BY_NUMBA_CUDA) or (isinstance(t, Scalar) and t.name in own)
        for t in operands
    ):
        return None
    scalars = {t.name for t in operands if isinstance(t, Scalar)}
    natives = sorted(scalars & set(NATIVE_TYPES.values()))
    if natives:
        return (
            "operands are numba-cuda's own types: their C++ operators are bound only with "
            "Use Separate Registry: True (the global registry keeps numba-cuda's meaning)"
        )
    return "operands are numba-cuda native types: numba-cuda's own operator applies"


def free_operators(
    config: Config,
    decls: Declarations,
    known: KnownTypes,
    skipped: list[Skipped],
    own: frozenset[str] = frozenset(),
) -> list[OperatorOverloads]:
    """Every bound free operator; ``own``: native scalars whose operators this module binds."""
    out: list[OperatorOverloads] = []
    for fn in decls.functions:
        if fn.operator is None:
            continue
        where = str(fn.location)
        try:
            if fn.exec_space is ExecSpace.HOST:
                raise Skip("host-only")
            if fn.name in config.exclude.functions or fn.qualified_name in config.exclude.functions:
                raise Skip("excluded by config Exclude.Function")
            unusable = unusable_reason(fn, config.gpu_arch[0])
            if unusable:
                raise Skip(unusable)
            op = python_operator(fn.operator, len(fn.params))
            if op is None:
                raise Skip(f"operator{fn.operator} has no Python equivalent")
            result = compound_result(fn, known) if op.form is OperatorForm.INPLACE else None
            planned = variants(config, fn, known, SHIM_KINDS[op.form], fn.operator, result=result)
            reason = native_operator_skip([value_type(p.type) for p in planned[0].params], own)
            if reason:
                raise Skip(reason)
        except (Skip, Unmapped) as err:
            reason = str(err) if isinstance(err, Skip) else f"type {err} has no Numba mapping"
            skipped.append(Skipped("operator", fn.qualified_name, reason, where))
            continue
        out.append(OperatorOverloads(op, tuple(planned), where))
    return out


def merge_operators(
    declarations: list[OperatorOverloads], skipped: list[Skipped]
) -> list[OperatorBinding]:
    """One binding per Python operator, deduplicated by Numba signature."""
    sets: OverloadSets[OperatorKey] = OverloadSets("operator")
    for d in declarations:
        sets.add(d.key, d.variants, skipped if d.report else [], d.where)
    return [OperatorBinding(key, overloads) for key, overloads in sets.items()]
