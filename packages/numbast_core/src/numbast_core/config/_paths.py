"""Where the config's files are: relative paths, `<name>` headers, and the shim's include line.

A relative path is looked up next to the config first and, when it is not there, from the
current directory, which is where upstream Numbast resolves every relative path (numba-cuda's own
configs are written that way). Each relative path's base is recorded for ``numbast generate -v``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

# A header name as it appears between an #include's delimiters: path characters only, so that no
# quote, bracket, space or Python syntax can reach the generated C++ or Python.
_HEADER_NAME_RE = re.compile(r"^[A-Za-z0-9_.+\-/]*[A-Za-z0-9_]+[A-Za-z0-9_.+\-/]*$")


class PathResolver:
    """Resolves the config's paths; records problems and, per relative path, the base used."""

    def __init__(self, config_dir: str, cwd: str, problems: list[str]) -> None:
        self.config_dir = config_dir
        self.cwd = cwd
        self.problems = problems
        self.notes: list[str] = []
        self._cuda_dirs: tuple[str, ...] | None = None
        self._cuda_missing = "no CUDA headers found"

    def cuda_include_dirs(self) -> tuple[str, ...]:
        if self._cuda_dirs is None:
            from ast_canopy.cuda_paths import find_cuda_paths  # cheap: no numba, no libclang

            try:
                self._cuda_dirs = find_cuda_paths().include_dirs
            except (OSError, RuntimeError) as e:
                self._cuda_dirs = ()
                self._cuda_missing = str(e)
        return self._cuda_dirs

    def locate(self, spec: str, key: str, *, directory: bool = False) -> str | None:
        """The real path of the file (or directory) ``spec``, or None after recording why not."""
        expanded = os.path.expanduser(spec)
        bases = [("the config's directory", self.config_dir)]
        if not os.path.isabs(expanded) and os.path.normpath(self.cwd) != self.config_dir:
            bases.append(("the current directory", self.cwd))
        looked = [(where, os.path.normpath(os.path.join(base, expanded))) for where, base in bases]
        is_kind = os.path.isdir if directory else os.path.isfile
        for i, (where, path) in enumerate(looked):
            if is_kind(path):
                if not os.path.isabs(expanded):
                    fallback = " (not found next to the config)" if i else ""
                    self.notes.append(f"{key}: {spec!r} -> {path}, relative to {where}{fallback}")
                return os.path.realpath(path)
        kind = "a directory" if directory else "a file"
        for _, path in looked:
            if os.path.exists(path):
                self.problems.append(f"{key}: {spec!r} is not {kind} (looked for {path})")
                return None
        tried = " and ".join(path for _, path in looked)
        self.problems.append(f"{key}: {spec!r} not found (looked for {tried})")
        return None

    def resolve_header(self, spec: str, key: str, include_paths: tuple[str, ...]) -> str | None:
        """A path, or `<name>` searched like ``#include <name>``; None after recording why not."""
        spec = spec.strip()
        if spec.startswith("<") and spec.endswith(">") and len(spec) > 2:
            name = spec[1:-1].strip()
            searched = (*include_paths, *self.cuda_include_dirs())
            for d in searched:
                candidate = os.path.join(d, name)
                if os.path.isfile(candidate):
                    return os.path.realpath(candidate)
            where = ", ".join(searched) if searched else f"no directories: {self._cuda_missing}"
            self.problems.append(
                f"{key}: {spec} not found in Clang Include Paths or the CUDA include "
                f"directories (searched: {where})"
            )
            return None
        return self.locate(spec, key)

    def include_name(self, spec: str, resolved: str) -> str:
        """How the glue includes the Entry Point when no Shim Include Override is given."""
        spec = spec.strip()
        if spec.startswith("<") and spec.endswith(">"):
            return spec[1:-1].strip()
        for d in self.cuda_include_dirs():
            d = os.path.realpath(d)
            if resolved.startswith(d.rstrip(os.sep) + os.sep):
                return Path(os.path.relpath(resolved, d)).as_posix()
        return resolved


def parse_include(text: str) -> tuple[str, bool] | None:
    """``(header name, quoted)`` for a ``Shim Include Override``; None if it names no header.

    Accepted: ``x.h`` and ``<x.h>`` (``#include <x.h>``), ``"x.h"`` (``#include "x.h"``), and
    upstream Numbast's form, a Python string literal around one of those (``'x.h'``,
    ``"<x.h>"``), which is read as text, never evaluated.
    """
    spec = text.strip()
    if len(spec) > 2 and spec[0] == spec[-1] == "'":
        spec = spec[1:-1].strip()  # C has no '...' include: a Python literal, as upstream writes
    elif len(spec) > 2 and spec[0] == spec[-1] == '"' and spec[1:-1].strip()[:1] in ('"', "<"):
        spec = spec[1:-1].strip()  # a Python literal around a delimited name
    quoted = len(spec) > 2 and spec[0] == spec[-1] == '"'
    if quoted or (len(spec) > 2 and spec[0] == "<" and spec[-1] == ">"):
        spec = spec[1:-1].strip()
    return (spec, quoted) if _HEADER_NAME_RE.match(spec) else None
