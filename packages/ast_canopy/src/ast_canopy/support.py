"""Support files clang needs beside the CUDA headers (a ``--cuda-path`` root with ``bin/``, a
curand stub) and folders of in-memory headers; stable paths in the cache so a PCH stays valid."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping

from ._cache import _digest
from .cuda_paths import CudaPaths


def _populate_support(folder: str, paths: CudaPaths, need_root: bool) -> None:
    if need_root:
        root = os.path.join(folder, "cuda")
        os.makedirs(os.path.join(root, "bin"))
        os.makedirs(os.path.join(root, "lib64"))
        os.symlink(os.path.join(paths.toolkit_root, "include"), os.path.join(root, "include"))
    if not paths.has_curand:
        stub = os.path.join(folder, "stub")
        os.makedirs(stub)
        with open(os.path.join(stub, "curand_mtgp32_kernel.h"), "w") as f:
            f.write("/* empty stub written by ast_canopy: no curand headers found */\n")


@contextlib.contextmanager
def support_dir(
    paths: CudaPaths, cache: str | None = None
) -> Iterator[tuple[str, tuple[str, ...], str | None]]:
    """Yield ``(cuda_root, include_dirs, stub_dir)`` for :func:`build_args`.

    - clang only accepts a ``--cuda-path`` that has ``bin/``; a toolkit without one (crt
      headers from a wheel) gets a root with ``bin/`` and an ``include`` link.
    - clang's CUDA wrapper always includes ``curand_mtgp32_kernel.h``: without curand headers an
      empty stub goes on ``-idirafter``.

    ``include_dirs`` are NVRTC's (clang reaches the toolkit's own through ``--cuda-path``).
    These files live in ``cache`` (stable paths, so a PCH built over them stays valid) or, with
    no cache, in a temp dir removed on exit.
    """
    dirs = tuple(paths.nvrtc_include_dirs)
    need_root = not os.path.isdir(os.path.join(paths.toolkit_root, "bin"))
    if not need_root and paths.has_curand:
        yield paths.toolkit_root, dirs, None
        return
    with _support_folder(
        cache, "support-" + _digest(paths), lambda f: _populate_support(f, paths, need_root)
    ) as folder:
        root = os.path.join(folder, "cuda") if need_root else paths.toolkit_root
        stub = None if paths.has_curand else os.path.join(folder, "stub")
        yield root, dirs, stub


@contextlib.contextmanager
def _support_folder(cache: str | None, name: str, populate) -> Iterator[str]:
    """``<cache>/<name>`` made once by ``populate`` (atomically), or a temp dir without cache."""
    if cache is not None:
        folder = os.path.join(cache, name)
        if not os.path.isdir(folder):
            tmp = tempfile.mkdtemp(prefix=".support-", dir=cache)
            populate(tmp)
            try:
                os.rename(tmp, folder)
            except OSError:  # another process made it first
                shutil.rmtree(tmp, ignore_errors=True)
        if os.path.isdir(folder):
            yield folder
            return
    with tempfile.TemporaryDirectory(prefix="ast_canopy_") as folder:
        populate(folder)
        yield folder


@contextlib.contextmanager
def header_dir(
    headers: Mapping[str, str], cache: str | None = None, links: Mapping[str, str] | None = None
) -> Iterator[str | None]:
    """A folder of ``headers`` ({include name: text}) and ``links`` ({include name: file}), or
    ``None`` when both are empty."""
    links = links or {}
    if not headers and not links:
        yield None
        return

    def write(folder: str) -> None:
        for name in sorted({*headers, *links}):
            path = os.path.join(folder, *name.split("/"))
            os.makedirs(os.path.dirname(path), exist_ok=True)
            if name in headers:
                with open(path, "w") as f:
                    f.write(headers[name])
            else:
                os.symlink(links[name], path)

    digest = _digest(*sorted(headers.items()), *sorted(links.items()))
    with _support_folder(cache, "headers-" + digest, write) as folder:
        yield folder
