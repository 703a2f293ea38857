"""Structs: which are bound and their names, their fields, and their order in the module."""

from __future__ import annotations

from dataclasses import dataclass

from ast_canopy.model import Access, Declarations, Struct

from ..config import Config
from .model import FieldPlan, Skipped, StructBinding
from .names import attribute_name, python_identifier, strip_prefix
from .refs import EnumRef, Scalar, StructRef, TypeRef, UniTuple, VoidPointer, structs_in
from .typemap import NATIVE_TYPES, KnownTypes, Unmapped, map_value, vector_type

# Structs of other headers larger than this are not bound as dependencies: values of that
# size (curandStateMtgp32: 4 KiB of tuples) make every Numba kernel that touches them compile
# for minutes, and such states are meant to be used in place through pointers anyway.
MAX_DEPENDENCY_SIZE = 1024


@dataclass(frozen=True)
class StructName:
    struct: Struct
    python_name: str
    dependency: bool = False
    native: Scalar | None = None  # numba-cuda's own type represents it (``__half``: float16)

    @property
    def ref(self) -> TypeRef:
        return self.native or StructRef(self.struct.qualified_name, self.python_name)


def struct_names(
    config: Config, decls: Declarations, taken: set[str], skipped: list[Skipped]
) -> dict[str, StructName]:
    """Pass 1: which structs are bound, and their names (other types may refer to them)."""
    names: dict[str, StructName] = {}
    dependencies = {id(st) for st in decls.dependencies}
    for st in (*decls.structs, *decls.dependencies):
        cxx, where = st.qualified_name, str(st.location)
        dependency = id(st) in dependencies
        reason = None
        if not st.name:
            reason = "anonymous record"
        elif st.is_union:
            reason = "union"
        elif st.name in config.exclude.structs or cxx in config.exclude.structs:
            reason = "excluded by config Exclude.Struct"
        elif dependency and cxx in NATIVE_TYPES:
            reason = f"represented by numba-cuda's native `types.{NATIVE_TYPES[cxx]}`"
        elif st.size is None or st.size <= 0:
            reason = "incomplete type"
        elif cxx in names:
            reason = "duplicate declaration"
        elif dependency and vector_type(cxx):
            reason = "a CUDA vector type: numba-cuda's own type applies"
        elif dependency and st.size > MAX_DEPENDENCY_SIZE:
            reason = "too large to pass by value"
        if reason:
            if not dependency:  # not this header's API: nothing to report
                skipped.append(Skipped("struct", cxx or "(anonymous)", reason, where))
            continue
        py = python_identifier(strip_prefix(st.name, config.prefix_removal.structs))
        if py in taken:
            py = python_identifier("_".join((*st.namespace, py)))
        taken.add(py)
        native = Scalar(NATIVE_TYPES[cxx]) if cxx in NATIVE_TYPES else None
        names[cxx] = StructName(st, py, dependency, native)
    return names


def _field_type(st: Struct, index: int, known: KnownTypes) -> TypeRef:
    f = st.fields[index]
    if f.type.array_extent is not None and f.type.element is not None:
        return UniTuple(map_value(f.type.element, known).ref, f.type.array_extent)
    ref = map_value(f.type, known).ref
    if f.type.is_pointer and any(structs_in(ref)):
        # a pointer to a bound struct (possibly this one: a linked list) is kept as an
        # untyped address, so struct types never depend on each other through pointers
        return VoidPointer()
    return ref


def plan_fields(st: Struct, known: KnownTypes, skipped: list[Skipped]) -> tuple[FieldPlan, ...]:
    readable: list[FieldPlan] = []
    opaque: list[tuple[int, int]] = []
    for index, f in enumerate(st.fields):
        start = f.offset_bits // 8
        if f.bitfield_width is not None:
            end = (f.offset_bits + f.bitfield_width + 7) // 8
            opaque.append((start, end))
            what = f"{st.qualified_name}::{f.name}"
            skipped.append(Skipped("field", what, "bitfield: kept as opaque bytes, not readable"))
            continue
        size = f.type.size or 0
        if f.is_anonymous or not f.name:
            what = f"{st.qualified_name}::(anonymous)"
            reason = "anonymous union/struct member: kept as opaque bytes, not readable"
            skipped.append(Skipped("field", what, reason))
            opaque.append((start, start + size))
            continue
        if f.access is not Access.PUBLIC:
            opaque.append((start, start + size))
            continue
        try:
            ref = _field_type(st, index, known)
        except Unmapped as err:
            opaque.append((start, start + size))
            what = f"{st.qualified_name}::{f.name}"
            skipped.append(Skipped("field", what, f"type {err} has no Numba mapping"))
            continue
        readable.append(FieldPlan(attribute_name(f.name), ref, start, size))
    merged: list[list[int]] = []
    for start, end in sorted(opaque):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    fields = readable + [FieldPlan(None, None, a, b - a) for a, b in merged if b > a]
    return tuple(sorted(fields, key=lambda f: f.offset))


def struct_order(structs: list[StructBinding]) -> list[StructBinding]:
    """Structs whose fields use other structs come after them."""
    by_name = {s.cxx_name: s for s in structs}
    ordered: list[StructBinding] = []
    seen: set[str] = set()

    def visit(s: StructBinding) -> None:
        if s.cxx_name in seen:
            return
        seen.add(s.cxx_name)
        for f in s.fields:
            for dep in structs_in(f.type) if f.type is not None else ():
                if dep.cxx_name in by_name:
                    visit(by_name[dep.cxx_name])
        ordered.append(s)

    for s in structs:
        visit(s)
    return ordered


PRIMITIVE_MODEL = "PrimitiveModel"


def primitive_model_errors(config: Config, structs: list[StructBinding]) -> list[str]:
    """``Data Models: X: PrimitiveModel`` needs X's layout to be one scalar (or opaque bytes of
    that size): the Numba value is then that scalar itself."""
    errors = []
    for st in structs:
        if st.model != PRIMITIVE_MODEL or st.native is not None:  # native: numba-cuda's model
            continue
        key = st.cxx_name if st.cxx_name in config.data_models else st.cxx_name.split("::")[-1]
        fields = st.fields
        one = fields[0] if len(fields) == 1 and fields[0].size == st.size else None
        if one is not None and one.name is None:
            one = one if st.size in (1, 2, 4, 8) else None  # opaque bytes: an integer's size
        elif one is not None:
            one = one if isinstance(one.type, (Scalar, EnumRef)) else None
        if one is None:
            layout = ", ".join(f"{f.name or '(opaque)'} at {f.offset}" for f in fields) or "none"
            errors.append(
                f"Data Models.{key}: PrimitiveModel needs a struct whose layout is one scalar, "
                f"but C++ `{st.cxx_name}` ({st.size} bytes) has fields: {layout}; use StructModel"
            )
    return errors
