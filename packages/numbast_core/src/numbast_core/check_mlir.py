"""``--check`` for the numba-cuda-mlir backend: compile and link every bound callable on the CPU.

The same kernels as ``check.py`` (one call per bound callable, in batches, a failing batch
retried one callable at a time), compiled by numba-cuda-mlir and linked with the glue's LTO-IR
into a cubin: ``cuda.compile_cubin(cuda.jit(kernel, lto=True, cc=cc), argtypes)`` (the target
is given to ``cuda.jit``: ``compile_cubin``'s own ``cc=`` does not reach a dispatcher made
without one, which then compiles for the current device).

numba-cuda-mlir 0.6.0 asks the CUDA driver for the device's compute capability even when
``cc=`` is given, so without a GPU every compile fails at driver initialisation. Only here, in
the check tooling (never in generated modules), the private ``numba_cuda_mlir.tools._cached_cc``
is seeded with the target's compute capability when no device answers, and restored after
(docs/numba_cuda_mlir.rst has the upstream report).
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import ModuleType

from .check import (
    BATCH,
    CheckReport,
    CheckResult,
    _kernel_for,
    calls_of,
    cc_of,
    import_module_from_path,
)
from .plan import BindingPlan, BoundCallable
from .render.spelling import call_label


@contextlib.contextmanager
def without_gpu(cc: tuple) -> Iterator[None]:
    """Let numba-cuda-mlir compile for ``cc`` on a machine without a GPU (see the module's
    docstring); a machine with a GPU is left as it is."""
    from numba_cuda_mlir import tools

    saved = tools._cached_cc
    if saved is None:
        try:
            tools.get_gpu_compute_capability(tuple)
        except Exception:  # no driver or no device: the workaround applies
            tools._cached_cc = tuple(cc[:2])
    try:
        yield
    finally:
        tools._cached_cc = saved if saved is not None else tools._cached_cc


def compile_and_link(module: ModuleType, calls: Sequence[BoundCallable], cc: tuple) -> str:
    """Empty string on success, else the error message."""
    from numba_cuda_mlir import cuda, types

    try:
        kernel, argtypes = _kernel_for(module, calls, types, unpack=True)
        cubin = cuda.compile_cubin(cuda.jit(kernel, lto=True, cc=cc[:2]), argtypes)
        if not cubin:
            return "no cubin was produced"
    except Exception as error:  # any failure of this callable is the finding
        return f"{type(error).__name__}: {error}"
    return ""


def check_module(
    module_path: str | Path,
    plan: BindingPlan,
    arch: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> CheckReport:
    """Compile+link every bound callable of the numba-cuda-mlir module at ``module_path``."""
    arch = arch or plan.arch
    cc = cc_of(arch)
    results: list[CheckResult] = []
    with warnings.catch_warnings(), without_gpu(cc):
        warnings.simplefilter("ignore")  # NVRTC/numba performance chatter is not a finding
        module = import_module_from_path(module_path)
        if plan.separate_registry:
            module.install()  # its bindings type only once its own registries are installed
        only = module._glue.only  # shims declared on some archs only: checked on those
        calls = [c for c in calls_of(plan) if arch in only.get(c.overload.shim, (arch,))]
        for start in range(0, len(calls), BATCH):
            batch = calls[start : start + BATCH]
            errors = [""] * len(batch)
            if compile_and_link(module, batch, cc):
                errors = [compile_and_link(module, [call], cc) for call in batch]
            for call, error in zip(batch, errors):
                label = call_label(call)
                results.append(CheckResult(label, call.overload.cxx_signature, not error, error))
                if progress is not None:
                    progress(len(results), len(calls))
    return CheckReport(arch, tuple(results))
