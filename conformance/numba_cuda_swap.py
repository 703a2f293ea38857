"""Put generated modules in place of numba-cuda's own ``numba.cuda._internal.cuda_*`` modules.

numba-cuda ships bindings for cuda_fp16, cuda_bf16 and cuda_fp8 as ``numba.cuda._internal.cuda_*``,
imported by its wrappers ``numba.cuda.fp16``, ``bf16`` and ``fp8`` when its typing and target
contexts are first initialised (``import numba.cuda`` alone imports neither). Loading other files
under those module names before that moment makes numba-cuda, its wrappers and its tests use them.

As a function (for our own tests; run it in a fresh process, the swap cannot be undone)::

    from conformance.numba_cuda_swap import swap_in
    swap_in("out/")            # out/cuda_fp16.py, cuda_bf16.py, cuda_fp8.py

As a pytest plugin (so numba-cuda's own test files run against the generated modules)::

    python -m pytest -p conformance.numba_cuda_swap --numbast-modules out/ TESTS
    NUMBAST_SWAP_MODULES=out/ python -m pytest -p conformance.numba_cuda_swap TESTS

Without the option or the variable the plugin does nothing, so one command line serves both the
baseline (shipped modules) and the swapped run. The report header names every swapped file.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import sys
from dataclasses import dataclass
from pathlib import Path

PACKAGE = "numba.cuda._internal"
MODULES = ("cuda_fp16", "cuda_bf16", "cuda_fp8")
WRAPPERS = ("numba.cuda.fp16", "numba.cuda.bf16", "numba.cuda.fp8")
ENV_VAR = "NUMBAST_SWAP_MODULES"
OPTION = "--numbast-modules"


class SwapError(Exception):
    """The generated modules could not be put in place of numba-cuda's."""


@dataclass(frozen=True)
class Swapped:
    """One module now served from a generated file."""

    module: str  # e.g. numba.cuda._internal.cuda_fp16
    path: str
    sha256: str


def swap_in(folder: str | os.PathLike, names: tuple[str, ...] = MODULES) -> tuple[Swapped, ...]:
    """Load ``folder/<name>.py`` as ``numba.cuda._internal.<name>`` for every name.

    Must run before anything imports numba-cuda's wrappers or its ``_internal`` modules (a kernel
    compile, ``import numba.cuda.fp16``); raises :class:`SwapError` when that already happened,
    when a file is missing, or when a generated module fails to import (which would otherwise
    let numba-cuda fall back to its shipped module silently).
    """
    folder = Path(folder)
    paths = [folder / f"{name}.py" for name in names]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise SwapError(f"generated module(s) not found: {', '.join(missing)}")
    too_late = [m for m in (*WRAPPERS, *(f"{PACKAGE}.{n}" for n in MODULES)) if m in sys.modules]
    if too_late:
        raise SwapError(
            f"too late to swap: {', '.join(too_late)} already imported (swap before the first "
            "kernel compile or import of numba.cuda.fp16/bf16/fp8)"
        )
    package = importlib.import_module(PACKAGE)
    swapped = []
    for name, path in zip(names, paths):
        qualified = f"{PACKAGE}.{name}"
        spec = importlib.util.spec_from_file_location(qualified, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[qualified] = module  # before exec: imports inside it see the final name
        try:
            spec.loader.exec_module(module)
        except Exception as error:
            del sys.modules[qualified]
            raise SwapError(f"{path} failed to import: {type(error).__name__}: {error}") from error
        setattr(package, name, module)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        swapped.append(Swapped(qualified, str(path.resolve()), digest))
    return tuple(swapped)


def swapped_now() -> dict[str, str]:
    """Where each ``numba.cuda._internal.cuda_*`` module imported so far came from."""
    found = {}
    for name in MODULES:
        module = sys.modules.get(f"{PACKAGE}.{name}")
        if module is not None:
            found[name] = str(getattr(module, "__file__", "?"))
    return found


# ---- pytest plugin ----------------------------------------------------------------------------


def pytest_addoption(parser):
    parser.addoption(
        OPTION,
        metavar="DIR",
        default=None,
        help=f"folder with generated {', '.join(MODULES)}.py to load as numba-cuda's "
        f"{PACKAGE} modules (default: ${ENV_VAR}; neither: numba-cuda's shipped modules)",
    )


def _folder(config) -> str | None:
    return config.getoption(OPTION.lstrip("-").replace("-", "_")) or os.environ.get(ENV_VAR)


def pytest_configure(config):
    import pytest

    folder = _folder(config)
    if not folder:
        config.stash[_SWAPPED] = ()
        return
    try:
        config.stash[_SWAPPED] = swap_in(folder)
    except SwapError as error:
        raise pytest.UsageError(f"numbast swap: {error}") from None


def pytest_report_header(config):
    swapped = config.stash.get(_SWAPPED, ())
    if not swapped:
        return ["numbast swap: none (numba-cuda's shipped modules)"]
    return [f"numbast swap: {s.module} <- {s.path} (sha256 {s.sha256[:12]})" for s in swapped]


def pytest_terminal_summary(terminalreporter, config):
    in_use = swapped_now()
    if config.stash.get(_SWAPPED, ()) or in_use:
        lines = [f"{name}: {path}" for name, path in sorted(in_use.items())]
        terminalreporter.write_line(f"numbast swap: modules in use at the end: {lines or 'none'}")


def _stash_key():
    try:
        import pytest
    except ImportError:  # used as a plain function without pytest installed
        return None
    return pytest.StashKey[tuple]()


_SWAPPED = _stash_key()
