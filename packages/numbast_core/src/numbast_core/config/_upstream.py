"""Keys that upstream Numbast knows and this generator does not need, how their values read, and
the backend choice (``Backend``, or upstream's ``MLIR Backend``).

A config written for upstream Numbast must load here unchanged: each such key is recognised (it is
in the schema), and where it would have changed upstream's output a warning says what it did there
and why nothing is done here. Values that change nothing upstream either (``false``, empty) are
silent.
"""

from __future__ import annotations

from typing import Any

REQUIRE_PYNVJITLINK = (
    "Require Pynvjitlink: upstream Numbast made the generated module refuse to import unless "
    "numba-cuda linked with pynvjitlink, which older numba-cuda needed to link LTO-IR; numba-cuda "
    "0.30 links LTO-IR with nvJitLink itself, so this module needs no check: ignored"
)
MODULE_LINK_VARIABLES_USED = (
    "Module Link Variables Used: upstream Numbast asks the linker to keep these __device__ "
    "variables so that Module Callbacks find them in the loaded module; not needed here: "
    "numba-cuda 0.30 and numba-cuda-mlir 0.6 keep every __device__ variable of the glue (they "
    "link without nvJitLink's -optimize-unused-variables; tests/test_link_variables.py): ignored"
)
BACKENDS = ("numba-cuda", "numba-cuda-mlir")


def upstream_values(get: Any) -> tuple[dict[str, Any], list[str]]:
    """The Config fields read from upstream-only keys, and the warnings they call for.

    ``get(key, default)`` returns a schema-valid value of a top-level key.
    """
    warnings = []
    if get("Require Pynvjitlink", False):
        warnings.append(REQUIRE_PYNVJITLINK)
    link_variables = tuple(get("Module Link Variables Used", None) or ())
    if link_variables:
        warnings.append(MODULE_LINK_VARIABLES_USED)
    values = {"module_link_variables_used": link_variables}
    return values, warnings


def backend(get: Any) -> tuple[str, list[str]]:
    """The backend (``Backend``, or upstream's ``MLIR Backend: true``) and the problems: the two
    keys must agree where both are given."""
    chosen, mlir = get("Backend", None), bool(get("MLIR Backend", False))
    if chosen is None:
        return BACKENDS[1] if mlir else BACKENDS[0], []
    if mlir and chosen != BACKENDS[1]:
        return chosen, [
            f"Backend: {chosen!r} conflicts with MLIR Backend: true (upstream's key for "
            f"{BACKENDS[1]!r}): give one of them, or make them agree"
        ]
    return chosen, []


def version_text(value: Any) -> tuple[str | None, list[str]]:
    """``Version`` as text. Upstream also takes a YAML number; a float may have lost digits."""
    if value is None or isinstance(value, str):
        return value, []
    text = str(value)
    if isinstance(value, int):
        return text, []
    return text, [
        f'Version: {text} is a YAML number, so trailing zeros are lost; quote it ("{text}") '
        "to write it exactly"
    ]
