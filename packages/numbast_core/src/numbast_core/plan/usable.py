"""Declarations that parse but cannot work in a kernel built for the target arch: they are
skipped with the reason before they reach the glue."""

from __future__ import annotations

import re

from ast_canopy.model import Function

# Warp votes and shuffles without a mask: PTX ISA 6.0 dropped them for sm_70 and higher, where
# ptxas rejects them ("Instruction 'vote' without '.sync' is not supported"): name -> the
# replacement to suggest.
LEGACY_WARP_INTRINSICS = {
    name: f"{name}_sync"
    for name in ("__any", "__all", "__ballot", "__shfl", "__shfl_up", "__shfl_down", "__shfl_xor")
}
# CUDA's bool wrappers of those (device_atomic_functions.h, sm_20_intrinsics.h): matched with
# the header they come from, so that a user's own `any` stays bound.
LEGACY_WARP_WRAPPERS = {"any": "__any_sync", "all": "__all_sync", "ballot": "__ballot_sync"}
LEGACY_WRAPPER_HEADERS = ("device_atomic_functions.h", "sm_20_intrinsics.h")
LEGACY_WARP_INTRINSICS_REMOVED_AT = 70


def _legacy_replacement(fn: Function) -> str | None:
    if fn.namespace:
        return None
    header = fn.location.file.replace("\\", "/").rsplit("/", 1)[-1].replace(".hpp", ".h")
    if fn.name in LEGACY_WARP_WRAPPERS and header in LEGACY_WRAPPER_HEADERS:
        return LEGACY_WARP_WRAPPERS[fn.name]
    return LEGACY_WARP_INTRINSICS.get(fn.name)


# libcu++ declares ``__cuda_ptx_<op>_is_not_supported_before_SM_<N>__()`` and never defines it:
# calling it is how libcu++ reports an unsupported arch, at link time.
_LINK_ERROR_MARKER = re.compile(r"_is_not_supported_before_SM_\w+__$")


def _arch_number(arch: str) -> int | None:
    match = re.match(r"(?:sm|compute)_(\d+)", arch)
    return int(match.group(1)) if match else None


SPECIALISATION = (
    "explicit specialisation of a function template: not bound by itself; C++ picks it when a"
    " kernel calls the template (bound where the template is in the File List) with its arguments"
)


def unusable_reason(fn: Function, arch: str, *, defaulted: bool = False) -> str | None:
    """Why ``fn`` cannot be bound for ``arch``, or None. ``defaulted``: an ``= default``
    member, which the compiler defines."""
    if fn.is_invalid:
        return (
            "invalid declaration: clang reported an error in it and recovered with a guessed"
            " type (parsed with --bypass-parse-error); fix the error to bind it"
        )
    if fn.is_specialization:
        return SPECIALISATION
    if _LINK_ERROR_MARKER.search(fn.name):
        return "libcu++'s unsupported-arch marker: declared, never defined, on purpose"
    if not fn.is_defined and not defaulted:
        return "declared but never defined in the headers: nothing to link against"
    number = _arch_number(arch)
    replacement = _legacy_replacement(fn)
    if replacement and number is not None and number >= LEGACY_WARP_INTRINSICS_REMOVED_AT:
        return f"legacy warp intrinsic: ptxas rejects it for {arch}; use `{replacement}`"
    return None
