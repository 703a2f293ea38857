"""C++ type -> Numba type reference (``refs``): one table-driven place for every mapping."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ast_canopy.model import Type

from .refs import EnumRef, ForeignEnum, Pointer, Scalar, StructRef, TypeRef, Vector, VoidPointer

# Canonical C++ spelling -> scalar name in numba.cuda.types (x86-64 Linux, where char is signed
# and long is 64 bits); NATIVE_TYPES (below) are added to it.
_BUILTIN_SCALARS: Mapping[str, str] = {
    "bool": "boolean",
    "char": "int8",
    "signed char": "int8",
    "unsigned char": "uint8",
    "short": "int16",
    "unsigned short": "uint16",
    "int": "int32",
    "unsigned int": "uint32",
    "long": "int64",
    "unsigned long": "uint64",
    "long long": "int64",
    "unsigned long long": "uint64",
    "float": "float32",
    "double": "float64",
}
# C++ structs that numba-cuda's own types represent, so arrays of float16 / bfloat16 flow
# straight into bindings.
NATIVE_TYPES: Mapping[str, str] = {"__half": "float16", "__nv_bfloat16": "bfloat16"}
BUILTINS: Mapping[str, str] = {**_BUILTIN_SCALARS, **NATIVE_TYPES}


_INTEGER_BY_SIZE: Mapping[int, str] = {
    1: "int8",
    2: "int16",
    4: "int32",
    8: "int64",
}

_VECTOR_ELEMENTS: Mapping[str, str] = {
    "char": "int8",
    "uchar": "uint8",
    "short": "int16",
    "ushort": "uint16",
    "int": "int32",
    "uint": "uint32",
    "long": "int64",
    "ulong": "uint64",
    "longlong": "int64",
    "ulonglong": "uint64",
    "float": "float32",
    "double": "float64",
}
_VECTOR = re.compile(
    r"(char|uchar|short|ushort|int|uint|long|ulong|longlong|ulonglong|float|double)([1-4])"
)


class Unmapped(Exception):
    """A C++ type with no Numba equivalent; the message names it."""


@dataclass(frozen=True)
class Mapped:
    ref: TypeRef
    cxx: str  # C++ spelling for the glue (no reference, cv kept on pointees)


@dataclass(frozen=True)
class KnownTypes:
    """Declarations the plan binds, which other types may refer to (by canonical C++ name)."""

    enums: Mapping[str, EnumRef]  # by C++ name
    structs: Mapping[str, StructRef]  # by C++ name


def _strip(spelling: str) -> str:
    spelling = re.sub(r"\b(const|volatile|struct|class|union|enum)\b", " ", spelling)
    return " ".join(spelling.replace("&", " ").split())


def vector_type(name: str) -> Vector | None:
    """numba-cuda's type for a CUDA vector type's C++ name (``float2``), if it is one."""
    match = _VECTOR.fullmatch(name)
    if not match:
        return None
    return Vector(_VECTOR_ELEMENTS[match.group(1)], int(match.group(2)))


def map_value(ty: Type, known: KnownTypes) -> Mapped:
    """Map a C++ value type (references already stripped by the caller) to Numba."""
    name = _strip(ty.canonical)
    if ty.is_pointer:
        if ty.pointee is None:
            raise Unmapped(f"`{ty.spelling}`")
        pointee_name = _strip(ty.pointee.canonical)
        if pointee_name == "void":
            return Mapped(VoidPointer(), ty.canonical)
        inner = map_value(ty.pointee, known)
        return Mapped(Pointer(inner.ref), ty.canonical)
    if ty.array_extent is not None:
        raise Unmapped(f"`{ty.spelling}` (array)")
    if name in known.enums:
        return Mapped(known.enums[name], ty.canonical)
    if name in known.structs:
        return Mapped(known.structs[name], ty.canonical)
    if ty.kind == "ENUM" and ty.size is not None and ty.size in _INTEGER_BY_SIZE:
        # An enum declared outside the bound files: pass its value as an integer of its width.
        return Mapped(ForeignEnum(name.split("::")[-1], Scalar(_INTEGER_BY_SIZE[ty.size])), name)
    if name in NATIVE_TYPES and ty.kind == "RECORD" and ty.size is None:
        # only declared where it is used (cuda_fp16.h names __nv_bfloat16): C++ cannot pass it
        raise Unmapped(f"`{ty.spelling}` (incomplete: its header is not included here)")
    if name in BUILTINS:
        return Mapped(Scalar(BUILTINS[name]), name)
    vector = vector_type(name)
    if vector:
        return Mapped(vector, name)
    raise Unmapped(f"`{ty.spelling}`")


# Typedefs whose target differs between the parse (x86-64 host: ``uint64_t`` is ``unsigned
# long``) and NVRTC (``unsigned long long``), and that name the same thing at global scope
# wherever a header writes them: the glue keeps them as written.
WIDTH_TYPEDEFS = frozenset(
    {f"{u}int{n}_t" for u in ("", "u") for n in (8, 16, 32, 64)}
    | {"size_t", "ptrdiff_t", "intptr_t", "uintptr_t"}
)
_CXX_WORDS = frozenset(
    {"const", "volatile", "signed", "unsigned", "char", "short", "int", "long", "float", "double"}
)


def glue_spelling(ty: Type, global_scope: bool = False) -> str:
    """The C++ spelling of ``ty`` without its reference, safe to use in the glue: as the
    declaration writes it where that resolves the same at the glue's global scope (a
    ``global_scope`` free function's types, e.g. ``__mbarrier_t*``; names of only builtins and
    width typedefs, ``std::`` ones too: ``uint64_t*`` is not the parse's ``unsigned long*`` under
    NVRTC, nor is ``std::int64_t`` its ``long``, which made ``h(std::int64_t)`` ambiguous beside
    ``h(std::int32_t)``), else the canonical type (a typedef written inside a namespace or class
    would not resolve there)."""
    base = ty.pointee if (ty.is_lvalue_ref or ty.is_rvalue_ref) and ty.pointee else ty
    if global_scope and re.fullmatch(r"[\w\s*&:]+", base.spelling) and "::" not in base.spelling:
        return re.sub(r"\b(?:struct|class|union|enum)\s+", "", base.spelling)  # as canonical
    # ``std::int64_t`` too: the glue's <cstdint> puts libcu++'s widths in std::
    unqualified = re.sub(r"(?<![\w:])(?:::)?std::(?=\w+_t\b)", "", base.spelling)
    words = set(re.findall(r"[A-Za-z_]\w*", unqualified))
    if "::" not in unqualified and words & WIDTH_TYPEDEFS and words <= WIDTH_TYPEDEFS | _CXX_WORDS:
        return base.spelling
    return base.canonical
