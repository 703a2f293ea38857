"""Several GPU archs in one module: the declarations of every arch's parse, merged.

A declaration that exists on some archs only (``#if __CUDA_ARCH__ >= 900``) is kept, and the
plan of each arch says which shims that arch has: the module binds a shim for those archs only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from ast_canopy.model import Declarations


def _key(field: str, value: object) -> object:
    """Functions are told apart by their whole declaration (overloads share names); the other
    entities by qualified name, the first arch's declaration winning."""
    if field in ("functions", "function_templates"):
        return value
    record = getattr(value, "record", value)
    name = getattr(record, "qualified_name", None) or getattr(value, "template_name", None)
    args = getattr(value, "template_args", ())
    return (name, args) if name else value


def merge(parses: Iterable[Declarations]) -> Declarations:
    """One Declarations holding, in order of first appearance, what any arch declares."""
    merged: dict[str, dict[object, object]] = {}
    diagnostics: list = []
    for decls in parses:
        for f in dataclasses.fields(Declarations):
            if f.name == "diagnostics":
                diagnostics += decls.diagnostics
                continue
            seen = merged.setdefault(f.name, {})
            for value in getattr(decls, f.name):
                seen.setdefault(_key(f.name, value), value)
    fields = {name: tuple(values.values()) for name, values in merged.items()}
    return Declarations(**fields, diagnostics=tuple(diagnostics))  # type: ignore[arg-type]


def only_on(shims_per_arch: dict[str, set[str]]) -> dict[str, tuple[str, ...]]:
    """{shim: the archs that have it} for the shims some listed arch lacks."""
    archs = tuple(shims_per_arch)
    every = set().union(*shims_per_arch.values()) if archs else set()
    out = {}
    for shim in sorted(every):
        having = tuple(a for a in archs if shim in shims_per_arch[a])
        if having != archs:
            out[shim] = having
    return out
