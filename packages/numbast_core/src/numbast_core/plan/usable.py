"""Declarations that parse but cannot work in a kernel built for the target arch: they are
skipped with the reason before they reach the glue."""

from __future__ import annotations

import re

from ast_canopy.model import Function

# Warp votes and shuffles without a mask: PTX ISA 6.0 dropped them for sm_70 and higher, where
# ptxas rejects them ("Instruction 'vote' without '.sync' is not supported").
LEGACY_WARP_INTRINSICS = frozenset(
    {"__any", "__all", "__ballot", "__shfl", "__shfl_up", "__shfl_down", "__shfl_xor"}
)
LEGACY_WARP_INTRINSICS_REMOVED_AT = 70

# libcu++ declares ``__cuda_ptx_<op>_is_not_supported_before_SM_<N>__()`` and never defines it:
# calling it is how libcu++ reports an unsupported arch, at link time.
_LINK_ERROR_MARKER = re.compile(r"_is_not_supported_before_SM_\w+__$")


def _arch_number(arch: str) -> int | None:
    match = re.match(r"(?:sm|compute)_(\d+)", arch)
    return int(match.group(1)) if match else None


def unusable_reason(fn: Function, arch: str, *, defaulted: bool = False) -> str | None:
    """Why ``fn`` cannot be bound for ``arch``, or None. ``defaulted``: an ``= default``
    member, which the compiler defines."""
    if fn.is_invalid:
        return (
            "invalid declaration: clang reported an error in it and recovered with a guessed"
            " type (parsed with --bypass-parse-error); fix the error to bind it"
        )
    if fn.is_specialization:
        return "template specialisation (templates are not bound yet)"
    if _LINK_ERROR_MARKER.search(fn.name):
        return "libcu++'s unsupported-arch marker: declared, never defined, on purpose"
    if not fn.is_defined and not defaulted:
        return "declared but never defined in the headers: nothing to link against"
    number = _arch_number(arch)
    if (
        fn.name in LEGACY_WARP_INTRINSICS
        and not fn.namespace
        and number is not None
        and number >= LEGACY_WARP_INTRINSICS_REMOVED_AT
    ):
        return f"legacy warp intrinsic: ptxas rejects it for {arch}; use `{fn.name}_sync`"
    return None
