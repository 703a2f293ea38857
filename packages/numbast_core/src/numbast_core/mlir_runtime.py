"""The runtime copied into every module of the numba-cuda-mlir backend.

Its own sections live in ``runtime_mlir/`` (package data, linted like code); the C++ glue and the
enums sections are the numba-cuda backend's (``runtime_sections/glue.py``, ``enums.py``): they
use only names that ``runtime_mlir/core.py`` defines with numba-cuda-mlir's meaning.
"""

from __future__ import annotations

import ast
from importlib import resources

# in module order, after the core: the glue compiled at run time (disk cache, bisection), enums,
# overloads of some archs only, structs, writes (field and item writes, and calls that change
# structs), operators
SECTIONS = ("bisect", "compile", "enums", "archs", "structs", "writes", "operators")
# taken from the numba-cuda backend's runtime_sections/
_SHARED = ("nvrtc", "glue", "bisect", "compile", "enums", "archs")
_END = "# ---- end of numbast runtime " + "-" * 66


def _source(section: str) -> str:
    folder = "runtime_sections" if section in _SHARED else "runtime_mlir"
    return (resources.files("numbast_core") / folder / f"{section}.py").read_text(encoding="utf-8")


def _copied(section: str) -> str:
    text = _source(section)
    return text[text.index("# ---- ") :].strip("\n")


def features_of(numba_cuda_features: frozenset[str]) -> frozenset[str]:
    """The sections of an mlir module whose numba-cuda module would use
    ``numba_cuda_features`` (``render.module.runtime_features``): the mlir writes section also
    writes back what calls change."""
    wanted = set(numba_cuda_features) | ({"writes"} if "mutators" in numba_cuda_features else set())
    return frozenset(wanted & set(SECTIONS))


def runtime_text(features: frozenset[str] | set[str] = frozenset()) -> str:
    """The runtime of a numba-cuda-mlir module that uses ``features`` (a subset of
    ``SECTIONS``)."""
    unknown = set(features) - set(SECTIONS)
    if unknown:
        raise ValueError(f"unknown runtime sections: {sorted(unknown)}")
    parts = ["core", "nvrtc", "glue", "arch", *(s for s in SECTIONS if s in features)]
    return "\n\n\n".join([*map(_copied, parts), _END]) + "\n"


def runtime_names() -> frozenset[str]:
    """Top-level names of every section: names a binding must not take."""
    names: set[str] = set()
    for section in ("core", "nvrtc", "glue", "arch", *SECTIONS):
        for node in ast.parse(_source(section)).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Assign):
                names.update(
                    n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name)
                )
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                names.update(a.asname or a.name.split(".")[0] for a in node.names)
    return frozenset(names)
