"""Headers given to NVRTC in memory when the glue is precompiled, so its LTO-IR holds no path.

NVRTC records the paths of headers it reads from disk in the LTO-IR: a glue calling
``curand_init`` or cooperative_groups' ``thread_rank()`` compiles to other bytes when the CUDA
include dir is spelled with another path (another venv, another machine), and a user's headers
likewise with the folder they are in. Headers given in memory are known by their include name
only, which is the same everywhere.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

_INCLUDE = re.compile(rb'^[ \t]*#[ \t]*include[ \t]*([<"])([^>"\n]+)[>"]', re.MULTILINE)
_INCLUDE_NEXT = re.compile(rb"^[ \t]*#[ \t]*include_next\b", re.MULTILINE)
_LARGEST = 4 << 20  # bytes: a bigger file is not a header


def user_headers(dirs: tuple[str, ...], limit: int = 5000) -> tuple[tuple[str, bytes], ...]:
    """Every file under the module's own include dirs, by its path relative to its dir."""
    found: dict[str, bytes] = {}
    for directory in dirs:
        for parent, subdirs, files in os.walk(directory):
            subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
            for name in sorted(files):
                path = os.path.join(parent, name)
                include = Path(os.path.relpath(path, directory)).as_posix()
                if len(found) < limit and os.path.getsize(path) < _LARGEST:
                    found.setdefault(include, Path(path).read_bytes())
    return tuple(found.items())


def reachable(sources: Iterable[bytes], dirs: tuple[str, ...]) -> tuple[tuple[str, bytes], ...]:
    """The headers under ``dirs`` that ``sources`` include, directly or through each other,
    by include name (sorted). Found by reading ``#include`` lines whatever the conditions
    around them, so this is a superset of what NVRTC reads. A header NVRTC could not read from
    memory as it reads it from disk stays on disk (its own includes then resolve there)."""
    found: dict[str, str] = {}  # include name: path
    pending = list(sources)
    while pending:
        for _, raw in _INCLUDE.findall(pending.pop()):
            name = raw.decode(errors="replace").strip()
            path = _first(name, dirs)
            if path is None or name in found:
                continue
            bundle = _bundle(name, path, found, dirs)
            found.update(bundle)
            pending.extend(Path(p).read_bytes() for p in bundle.values())
    return tuple((name, Path(found[name]).read_bytes()) for name in sorted(found))


def renamed(headers: tuple[tuple[str, bytes], ...], dirs: tuple[str, ...]) -> bool:
    """Whether some of ``headers`` are known by a name the include dirs do not give."""
    return any(_first(name, dirs) is None for name, _ in headers)


def _first(name: str, dirs: tuple[str, ...]) -> str | None:
    """The file ``#include <name>`` reads (``None``: none, or a path NVRTC would not match)."""
    if os.path.isabs(name) or ".." in Path(name).parts:
        return None
    paths = (os.path.join(d, name) for d in dirs)
    return next((p for p in paths if os.path.isfile(p) and os.path.getsize(p) < _LARGEST), None)


def _bundle(name: str, path: str, found: dict[str, str], dirs: tuple[str, ...]) -> dict[str, str]:
    """{include name: path} of ``path`` and of the files it includes by a path relative to
    itself that no include dir gives (``#include "info.h"`` in cooperative_groups/details/):
    NVRTC finds those in memory under the name written. Empty when one of them cannot be given
    that way (``#include_next``, or a name that means another file elsewhere)."""
    bundle: dict[str, str] = {}
    stack = [(name, path)]
    while stack:
        name, path = stack.pop()
        known = bundle.get(name) or found.get(name)
        if known is not None:
            if os.path.samefile(known, path):
                continue
            return {}
        bundle[name] = path
        text = Path(path).read_bytes()
        if _INCLUDE_NEXT.search(text):
            return {}
        for quote, raw in _INCLUDE.findall(text):
            included = raw.decode(errors="replace").strip()
            beside = os.path.join(os.path.dirname(path), included)
            if quote != b'"' or not os.path.isfile(beside):
                continue
            from_dirs = _first(included, dirs)
            if from_dirs is None and not os.path.isabs(included):
                stack.append((included, beside))
            elif from_dirs is None or not os.path.samefile(beside, from_dirs):
                return {}
    return bundle
