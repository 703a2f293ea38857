"""What NVRTC sees when it compiles a header: its predefined macros and the files it reads.

Measured with NVRTC 13.0.88 (``cuda.bindings.nvrtc``, ``-arch=compute_90 -rdc=true`` as
numba-cuda compiles): every macro a CUDA 13.0 header tests in ``#if`` was probed by compiling
``#ifdef M`` / ``"<" XSTR(M) ">"`` into device strings and reading them back from the PTX.

NVRTC defines, and clang (``-x cuda --cuda-device-only``) does not: ``__CUDACC_RTC__ 1``,
``__CUDACC_RDC__ 1`` (numba-cuda passes ``-rdc``), ``__CUDACC_VER_MAJOR__/MINOR__/BUILD__``
(13/0/88), ``__CUDA_API_VER_MAJOR__/MINOR__``, ``__NVCC_DIAG_PRAGMA_SUPPORT__ 1``,
``__CUDACC_RTC_BUILTIN_VECTOR_TYPES__ 1``, ``__CUDA_PREC_DIV 1`` (clang: 0),
``__CUDA_PREC_SQRT 1``, ``__CUDA_FTZ 0``, ``__EDG__``/``__EDG_VERSION__ 606``; ``__cplusplus``
is ``201703L`` in both (NVRTC 13.0's default is C++17). Both define ``__CUDACC__`` and
``__CUDA_ARCH__``/``__CUDA_ARCH_LIST__``; neither defines ``__NVCC__``. clang alone defines
``__clang__``, ``__GNUC__ 4``, ``__CUDA__``, ``__STDC_HOSTED__``: those stay (headers' clang
branches are the ones clang can parse), and so does clang's lack of ``__EDG__`` (EDG-only
builtins). ``__CUDACC_VER_BUILD__`` is not known without NVRTC and is left undefined.

NVRTC has the CUDA runtime headers built in: the include guards of ``crt/math_functions.h``,
``crt/device_functions.h``, ``crt/device_double_functions.h``, ``crt/common_functions.h``,
``crt/host_defines.h``, ``crt/host_config.h``, ``crt/sm_80_rt.h``, ``crt/sm_90_rt.h``,
``crt/sm_100_rt.h`` are predefined, and ``crt/sm_70_rt.h``'s functions ("moved into the
compiler") are callable with no include; but it opens no ``crt/`` file (``cannot open source
file "crt/sm_70_rt.h"``), and ``crt/mma.h`` is neither built in nor openable.

clang's CUDA wrapper plays the part of NVRTC's built-in prelude; the macros above are defined
after it, in the main file, so the user's headers are read as NVRTC reads them (e.g.
``sm_60_atomic_functions.h`` includes its ``.hpp`` only ``#if !defined(__CUDACC_RTC__)``).
"""

from __future__ import annotations

import os

# crt headers whose API NVRTC has built in (see above): a glue may include them by name.
BUILTIN_HEADERS: tuple[str, ...] = tuple(
    f"crt/{n}.h"
    for n in (
        "common_functions", "device_double_functions", "device_functions", "host_config",
        "host_defines", "math_functions", "sm_70_rt", "sm_80_rt", "sm_90_rt", "sm_100_rt",
    )
)  # fmt: skip


# Standard headers clang's CUDA wrapper reads from libstdc++ itself with gcc 12: an in-memory
# replacement of these would change clang's prelude, so clang keeps libstdc++'s. The parse
# measures this per machine (``_cache.wrapper_names``: gcc 13's adds ``<bit>`` and more); this
# list serves when that fails.
PRELUDE_STD_HEADERS: frozenset[str] = frozenset(
    ("climits", "cmath", "cstdlib", "initializer_list", "limits", "type_traits", "utility")
)


def macros(cuda_version: tuple[int, int] | None) -> tuple[tuple[str, str], ...]:
    """NVRTC's predefined macros that clang lacks (or defines differently), as (name, value)."""
    out = [
        ("__CUDACC_RTC__", "1"),
        ("__CUDACC_RDC__", "1"),
        ("__NVCC_DIAG_PRAGMA_SUPPORT__", "1"),
        ("__CUDACC_RTC_BUILTIN_VECTOR_TYPES__", "1"),
        ("__CUDA_PREC_DIV", "1"),
        ("__CUDA_PREC_SQRT", "1"),
        ("__CUDA_FTZ", "0"),
    ]
    if cuda_version is not None:
        major, minor = cuda_version
        out += [
            ("__CUDACC_VER_MAJOR__", str(major)),
            ("__CUDACC_VER_MINOR__", str(minor)),
            ("__CUDA_API_VER_MAJOR__", str(major)),
            ("__CUDA_API_VER_MINOR__", str(minor)),
        ]
    return tuple(out)


def main_text(source: str, defined: tuple[tuple[str, str], ...]) -> str:
    """The main file clang parses: NVRTC's macros after clang's wrapper, then the header.

    NVRTC also predefines an ``assert`` macro (headers include ``<assert.h>`` only when not
    ``__CUDACC_RTC__``): the C library's stands in for it.
    """
    lines = ["/* ast_canopy: NVRTC's predefined macros, then the header */"]
    if defined:
        lines.append("#include <assert.h>")
    for name, value in defined:
        lines += [f"#undef {name}", f"#define {name} {value}"]
    lines.append(f'#include "{source}"')
    return "\n".join(lines) + "\n"


def main_path(source: str) -> str:
    """Where the (unsaved) main file claims to live: next to the header, never written."""
    return os.path.join(os.path.dirname(source), "__ast_canopy_nvrtc_main__.cu")


def builtin_links(toolkit_include: str) -> dict[str, str]:
    """{include name: toolkit file} for :data:`BUILTIN_HEADERS` that the toolkit has."""
    out = {}
    for name in BUILTIN_HEADERS:
        path = os.path.join(toolkit_include, *name.split("/"))
        if os.path.isfile(path):
            out[name] = os.path.realpath(path)
    return out
