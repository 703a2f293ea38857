"""Parameters, intents and results of one C++ callable, and its overload variants."""

from __future__ import annotations

import re

from ast_canopy.model import Function, Type

from ..config import Config, Intent
from .model import OverloadPlan, ParamPlan
from .names import shim_name
from .refs import StructRef, TypeRef
from .shims import Passing, ShimArg, ShimKind, ShimSpec
from .typemap import KnownTypes, Mapped, Unmapped, glue_spelling, map_value


class Skip(Exception):
    """This declaration is not bound; the message says why."""


def drop_const(spelling: str) -> str:
    return re.sub(r"^const\s+|\s+const$", "", spelling.strip())


def param_name(index: int, name: str | None) -> str:
    return name if name else f"arg{index}"


def _intent_for(config: Config, fn: Function, index: int, name: str | None) -> Intent:
    intents = config.function_argument_intents.get(fn.name) or config.function_argument_intents.get(
        fn.qualified_name
    )
    if not intents:
        return Intent.IN
    if name and name in intents:
        return intents[name]
    return intents.get(index, Intent.IN)


def _written_struct(p_type, known: KnownTypes, pointers: bool) -> Type | None:
    """The bound struct a ``T&`` (or, with ``pointers``, ``T*``) parameter lets the callee
    write, or None: such arguments are passed as a variable or array element, and written back
    (mode "inout", as a non-const method's receiver)."""
    if p_type.is_lvalue_ref or (pointers and p_type.is_pointer):
        target = p_type.pointee
    else:
        return None
    if target is None or target.is_const or target.is_pointer:
        return None
    try:
        return target if isinstance(map_value(target, known).ref, StructRef) else None
    except Unmapped:
        return None


def plan_param(
    config: Config, fn: Function, index: int, known: KnownTypes, write_back: str = ""
) -> tuple[ParamPlan, ShimArg]:
    """The parameter's plan, and how the shim receives it. ``write_back``: "refs" makes a
    ``T&`` to a bound struct an "inout" parameter, "refs and pointers" a ``T*`` too."""
    p = fn.params[index]
    name = param_name(index, p.name)
    intent = _intent_for(config, fn, index, p.name)
    written = None
    if write_back and intent is Intent.IN:
        written = _written_struct(p.type, known, pointers=write_back == "refs and pointers")
    if written is not None:
        passing = Passing.ADDRESS if p.type.is_pointer else Passing.MUTABLE_POINTER
        arg = ShimArg(f"a{index}", drop_const(glue_spelling(written)), passing)
        return ParamPlan(name, p.type.spelling, "inout", map_value(written, known).ref), arg
    is_ref = p.type.is_lvalue_ref or p.type.is_rvalue_ref
    value_type = p.type.pointee if is_ref and p.type.pointee else p.type
    if intent is not Intent.IN and not is_ref:
        raise Skip(
            f"intent {intent.value} on parameter {index + 1} `{name}`, which is not a reference"
        )
    try:
        mapped: Mapped = map_value(value_type, known)
    except Unmapped as err:
        raise Skip(f"parameter {index + 1} type {err} has no Numba mapping") from None
    spelled = glue_spelling(p.type, at_global_scope(fn))
    # a top-level const of a pointer parameter (`T *const p`) would be doubled by `const*`
    bare = re.sub(r"\s*\bconst$", "", spelled) if value_type.is_pointer else drop_const(spelled)
    if intent is Intent.IN:
        mode = "in"
        # `in` on a non-const T& passes the shim's own copy (a slot): it must not be const
        mutable = p.type.is_lvalue_ref and not (p.type.is_const or value_type.is_const)
        passing = Passing.MUTABLE_POINTER if mutable else Passing.CONST_POINTER
    else:
        if value_type.is_const:
            raise Skip(f"intent {intent.value} on parameter {index + 1} `{name}`, which is const")
        mode = "out" if intent is Intent.OUT_RETURN else "ptr"
        passing = Passing.MUTABLE_POINTER
    if p.type.is_rvalue_ref:
        passing = Passing.MOVE
    arg = ShimArg(f"a{index}", bare, passing)
    return ParamPlan(name, p.type.spelling, mode, mapped.ref), arg


def at_global_scope(fn: Function) -> bool:
    """A free function outside namespaces: the names its declaration writes resolve the same in
    the glue, which includes the header at global scope."""
    return fn.qualified_name == fn.name and not fn.namespace


def is_void(fn: Function) -> bool:
    return fn.return_type.canonical.strip() == "void"


def result_of(fn: Function, known: KnownTypes) -> tuple[TypeRef | None, str | None]:
    """The Numba type of the C++ result, and the C++ type the shim stores it as."""
    if is_void(fn):
        return None, None
    ret = fn.return_type
    ret_value = ret.pointee if (ret.is_lvalue_ref or ret.is_rvalue_ref) and ret.pointee else ret
    try:
        result = map_value(ret_value, known).ref
    except Unmapped as err:
        raise Skip(f"return type {err} has no Numba mapping") from None
    spelled = glue_spelling(ret, at_global_scope(fn))
    return result, spelled if ret_value.is_pointer else drop_const(spelled)


def cxx_signature(fn: Function) -> str:
    params = ", ".join(
        f"{p.type.spelling} {param_name(i, p.name)}" for i, p in enumerate(fn.params)
    )
    return f"{fn.return_type.spelling} {fn.qualified_name}({params})"


def variants(
    config: Config,
    fn: Function,
    known: KnownTypes,
    kind: ShimKind,
    callee: str = "",
    *,
    result: tuple[TypeRef | None, str | None] | None = None,
    receiver: tuple[ParamPlan, ShimArg] | None = None,
    cooperative: bool = False,
    shim_tag: str = "",
    write_back: str = "",
) -> list[OverloadPlan]:
    """Overload variants of one C++ callable: one per number of trailing defaulted args omitted.

    ``result`` overrides the callable's own (a constructor's is its struct); ``receiver`` is
    the first argument of members.
    """
    result_type, result_cxx = result if result is not None else result_of(fn, known)
    planned = [plan_param(config, fn, i, known, write_back) for i in range(len(fn.params))]
    if receiver is not None:
        planned.insert(0, receiver)
    first_default = len(fn.params)
    while first_default > 0 and fn.params[first_default - 1].default is not None:
        first_default -= 1
    signature = cxx_signature(fn)
    extra = 0 if receiver is None else 1
    out: list[OverloadPlan] = []
    for arity in range(len(fn.params), first_default - 1, -1):
        used = planned[: arity + extra]
        shim = shim_name(
            fn.mangled_name + shim_tag,
            None if arity == len(fn.params) else arity,
            config.output_name,
        )
        spec = ShimSpec(kind, callee, result_cxx, tuple(arg for _, arg in used))
        params = tuple(p for p, _ in used)
        out.append(
            OverloadPlan(shim, fn.qualified_name, signature, result_type, params, spec, cooperative)
        )
    return out
