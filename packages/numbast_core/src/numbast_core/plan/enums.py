"""Enums and typedefs."""

from __future__ import annotations

from ast_canopy.model import Declarations, Type

from ..config import Config
from .model import EnumBinding, Skipped, TypedefBinding
from .names import attribute_name, python_identifier, strip_prefix
from .refs import EnumRef, Scalar, TypeRef, value_type
from .typemap import KnownTypes, Unmapped, map_value

_INTEGERS = frozenset(f"{sign}int{bits}" for sign in ("", "u") for bits in (8, 16, 32, 64))


def _integer(ty: Type) -> Scalar | None:
    try:
        ref = map_value(ty, KnownTypes({}, {})).ref
    except Unmapped:
        return None
    return ref if isinstance(ref, Scalar) and ref.name in _INTEGERS else None


def plan_enums(config: Config, decls: Declarations, skipped: list[Skipped]) -> list[EnumBinding]:
    enums: list[EnumBinding] = []
    seen: set[str] = set()
    prefixes = config.prefix_removal.enums
    for e in decls.enums:
        cxx = e.qualified_name
        where = str(e.location)
        if not e.name:
            skipped.append(Skipped("enum", "(anonymous enum)", "anonymous enum", where))
            continue
        if cxx in seen:
            skipped.append(Skipped("enum", cxx, "duplicate declaration", where))
            continue
        if e.name in config.exclude.enums or cxx in config.exclude.enums:
            skipped.append(Skipped("enum", cxx, "excluded by config Exclude.Enum", where))
            continue
        underlying = _integer(e.underlying)
        if underlying is None:
            reason = f"underlying type `{e.underlying.spelling}` is not an integer"
            skipped.append(Skipped("enum", cxx, reason, where))
            continue
        seen.add(cxx)
        members = tuple(
            (attribute_name(strip_prefix(m.name, prefixes)), m.value) for m in e.enumerators
        )
        py_name = python_identifier(strip_prefix(e.name, prefixes))
        enums.append(EnumBinding(py_name, cxx, underlying, members))
    return enums


def plan_typedefs(
    config: Config, decls: Declarations, known: KnownTypes, taken: set[str], skipped: list[Skipped]
) -> list[TypedefBinding]:
    typedefs: list[TypedefBinding] = []
    for t in decls.typedefs:
        where = str(t.location)
        target_name = " ".join(t.underlying.canonical.replace("const", " ").split())
        target: TypeRef
        if target_name in known.enums:
            target = known.enums[target_name]  # the enum class itself
        else:
            try:
                target = value_type(map_value(t.underlying, known).ref)
            except Unmapped as err:
                reason = f"target {err} has no Numba mapping"
                skipped.append(Skipped("typedef", t.qualified_name, reason, where))
                continue
        py_name = python_identifier(strip_prefix(t.name, config.prefix_removal.structs))
        if py_name in taken or (isinstance(target, EnumRef) and target.python_name == py_name):
            reason = f"name `{py_name}` already bound"
            skipped.append(Skipped("typedef", t.qualified_name, reason, where))
            continue
        taken.add(py_name)
        typedefs.append(TypedefBinding(py_name, t.qualified_name, target))
    return typedefs
