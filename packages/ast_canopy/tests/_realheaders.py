"""Helpers shared by the real-header tests: where the headers are, what each retains."""

from __future__ import annotations

import os
from collections import Counter

from ast_canopy.cuda_paths import find_cuda_paths

HEADERS = (
    "cuda_fp8.h",
    "cuda_fp16.h",
    "cuda_bf16.h",
    "cuda_fp6.h",
    "cuda_fp4.h",
    "curand_kernel.h",
    "vector_types.h",
)
KINDS = ("structs", "functions", "function_templates", "typedefs", "enums")


def header_path(name: str) -> str:
    for d in find_cuda_paths().include_dirs:
        path = os.path.join(d, name)
        if os.path.isfile(path):
            return os.path.realpath(path)
    raise FileNotFoundError(name)


def retained(name: str) -> list[str]:
    """The header and its companions: ``.hpp`` for the numeric types, every ``curand*`` header."""
    path = header_path(name)
    folder = os.path.dirname(path)
    if name == "curand_kernel.h":
        return [
            os.path.join(folder, f) for f in sorted(os.listdir(folder)) if f.startswith("curand")
        ]
    hpp = path[:-2] + ".hpp"
    return [path, hpp] if os.path.isfile(hpp) else [path]


def counts(decls, files=None) -> dict[str, int]:
    """Declarations per kind, optionally only those located in ``files``."""
    out = {}
    for kind in KINDS:
        items = getattr(decls, kind)
        if files is not None:
            items = [x for x in items if _loc(x).file in files]
        out[kind] = len(items)
    return out


def _loc(x):
    return x.function.location if hasattr(x, "function") else x.location


def file_counter(decls) -> Counter:
    return Counter(_loc(x).file for kind in KINDS for x in getattr(decls, kind))
