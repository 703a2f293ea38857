"""In-memory headers that let NVRTC compile what clang parsed.

NVRTC ships no C++ standard library (``#include <cstdint>``: ``cannot open source file``); CUDA
12+/13 ship libcu++ (CCCL) as ``<cuda/std/...>``. :func:`std_headers` maps each common standard
header that libcu++ provides to a forwarder that includes ``<cuda/std/X>`` and makes its names
visible in ``std::`` (``std::uint64_t``; the C-compatible global names such as ``uint32_t`` and
``size_t`` come from libcu++ itself). The parse uses the same set (``ast_canopy``'s
``extra_headers``, searched before clang's system headers) so clang sees what NVRTC will.

:func:`builtin_stubs` are for NVRTC only: the ``crt/`` headers whose API NVRTC has built in
(``ast_canopy.nvrtc_view.BUILTIN_HEADERS``) but cannot open by name; an empty file lets a glue
``#include <crt/sm_70_rt.h>`` compile. clang reads the real files.

:func:`nvrtc_headers` is what a glue compile passes to NVRTC (``headers`` + ``includeNames``).
"""

from __future__ import annotations

from ast_canopy.nvrtc_view import BUILTIN_HEADERS

# Standard headers forwarded to libcu++ (each checked to compile with NVRTC 13.0 for
# compute_90: tests/test_stdcompat.py). Not forwarded: headers that libcu++ itself includes from
# the host C++ library when clang parses it, for interop with ``::std`` types (``<complex>``:
# forwarding it makes ``::std::complex`` the same class as ``cuda::std::complex``, and clang
# rejects libcu++'s converting constructors as redeclarations), nor the ones libcu++ lacks.
STD_HEADERS: tuple[str, ...] = (
    "bit",
    "cassert",
    "climits",
    "cmath",
    "cstddef",
    "cstdint",
    "cstdlib",
    "cstring",
    "initializer_list",
    "limits",
    "type_traits",
    "utility",
)


def _forwarder(name: str) -> str:
    return (
        f"// numbast: <{name}> for NVRTC (no C++ standard library): libcu++'s, in std::\n"
        f"#pragma once\n"
        f"#include <cuda/std/{name}>\n"
        f"namespace cuda {{ namespace std {{}} }}  // some (climits) only define macros\n"
        f"namespace std {{ using namespace ::cuda::std; }}\n"
    )


def std_headers() -> dict[str, str]:
    """{include name: text} for the C++ standard headers NVRTC lacks (see module doc)."""
    return {name: _forwarder(name) for name in STD_HEADERS}


def builtin_stubs() -> dict[str, str]:
    """{``crt/...``: empty text} for the crt headers NVRTC has built in (NVRTC only)."""
    return {
        name: f"// numbast: <{name}> is built into NVRTC; nothing to include\n"
        for name in BUILTIN_HEADERS
    }


def nvrtc_headers() -> dict[str, str]:
    """Every in-memory header a glue compile passes to NVRTC."""
    return {**std_headers(), **builtin_stubs()}
