"""Where a generated module finds its headers, without machine paths.

Headers under the CUDA include dirs are included by their name there (the runtime searches the
CUDA include dirs it finds). Any other include dir is recorded relative to the output folder and
resolved against the module's own folder at run time, so a module moved (or installed from a
wheel) with its headers, in the same relative layout, still compiles. A Clang Include Path under
a CUDA include dir is recorded as ``cuda:<path under it>``.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from .config import Config


@dataclass(frozen=True)
class Layout:
    entry_point_include: str  # the name the glue includes
    include_dirs: tuple[str, ...]  # as the module records them (relative, or cuda:...)
    absolute_dirs: tuple[str, ...]  # the same dirs here, for the compile at generation
    sources: tuple[tuple[str, str], ...]  # (header relative to the output folder, sha256)


def _under(path: str, directory: str) -> str | None:
    """``path`` relative to ``directory`` (POSIX spelling) when it is inside it."""
    directory = os.path.realpath(directory)
    if path.startswith(directory.rstrip(os.sep) + os.sep):
        return Path(os.path.relpath(path, directory)).as_posix()
    return None


def _cuda_relative(path: str, cuda_dirs: tuple[str, ...]) -> str | None:
    return next((rel for d in cuda_dirs if (rel := _under(path, d)) is not None), None)


def layout(config: Config, output_dir: str | os.PathLike, cuda_dirs: tuple[str, ...]) -> Layout:
    out = os.path.realpath(output_dir)
    recorded: dict[str, str] = {}  # recorded form -> absolute dir

    def add(directory: str) -> None:
        real = os.path.realpath(directory)
        rel = _cuda_relative(real, cuda_dirs)
        if rel is None:
            recorded.setdefault(Path(os.path.relpath(real, out)).as_posix(), real)
        elif rel != ".":
            recorded.setdefault(f"cuda:{rel}", real)

    for directory in config.clang_include_paths:
        add(directory)
    name, entry = config.entry_point_include, os.path.realpath(config.entry_point)
    if _cuda_relative(entry, cuda_dirs) is None:  # found through an include dir of its own
        found = [rel for d in config.clang_include_paths if (rel := _under(entry, d))]
        if not found:
            add(os.path.dirname(entry))
        if os.path.isabs(name):  # no Shim Include Override: include it by a relative name
            name = found[0] if found else os.path.basename(entry)
    sources = [
        (Path(os.path.relpath(os.path.realpath(f), out)).as_posix(), _sha256(f))
        for f in dict.fromkeys((config.entry_point, *config.file_list))
        if _cuda_relative(os.path.realpath(f), cuda_dirs) is None
    ]
    return Layout(name, tuple(recorded), tuple(recorded.values()), tuple(sources))


def _sha256(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
