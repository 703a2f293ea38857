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
from collections.abc import Iterable, Mapping
from pathlib import Path

# (found from the '#', which is quicker than from each line start; `_next` is told apart)
_INCLUDE = re.compile(rb'#[ \t]*include(_next)?[ \t]*([<"])([^>"\n]+)[>"]')
_PRAGMA_ONCE = re.compile(rb"^[ \t]*#[ \t]*pragma[ \t]+once\b", re.MULTILINE)
_LARGEST = 4 << 20  # bytes: a bigger file is not a header


def reachable(
    sources: Iterable[bytes], dirs: tuple[str, ...], given: Mapping[str, bytes] | None = None
) -> tuple[tuple[str, bytes], ...]:
    """The headers under ``dirs`` that ``sources`` include, directly or through each other,
    by include name (sorted). Found by reading ``#include`` lines whatever the conditions
    around them, so this is a superset of what NVRTC reads. A header NVRTC could not read from
    memory as it reads it from disk stays on disk (its own includes then resolve there).
    ``given``: headers NVRTC gets in memory anyway (by include name; they hide the dirs' file
    of that name): followed where included, not returned."""
    tree, given = _Tree(dirs), given or {}
    found: dict[str, str] = {}  # include name: path
    followed: set[str] = set()  # names of ``given`` whose includes are pending or read
    pending = [_includes(text) for text in sources]
    while pending:
        for _, _, name in pending.pop():
            if name in given:
                if name not in followed:
                    followed.add(name)
                    pending.append(_includes(given[name]))
                continue
            path = tree.first(name)
            if path is None or name in found:
                continue
            bundle = tree.bundle(name, path, found)
            found.update(bundle)
            pending.extend(tree.includes(p) for p in bundle.values())
    return tuple((name, tree.read(found[name])) for name in sorted(found))


def read_alike(headers: Iterable[tuple[str, str | bytes]]) -> bool:
    """Whether NVRTC surely reads ``headers`` from memory as from disk: no file is given under
    two names (a header that :func:`reachable` found beside the one including it) and says
    ``#pragma once``, which NVRTC would apply per name in memory, per file on disk."""
    seen: set[bytes] = set()
    for _, given in headers:
        text = given if isinstance(given, bytes) else given.encode()
        if text in seen and _PRAGMA_ONCE.search(text):
            return False
        seen.add(text)
    return True


class _Tree:
    """Lookups in the include dirs ``dirs``, each file read once."""

    def __init__(self, dirs: tuple[str, ...]):
        self.dirs = dirs
        self.texts: dict[str, bytes] = {}
        self.found: dict[str, str | None] = {}
        self.scanned: dict[str, list[tuple[bool, bool, str]]] = {}

    def read(self, path: str) -> bytes:
        if path not in self.texts:
            self.texts[path] = Path(path).read_bytes()
        return self.texts[path]

    def includes(self, path: str) -> list[tuple[bool, bool, str]]:
        if path not in self.scanned:
            self.scanned[path] = _includes(self.read(path))
        return self.scanned[path]

    def first(self, name: str) -> str | None:
        """The file ``#include <name>`` reads (``None``: none, or a path NVRTC would not match)."""
        if name not in self.found:
            self.found[name] = None
            if not (os.path.isabs(name) or ".." in Path(name).parts):
                paths = (os.path.join(d, name) for d in self.dirs)
                self.found[name] = next((p for p in paths if _header(p)), None)
        return self.found[name]

    def bundle(self, name: str, path: str, found: dict[str, str]) -> dict[str, str]:
        """{include name: path} of ``path`` and of the files it includes by a path relative to
        itself that no include dir gives (``#include "info.h"`` in cooperative_groups/details/):
        NVRTC finds those in memory under the name written. Empty when one of them cannot be
        given that way (``#include_next``, or a name that means another file elsewhere)."""
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
            lines = self.includes(path)
            if any(following for following, _, _ in lines):
                return {}
            for _, quoted, included in lines:
                beside = os.path.join(os.path.dirname(path), included)
                if not quoted or not _header(beside):
                    continue
                from_dirs = self.first(included)
                if from_dirs is None and not os.path.isabs(included):
                    stack.append((included, beside))
                elif from_dirs is None or not os.path.samefile(beside, from_dirs):
                    return {}
        return bundle


def _includes(text: bytes) -> list[tuple[bool, bool, str]]:
    """(``#include_next``?, quoted?, name) of each include line of ``text``."""
    return [
        (bool(following), quote == b'"', raw.decode(errors="replace").strip())
        for following, quote, raw in _INCLUDE.findall(text)
    ]


def _header(path: str) -> bool:
    return os.path.isfile(path) and os.path.getsize(path) < _LARGEST
