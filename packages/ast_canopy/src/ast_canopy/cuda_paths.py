"""Find the CUDA include directories the way numba-cuda does.

Order: the CUDA wheels found by ``cuda.pathfinder`` (when it is installed), then ``CUDA_HOME`` /
``CUDA_PATH``, then ``/usr/local/cuda``. The first root that has ``cuda_runtime.h`` wins; its
``cccl`` subfolder (``cuda/std``, ``cooperative_groups``) and the curand header folder are added.
A root must also have ``crt/host_defines.h``: the runtime wheel alone ships no ``crt/`` folder
(that is the separate crt wheel), and clang cannot parse ``cuda_runtime.h`` without it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class CudaPaths:
    toolkit_root: str  # what clang's --cuda-path gets
    include_dirs: tuple[str, ...]  # in search order
    has_curand: bool


def _pathfinder_dir(name: str) -> str | None:
    try:
        from cuda.pathfinder import find_nvidia_header_directory
    except ImportError:
        return None
    try:
        return find_nvidia_header_directory(name)
    except Exception:  # pathfinder raises its own error types for "not found"
        return None


def _candidate_include_dirs() -> list[str]:
    candidates: list[str] = []
    found = _pathfinder_dir("cudart")
    if found:
        candidates.append(found)
    for var in ("CUDA_HOME", "CUDA_PATH"):
        root = os.environ.get(var)
        if root:
            candidates.append(os.path.join(root, "include"))
    candidates.append("/usr/local/cuda/include")
    return candidates


def find_cuda_paths(include_dirs: list[str] | tuple[str, ...] | None = None) -> CudaPaths:
    """Locate CUDA headers; ``include_dirs`` (when given) overrides the discovery."""
    if include_dirs:
        dirs = [os.path.realpath(d) for d in include_dirs]
    else:
        dirs = [
            os.path.realpath(d)
            for d in _candidate_include_dirs()
            if os.path.isfile(os.path.join(d, "cuda_runtime.h"))
            and os.path.isfile(os.path.join(d, "crt", "host_defines.h"))
        ][:1]
    if not dirs:
        raise FileNotFoundError(
            "no CUDA headers found: install the CUDA wheels (pip install 'numba-cuda[cu13]'), "
            "set CUDA_HOME, or pass cudatoolkit_include_dirs"
        )
    main = dirs[0]
    extra: list[str] = []
    cccl = os.path.join(main, "cccl")
    if os.path.isdir(cccl):
        extra.append(cccl)
    curand = _pathfinder_dir("curand")
    for d in (*dirs, curand):
        if d and os.path.isfile(os.path.join(d, "curand_kernel.h")):
            curand_dir = os.path.realpath(d)
            if curand_dir not in dirs:
                extra.append(curand_dir)
            has_curand = True
            break
    else:
        has_curand = False
    return CudaPaths(
        toolkit_root=str(Path(main).parent),
        include_dirs=tuple(dict.fromkeys([*dirs, *extra])),
        has_curand=has_curand,
    )
