"""What each C++ wrapper ("shim") does, as data; ``numbast_core.render.cxx`` spells it.

A shim is ``extern "C" __device__ void <name>(R* r, A0 const* a0, ...)``: it takes a pointer to
each argument and to the result, so no C++ struct ABI is involved. Its C++ types are spelled from
the declaration it wraps.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ShimKind(enum.Enum):
    CALL = "call"  # callee(args): a free function, or a static member (callee S::f)
    METHOD = "method"  # (*self).callee(args)
    CONSTRUCT = "construct"  # new (r) callee(args): callee is the struct
    DEFAULT_CONSTRUCT = "default construct"  # new (r) callee(): the implicit default constructor
    CONVERSION = "conversion"  # *r = static_cast<result>(*self)
    UNARY = "unary"  # *r = callee(a0): callee is the C++ operator token
    BINARY = "binary"  # *r = (a0) callee (a1)
    COMPOUND = "compound"  # *r = a0; (*r) callee a1: the updated left operand
    INDEX = "index"  # *r = (a0)[a1]
    SET_ITEM = "set item"  # *r = a0; (*r)[a1] = a2: the updated receiver


class Passing(enum.Enum):
    """How the shim receives one argument and hands it to the callee."""

    CONST_POINTER = "const pointer"  # T const* a; callee gets *a
    MUTABLE_POINTER = "mutable pointer"  # T* a; callee gets *a (an lvalue it may change)
    MOVE = "move"  # T* a; callee gets static_cast<T&&>(*a) (an rvalue reference parameter)
    ADDRESS = "address"  # T* a; callee gets a (a T* parameter given a struct variable's slot)


@dataclass(frozen=True)
class ShimArg:
    name: str  # the shim's parameter name: "a<i>", "self" or "value"
    cxx_type: str  # the C++ value type, spelled from the declaration, without reference
    passing: Passing


@dataclass(frozen=True)
class ShimSpec:
    kind: ShimKind
    callee: str  # qualified function / struct / member name, or operator token; "" if unused
    result: str | None  # C++ type the shim stores into *r; None: void
    args: tuple[ShimArg, ...]  # the receiver first, where there is one
