"""Find the CUDA headers NVRTC compiles with, in the order generated modules give them to NVRTC.

A generated module compiles its glue with these ``-I`` dirs (runtime ``_nvrtc_ltoir``): the CUDA
include dir (``cuda.pathfinder``'s ``cudart`` headers, else ``CUDA_HOME`` / ``CUDA_PATH`` /
``/usr/local/cuda``), the ``cccl`` dir, the module's own include dirs (the config's Clang Include
Paths), then ``NUMBA_CUDA_NVRTC_EXTRA_SEARCH_PATHS`` (``:``-separated). Parsing with the same
dirs in the same order makes clang read the same files NVRTC will. (numba-cuda's own
``include/13`` copies of cuda_fp16/bf16/fp8 are not among them: they equal the toolkit's but for
whitespace, and the glue is not compiled by numba-cuda's NVRTC call.)

clang additionally needs a toolkit with ``crt/`` (its CUDA runtime wrapper includes
``crt/host_defines.h`` etc.): NVRTC has those headers built in, the pip wheels ship none. That
toolkit is clang's ``--cuda-path``; clang searches its include dir after all ``-I`` dirs, so it
only supplies what NVRTC's dirs lack.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class CudaPaths:
    toolkit_root: str  # clang's --cuda-path: a toolkit whose include/ has crt/
    nvrtc_include_dirs: tuple[str, ...]  # what NVRTC searches, in its order
    has_curand: bool
    toolkit_include: str = ""  # <toolkit_root>/include when it is not among the NVRTC dirs

    @property
    def include_dirs(self) -> tuple[str, ...]:
        """Every dir a ``#include <...>`` may resolve in: NVRTC's, then the crt toolkit's."""
        extra = [self.toolkit_include] if self.toolkit_include else []
        return tuple(dict.fromkeys([*self.nvrtc_include_dirs, *extra]))


def _pathfinder_dir(name: str) -> str | None:
    try:
        from cuda.pathfinder import find_nvidia_header_directory
    except ImportError:
        return None
    try:
        return find_nvidia_header_directory(name)
    except Exception:  # pathfinder raises its own error types for "not found"
        return None


def _cuda_include_dir() -> str | None:
    """The dir numba-cuda passes to NVRTC as the CUDA include dir (first that has the runtime)."""
    candidates = [_pathfinder_dir("cudart")]
    candidates += [os.path.join(os.environ[v], "include") for v in ("CUDA_HOME", "CUDA_PATH")
                   if os.environ.get(v)]  # fmt: skip
    candidates.append("/usr/local/cuda/include")
    for d in candidates:
        if d and os.path.isfile(os.path.join(d, "cuda_runtime.h")):
            return os.path.realpath(d)
    return None


def _has_crt(include_dir: str) -> bool:
    return os.path.isfile(os.path.join(include_dir, "crt", "host_defines.h"))


def _crt_toolkit_include(first: str | None) -> str | None:
    """A CUDA include dir with ``crt/`` for clang's runtime wrapper (NVRTC needs none)."""
    candidates = [first]
    candidates += [os.path.join(os.environ[v], "include") for v in ("CUDA_HOME", "CUDA_PATH")
                   if os.environ.get(v)]  # fmt: skip
    candidates.append("/usr/local/cuda/include")
    for d in candidates:
        if d and os.path.isfile(os.path.join(d, "cuda_runtime.h")) and _has_crt(d):
            return os.path.realpath(d)
    return None


def cuda_major(include_dir: str) -> int | None:
    """The major of ``CUDA_VERSION`` in ``<include_dir>/cuda.h`` (``13`` for 13000)."""
    try:
        text = Path(include_dir, "cuda.h").read_text(errors="replace")
    except OSError:
        return None
    m = re.search(r"^#define\s+CUDA_VERSION\s+(\d+)", text, re.MULTILINE)
    return int(m.group(1)) // 1000 if m else None


def _cccl_dir(cuda_include: str) -> str | None:
    found = _pathfinder_dir("cccl")
    for d in (found, os.path.join(cuda_include, "cccl")):
        if d and os.path.isdir(os.path.join(d, "cuda", "std")):
            return os.path.realpath(d)
    return None


def _extra_search_paths() -> list[str]:
    raw = os.environ.get("NUMBA_CUDA_NVRTC_EXTRA_SEARCH_PATHS", "")
    return [os.path.realpath(p) for p in raw.split(":") if p]


def find_cuda_paths(include_dirs: list[str] | tuple[str, ...] | None = None) -> CudaPaths:
    """Locate the CUDA headers as a generated module's NVRTC call does; ``include_dirs``
    overrides that."""
    if include_dirs:
        given = [os.path.realpath(d) for d in include_dirs]
        cccl = os.path.join(given[0], "cccl")
        nvrtc = [*given, *([cccl] if os.path.isdir(cccl) else [])]
        cuda_include = given[0]
    else:
        found = _cuda_include_dir()
        if found is None:
            raise FileNotFoundError(
                "no CUDA headers found: install the CUDA wheels (pip install 'numba-cuda[cu13]'), "
                "set CUDA_HOME, or pass cudatoolkit_include_dirs"
            )
        cuda_include = found
        cccl_dir = _cccl_dir(cuda_include)
        nvrtc = [cuda_include, *([cccl_dir] if cccl_dir else []), *_extra_search_paths()]
    toolkit = next((d for d in nvrtc if _has_crt(d)), None) or _crt_toolkit_include(cuda_include)
    if toolkit is None:
        raise FileNotFoundError(
            f"no CUDA toolkit with crt/ headers found for clang (NVRTC has them built in; the "
            f"CUDA include dir {cuda_include} has none): pip install nvidia-cuda-crt, or set "
            f"CUDA_HOME to a CUDA toolkit"
        )
    nvrtc = list(dict.fromkeys(nvrtc))
    searched = [*nvrtc, toolkit]
    has_curand = any(os.path.isfile(os.path.join(d, "curand_kernel.h")) for d in searched)
    return CudaPaths(
        toolkit_root=str(Path(toolkit).parent),
        nvrtc_include_dirs=tuple(nvrtc),
        has_curand=has_curand,
        toolkit_include="" if toolkit in nvrtc else toolkit,
    )
