"""Overload sets: the overloads one Python callable dispatches over, one per Numba signature.

Two C++ overloads can map to the same Numba signature (``long`` and ``long long`` are both
``int64``); numba-cuda's typing would pick one and lowering another, so only the first is kept
and the other is reported as skipped, naming the one kept. Every member kind goes through here:
functions, constructors, methods, statics, operators and conversions.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Generic, TypeVar

from .model import OverloadPlan, Skipped
from .refs import value_type

Key = TypeVar("Key", bound=Hashable)
Signature = tuple[tuple[str, Hashable], ...]


def numba_signature(overload: OverloadPlan, receiver: bool = True) -> Signature:
    """The Numba argument types a call passes (out-params are not passed). ``receiver=False``
    leaves out a method's receiver: a const and a non-const method read the same from Python."""
    params = overload.params if receiver else overload.params[1:]
    return tuple(
        ("in" if p.mode == "in" else "ptr", value_type(p.type)) for p in params if p.mode != "out"
    )


class OverloadSets(Generic[Key]):
    """Overload sets by key (a Python name, an operator, ...), in first-seen order."""

    def __init__(self, skip_kind: str, receiver: bool = True) -> None:
        self._skip_kind = skip_kind
        self._receiver = receiver
        self._sets: dict[Key, dict[Signature, OverloadPlan]] = {}

    def add(
        self, key: Key, variants: Sequence[OverloadPlan], skipped: list[Skipped], where: str = ""
    ) -> list[OverloadPlan]:
        """Add the variants of one C++ declaration; returns those kept. The declaration is
        reported skipped when none of its variants is kept."""
        overloads = self._sets.setdefault(key, {})
        kept: list[OverloadPlan] = []
        clash: OverloadPlan | None = None
        for variant in variants:
            signature = numba_signature(variant, self._receiver)
            if signature in overloads:
                clash = clash or overloads[signature]
            else:
                overloads[signature] = variant
                kept.append(variant)
        if variants and not kept and clash is not None:
            reason = f"same Numba signature as `{clash.cxx_signature}`"
            skipped.append(Skipped(self._skip_kind, variants[0].cxx_signature, reason, where))
        if not overloads:
            del self._sets[key]
        return kept

    def items(self) -> list[tuple[Key, tuple[OverloadPlan, ...]]]:
        return [(key, tuple(overloads.values())) for key, overloads in self._sets.items()]

    def __contains__(self, key: object) -> bool:
        return key in self._sets
