"""C++ type -> Numba type, as Python expression text for the generated module.

One table-driven place for every mapping. Expressions name ``types`` (``numba.cuda.types``)
and ``_vector_types`` (numba-cuda's CUDA vector types), both imported by the module runtime.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ast_canopy.model import Type

# Canonical C++ spellings (x86-64 Linux, where char is signed and long is 64 bits).
BUILTINS: Mapping[str, str] = {
    "bool": "types.boolean",
    "char": "types.int8",
    "signed char": "types.int8",
    "unsigned char": "types.uint8",
    "short": "types.int16",
    "unsigned short": "types.uint16",
    "int": "types.int32",
    "unsigned int": "types.uint32",
    "long": "types.int64",
    "unsigned long": "types.uint64",
    "long long": "types.int64",
    "unsigned long long": "types.uint64",
    "float": "types.float32",
    "double": "types.float64",
    # numba-cuda's own types, so arrays of float16 / bfloat16 flow straight into bindings.
    "__half": "types.float16",
    "__nv_bfloat16": "types.bfloat16",
}

_INTEGER_BY_SIZE: Mapping[int, str] = {
    1: "types.int8",
    2: "types.int16",
    4: "types.int32",
    8: "types.int64",
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
    numba: str  # Python expression for the Numba type
    cxx: str  # C++ spelling for the glue (no reference, cv kept on pointees)
    enum: str | None = None  # Python name of a bound enum, when the type is one


@dataclass(frozen=True)
class KnownTypes:
    """Declarations the plan binds, which other types may refer to (by canonical C++ name)."""

    enums: Mapping[str, tuple[str, str]]  # C++ name -> (Python enum name, underlying Numba int)
    structs: Mapping[str, str]  # C++ name -> Numba type expression


def _strip(spelling: str) -> str:
    spelling = re.sub(r"\b(const|volatile|struct|class|union|enum)\b", " ", spelling)
    return " ".join(spelling.replace("&", " ").split())


def vector_type(name: str) -> str | None:
    match = _VECTOR.fullmatch(name)
    if not match:
        return None
    return f'_vector_types["{_VECTOR_ELEMENTS[match.group(1)]}x{match.group(2)}"]'


def map_value(ty: Type, known: KnownTypes) -> Mapped:
    """Map a C++ value type (references already stripped by the caller) to Numba."""
    name = _strip(ty.canonical)
    if ty.is_pointer:
        if ty.pointee is None:
            raise Unmapped(f"`{ty.spelling}`")
        pointee_name = _strip(ty.pointee.canonical)
        if pointee_name == "void":
            return Mapped("types.voidptr", ty.canonical)
        inner = map_value(ty.pointee, known)
        return Mapped(f"types.CPointer({inner.numba})", ty.canonical)
    if ty.array_extent is not None:
        raise Unmapped(f"`{ty.spelling}` (array)")
    if name in known.enums:
        py_name, underlying = known.enums[name]
        return Mapped(underlying, ty.canonical, enum=py_name)
    if name in known.structs:
        return Mapped(known.structs[name], ty.canonical)
    if ty.kind == "ENUM" and ty.size in _INTEGER_BY_SIZE:
        # An enum declared outside the bound files: pass its value as an integer of its width.
        return Mapped(_INTEGER_BY_SIZE[ty.size], name)
    if name in BUILTINS:
        return Mapped(BUILTINS[name], name)
    vector = vector_type(name)
    if vector:
        return Mapped(vector, name)
    raise Unmapped(f"`{ty.spelling}`")


def glue_spelling(ty: Type) -> str:
    """The C++ spelling of ``ty`` without its reference, safe to use in the glue."""
    base = ty.pointee if (ty.is_lvalue_ref or ty.is_rvalue_ref) and ty.pointee else ty
    return base.canonical
