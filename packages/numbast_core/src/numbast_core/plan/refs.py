"""References to Numba types, as data: what a C++ type maps to, never how it is spelled.

The renderers spell them (``numbast_core.render.spelling`` for the numba-cuda backend); the
plan only compares, hashes and walks them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TypeAlias


@dataclass(frozen=True)
class Scalar:
    """A numba-cuda scalar type by its name in ``numba.cuda.types`` (``float32``, ``boolean``)."""

    name: str


@dataclass(frozen=True)
class Vector:
    """A CUDA vector type of numba-cuda: ``element`` (a scalar name) times ``count`` (1-4)."""

    element: str
    count: int

    @property
    def name(self) -> str:
        return f"{self.element}x{self.count}"


@dataclass(frozen=True)
class Pointer:
    pointee: TypeRef


@dataclass(frozen=True)
class VoidPointer:
    pass


@dataclass(frozen=True)
class StructRef:
    """A struct this module binds, by C++ name, with the Python name of its handle."""

    cxx_name: str
    python_name: str


@dataclass(frozen=True)
class EnumRef:
    """An enum this module binds: passed as its underlying integer type."""

    cxx_name: str
    python_name: str
    underlying: Scalar


@dataclass(frozen=True)
class ForeignEnum:
    """An enum declared outside the bound files (``cudaRoundMode``): passed as an integer of its
    width; a kernel may also pass a member of a Python IntEnum of the same ``name``."""

    name: str  # unqualified C++ name
    underlying: Scalar


@dataclass(frozen=True)
class UniTuple:
    """A fixed-size C array field: ``count`` values of ``element``."""

    element: TypeRef
    count: int


TypeRef: TypeAlias = (
    Scalar | Vector | Pointer | VoidPointer | StructRef | EnumRef | ForeignEnum | UniTuple
)


def value_type(ref: TypeRef) -> TypeRef:
    """The Numba type a value of ``ref`` has: enums are their underlying integers."""
    if isinstance(ref, (EnumRef, ForeignEnum)):
        return ref.underlying
    if isinstance(ref, Pointer):
        return Pointer(value_type(ref.pointee))
    if isinstance(ref, UniTuple):
        return UniTuple(value_type(ref.element), ref.count)
    return ref


def structs_in(ref: TypeRef) -> Iterator[StructRef]:
    """Every bound struct that ``ref`` names, however deeply."""
    if isinstance(ref, StructRef):
        yield ref
    elif isinstance(ref, Pointer):
        yield from structs_in(ref.pointee)
    elif isinstance(ref, UniTuple):
        yield from structs_in(ref.element)
