"""Which shims break a glue compile whose NVRTC log blames no shim line (an error inside a
header): generation drops only those, each with its log (``glue_build``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from .runtime_sections import bisect  # (the generated runtime's own bisection)

if TYPE_CHECKING:
    from .glue_build import GlueSource


def culprits(
    glue: GlueSource, names: list[str], log: str, compile_: Callable[[list[str]], bytes | str]
) -> set[str]:
    """The shims that break a compile whose ``log`` blames no shim line (an error inside a
    header): :func:`calling_undefined`'s when the rest compiles without them (cooperative_groups:
    2 compiles, not 9), else found by bisection."""
    suspects = calling_undefined(log, glue, names)
    rest = [n for n in names if n not in suspects]
    if suspects and rest and isinstance(compile_(rest), bytes):
        names = suspects
    return set(bisect._bisect(names, lambda some: _log(compile_(some)), log))


_UNDEFINED = re.compile(r'function "((?:[\w]+::)*)(\w+)" was referenced but not defined')


def calling_undefined(log: str, glue: GlueSource, names: list[str]) -> list[str]:
    """The shims calling a function NVRTC's ``log`` says is declared but not defined, tried
    before bisecting: the shim bound to it (its name holds the mangled name, which spells the
    qualified name in length-prefixed parts), else all calling a function of that name."""
    texts, suspects = dict(glue.shims), set()
    for scope, name in set(_UNDEFINED.findall(log)):
        mangled = "".join(f"{len(p)}{p}" for p in [*scope.split("::")[:-1], name])
        bound = {n for n in names if mangled in n}
        suspects |= bound or {n for n in names if f"{name}(" in texts[n]}
    return [n for n in names if n in suspects]


def _log(result: bytes | str) -> str:
    """NVRTC's log of a compile's result; "" when it compiled."""
    return "" if isinstance(result, bytes) else result
