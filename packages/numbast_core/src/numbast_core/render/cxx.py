"""The C++ glue: each ShimSpec spelled as one ``extern "C" __device__`` wrapper line."""

from __future__ import annotations

import re

from ..plan.model import BindingPlan, OverloadPlan
from ..plan.shims import Passing, ShimArg, ShimKind, ShimSpec

# Results are constructed in the result slot, never assigned: types without a usable
# ``operator=`` (cooperative_groups' thread_block) bind too. NVRTC has no <new>, and declaring
# the standard placement ``operator new(size_t, void*)`` would clash where a header already
# has; an operator new of our own, told apart by a tag parameter, clashes with nothing.
PLACEMENT_NEW = (
    "struct __numbast_slot {};\n"
    "__device__ inline void* operator new(decltype(sizeof(0)), void* p, __numbast_slot) noexcept"
    " { return p; }\n"
    "__device__ inline void operator delete(void*, void*, __numbast_slot) noexcept {}\n"
)


# ``std::uint64_t`` as a declaration spells it: inside ``namespace cuda`` that is libcu++'s
# ``cuda::std``, which under NVRTC puts nothing in ``::std`` (the glue is at global scope)
_STD_WIDTH = re.compile(r"(?<![\w:])std::(?:u?int(?:8|16|32|64)|size|ptrdiff|u?intptr)_t\b")


def prelude(plan: BindingPlan) -> str:
    """What precedes the shims: the config's macros, the entry point's include, ``<cstdint>``
    (libcu++'s widths in ``std::``: the compatibility forwarder) where a shim spells one as
    ``std::``, then the placement operator new the shims construct their results with."""
    defines = "".join(
        f"#define {name} {value}\n" if value is not None else f"#define {name}\n"
        for name, value in plan.macros
    )
    include = include_directive(plan.entry_point_include, plan.entry_point_include_quoted)
    specs = [c.overload.spec for c in plan.callables()]
    spelled = [t for s in specs for t in (s.result or "", *(a.cxx_type for a in s.args))]
    if any(_STD_WIDTH.search(t) for t in spelled):
        include += "\n#include <cstdint>"
    return defines + include + "\n" + PLACEMENT_NEW


def include_directive(header: str, quoted: bool) -> str:
    """``#include "x.h"`` (looked up next to the includer first) or ``#include <x.h>``."""
    return f'#include "{header}"' if quoted else f"#include <{header}>"


def _declaration(arg: ShimArg) -> str:
    const = " const" if arg.passing is Passing.CONST_POINTER else ""
    return f"{arg.cxx_type}{const}* {arg.name}"


def _use(arg: ShimArg) -> str:
    if arg.passing is Passing.MOVE:
        return f"static_cast<{arg.cxx_type}&&>(*{arg.name})"
    if arg.passing is Passing.ADDRESS:
        return arg.name
    return f"*{arg.name}"


def _construct(spec: ShimSpec, *args: str) -> str:
    """Construct the result in ``*r`` from ``args`` (a prvalue of its type is elided)."""
    return f"::new (static_cast<void*>(r), __numbast_slot()) {spec.result}({', '.join(args)});"


def _body(spec: ShimSpec) -> str:
    a = [_use(arg) for arg in spec.args]
    kind, callee = spec.kind, spec.callee
    if kind in (ShimKind.CALL, ShimKind.METHOD):
        call = f"{callee}({', '.join(a)})"
        if kind is ShimKind.METHOD:
            call = f"({a[0]}).{callee}({', '.join(a[1:])})"
        return f"{call};" if spec.result is None else _construct(spec, call)
    if kind in (ShimKind.CONSTRUCT, ShimKind.DEFAULT_CONSTRUCT):
        return _construct(spec, *a)
    if kind is ShimKind.CONVERSION:
        return _construct(spec, f"static_cast<{spec.result}>({a[0]})")
    if kind is ShimKind.UNARY:
        return _construct(spec, f"{callee}({a[0]})")
    if kind is ShimKind.BINARY:
        return _construct(spec, f"({a[0]}) {callee} ({a[1]})")
    if kind is ShimKind.COMPOUND:
        return f"{_construct(spec, a[0])} (*r) {callee} {a[1]};"
    if kind is ShimKind.INDEX:
        return _construct(spec, f"({a[0]})[{a[1]}]")
    if kind is ShimKind.SET_ITEM:
        return f"{_construct(spec, a[0])} (*r)[{a[1]}] = {a[2]};"
    raise ValueError(f"unknown shim kind {kind}")


def shim_text(name: str, spec: ShimSpec) -> str:
    """``extern "C" __device__ void name(R* r, A const* a0, ...) { ... }`` on one line."""
    result = [f"{spec.result}* r"] if spec.result is not None else []
    params = ", ".join(result + [_declaration(arg) for arg in spec.args])
    return f'extern "C" __device__ void {name}({params}) {{ {_body(spec)} }}'


def glue(overload: OverloadPlan) -> str:
    """The C++ wrapper of one bound overload."""
    return shim_text(overload.shim, overload.spec)
