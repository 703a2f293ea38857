"""The cache folder, the prefix PCH (clang's CUDA wrapper, parsed once per argument list) and
the names of the headers that wrapper reads."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Sequence

from clang import cindex

from ._clang import _parse_tu, clang_version


def cache_dir() -> str | None:
    """Writable folder for the prefix PCH and support files, or ``None`` (then no PCH).

    ``AST_CANOPY_CACHE_DIR`` overrides ``$XDG_CACHE_HOME/ast_canopy``; ``AST_CANOPY_NO_PCH=1``
    turns the cache off.
    """
    if os.environ.get("AST_CANOPY_NO_PCH", "") not in ("", "0"):
        return None
    base = os.environ.get("AST_CANOPY_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "ast_canopy"
    )
    try:
        os.makedirs(base, exist_ok=True)
    except OSError:
        return None
    return base if os.access(base, os.W_OK) else None


def _digest(*parts: object) -> str:
    return hashlib.sha256("\0".join(map(str, parts)).encode()).hexdigest()[:24]


def prefix_pch(args: Sequence[str], cache: str | None) -> str | None:
    """A PCH of what every parse with ``args`` starts with (clang's CUDA runtime wrapper).

    That prefix (the CUDA runtime and libstdc++ math headers) is ~0.4 s of every parse; loading
    it from a PCH takes a few ms. Built once per argument list and clang version; ``None`` when
    it cannot be built (then parse without it).
    """
    if cache is None:
        return None
    folder = os.path.join(cache, "pch")
    path = os.path.join(folder, _digest(clang_version(), *args) + ".pch")
    if os.path.isfile(path):
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: kept by _prune
        return path
    try:
        os.makedirs(folder, exist_ok=True)
        empty = os.path.join(folder, "prefix.cu")
        if not os.path.isfile(empty):
            with open(empty, "w") as f:
                f.write("/* ast_canopy: the PCH is the CUDA wrapper clang force-includes */\n")
        tu = _parse_tu(empty, args, False, ())
        if any(d.severity >= 3 for d in tu.diagnostics):
            return None
        fd, tmp = tempfile.mkstemp(suffix=".tmp", dir=folder)
        os.close(fd)
        tu.save(tmp)
        os.replace(tmp, path)
        _prune(folder, keep=PCH_KEEP)
    except (OSError, cindex.TranslationUnitSaveError, cindex.TranslationUnitLoadError):
        return None
    return path


def wrapper_names(args: Sequence[str], cache: str | None) -> frozenset[str] | None:
    """:func:`._clang.wrapper_includes`' names, kept in the cache beside the PCHs until one of
    the files the wrapper read changes (a parse costs ~0.5 s; checking ~100 files' times, ~1 ms)."""
    if cache is None:
        found = wrapper_includes(args)
        return found[0] if found else None
    path = os.path.join(cache, "pch", _digest("wrapper", clang_version(), *args) + ".json")
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        with open(path) as f:
            kept = json.load(f)
        if all(os.stat(file).st_mtime_ns == time for file, time in kept["files"]):
            return frozenset(kept["names"])
    found = wrapper_includes(args)
    if found is None:
        return None
    names, files = found
    with contextlib.suppress(OSError):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        times = [[file, os.stat(file).st_mtime_ns] for file in sorted(files)]
        fd, tmp = tempfile.mkstemp(suffix=".tmp", dir=os.path.dirname(path))
        with os.fdopen(fd, "w") as f:
            json.dump({"names": sorted(names), "files": times}, f)
        os.replace(tmp, path)
    return names


PCH_KEEP = 16  # ~10 MB each: one per (arch, include dirs, defines, standard) in use


def _prune(folder: str, keep: int) -> None:
    """Delete all but the ``keep`` most recently used PCHs."""
    entries = []
    for name in os.listdir(folder):
        if name.endswith(".pch"):
            with contextlib.suppress(OSError):
                entries.append((os.stat(os.path.join(folder, name)).st_mtime, name))
    for _, name in sorted(entries, reverse=True)[keep:]:
        with contextlib.suppress(OSError):
            os.remove(os.path.join(folder, name))


_ANGLED = re.compile(r"\s*#\s*include(?:_next)?\s*<([^>]+)>")


def wrapper_includes(args: Sequence[str]) -> tuple[frozenset[str], frozenset[str]] | None:
    """(the ``<...>`` names clang's CUDA wrapper includes, directly or not, with ``args``; the
    files whose include lines name them). The C++ standard headers among them come from the
    system's library, which differs by machine: libstdc++ 13's ``<cmath>`` reads ``<bit>``,
    12's does not. ``None`` if clang fails."""
    empty = "__ast_canopy_prefix__.cu"
    try:
        tu = _parse_tu(empty, args, True, [(empty, "\n")])
    except cindex.TranslationUnitLoadError:
        return None
    lines: dict[str, list[str]] = {}
    names = set()
    for inclusion in tu.get_includes():
        where = inclusion.location
        if where.file is None:
            continue
        path = str(where.file)
        if path not in lines:
            try:
                with open(path, errors="replace") as f:
                    lines[path] = f.read().splitlines()
            except OSError:
                lines[path] = []
        text = lines[path][where.line - 1] if 0 < where.line <= len(lines[path]) else ""
        match = _ANGLED.match(text)
        if match:
            names.add(match.group(1).strip())
    return frozenset(names), frozenset(p for p in lines if p != empty)
