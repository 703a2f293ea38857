"""Compile and link a kernel for every bound callable of a generated module, on the CPU.

NVRTC compiles the module's C++ glue and nvJitLink links each kernel for the arch: no GPU is
needed. Kernels are built in batches sized by cost and linked several at a time (check_work); a
link or kernel that fails is halved until each failure is pinned to its function. numba is
imported here, never on the generation path.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import re
import sys
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from .check_work import Link, plan_links, shares_of
from .plan import BindingPlan, BoundCallable, CallForm, OperatorForm, ParamPlan
from .plan.refs import StructRef
from .render.spelling import (
    call_label,
    callee_expression,
    param_expression,
    python_expression,
    type_expr,
)

BATCH = 24  # callables per kernel at most (fewer when heavy: check_work)
PARALLEL_ABOVE = 400  # callables; below, starting processes costs more than it saves


@dataclass(frozen=True)
class CheckResult:
    python_name: str
    cxx_name: str  # the C++ signature
    ok: bool
    error: str = ""


@dataclass(frozen=True)
class CheckReport:
    arch: str
    results: tuple[CheckResult, ...]

    @property
    def ok_count(self) -> int:
        return sum(r.ok for r in self.results)

    @property
    def failed(self) -> tuple[CheckResult, ...]:
        return tuple(r for r in self.results if not r.ok)


def calls_of(plan: BindingPlan) -> list[BoundCallable]:
    """Every bound callable of the plan, with the Python form a kernel uses to call it."""
    return list(plan.callables())


def import_module_from_path(path: str | Path) -> ModuleType:
    """Import a generated module from its file, under a unique name."""
    name = f"_numbast_checked_{uuid.uuid4().hex}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # numba's typing registry needs the module to be importable
    spec.loader.exec_module(module)
    return module


def cc_of(arch: str) -> tuple:
    match = re.fullmatch(r"sm_(\d+)(a?)", arch)
    if not match:
        raise ValueError(f"not an arch: {arch!r}")
    major, minor = divmod(int(match.group(1)), 10)
    return (major, minor, match.group(2)) if match.group(2) else (major, minor)


def _kernel_for(
    module: ModuleType, calls: Sequence[BoundCallable], types: Any = None, unpack: bool = False
) -> tuple[Any, tuple]:
    """A kernel calling each of ``calls`` once: ``o<i>[0] = f<i>(a<i>_0, ...)``, a bound struct
    argument read into its local ``a<i>_<j>`` from the pointer ``s<i>_<j>``; ``types``:
    the Numba types module of the module's backend (default numba-cuda's); ``unpack``: a tuple
    result is stored item by item (numba-cuda-mlir stores no tuple through a pointer)."""
    if types is None:
        import numba.cuda

        types = numba.cuda.types
    namespace = vars(module)
    params_decl, argtypes, body, env = [], [], [], {}
    for i, call in enumerate(calls):
        callee = callee_expression(call)
        if callee:
            env[f"f{i}"] = eval(callee, namespace)
        params = [eval(param_expression(p), namespace) for p in call.overload.params]
        # what the call returns to Python: not the receiver, nor structs passed by reference
        returned = [p for p in params if p[0] != "inout"]
        result = module._result_type(eval(type_expr(call.overload.result), namespace), returned)
        args = [f"a{i}_{j}" for j, (mode, _, _) in enumerate(params) if mode != "out"]
        # a bound struct comes in through a pointer and is passed on as a local, as users write
        # it: by value, a batch's structs overflow the kernel parameter space (MTGP32's 4 KiB
        # state; its 40 KiB parameter block alone does) and numba makes every field a kernel
        # parameter of its own
        for j, (p, (mode, ty, _)) in enumerate(zip(call.overload.params, params)):
            if mode == "out":
                continue
            if _held_locally(p):
                body.append(f"    a{i}_{j} = s{i}_{j}[0]")
                params_decl.append(f"s{i}_{j}")
                argtypes.append(types.CPointer(ty))
            else:
                params_decl.append(f"a{i}_{j}")
                argtypes.append(ty)
        op = call.operator
        if call.form is CallForm.SETITEM:
            body.append(f"    {args[0]}[{args[1]}] = {args[2]}\n    o{i}[0] = {args[0]}")
            params_decl.append(f"o{i}")
            argtypes.append(types.CPointer(result))
        elif op is not None and op.form is OperatorForm.INPLACE:
            body.append(f"    {args[0]} {op.symbol} {args[1]}\n    o{i}[0] = {args[0]}")
            params_decl.append(f"o{i}")
            argtypes.append(types.CPointer(result))
        elif result == types.void:
            body.append(f"    {python_expression(call, f'f{i}', args)}")
        elif unpack and isinstance(result, types.BaseTuple):
            outs = [f"o{i}_{k}" for k in range(len(result))]
            stores = ", ".join(f"{o}[0]" for o in outs)
            body.append(f"    {stores} = {python_expression(call, f'f{i}', args)}")
            params_decl += outs
            argtypes += [types.CPointer(types.uint8 if t == types.boolean else t) for t in result]
        else:
            body.append(f"    o{i}[0] = {python_expression(call, f'f{i}', args)}")
            params_decl.append(f"o{i}")
            # numba stores a boolean through a pointer in its value form (i1): use a byte.
            argtypes.append(types.CPointer(types.uint8 if result == types.boolean else result))
    source = f"def kernel({', '.join(params_decl)}):\n" + "\n".join(body) + "\n"
    exec(compile(source, "<numbast-check>", "exec"), env)
    return env["kernel"], tuple(argtypes)


def _held_locally(param: ParamPlan) -> bool:
    """Whether a check kernel passes this argument from a local variable (a bound struct by
    value or by reference) rather than straight from a kernel parameter."""
    return param.mode in ("in", "inout") and isinstance(param.type, StructRef)


def _compile_and_link(module: ModuleType, calls: Sequence[BoundCallable], cc: tuple) -> str:
    """One kernel calling each of ``calls``: empty string on success, else the error."""
    return _compile_and_link_kernels(module, [calls], cc)


def _compile_and_link_kernels(
    module: ModuleType, kernels: Sequence[Sequence[BoundCallable]], cc: tuple
) -> str:
    """Compile a kernel for each of ``kernels`` (its callables) and link them all together
    (the glue chunks they share are parsed once); empty string on success, else the error."""
    from numba.cuda import types
    from numba.cuda.compiler import compile_cuda, kernel_fixup

    try:
        libraries = []
        for calls in kernels:
            kernel, argtypes = _kernel_for(module, calls)
            cres = compile_cuda(
                kernel, types.void, argtypes, cc=cc, lto=True, nvvm_options={"opt": 3}
            )
            library = cres.library
            kernel_fixup(library.get_function(cres.fndesc.llvm_func_name), False)
            library._entry_name = cres.fndesc.llvm_func_name
            libraries.append(library)
        quick = "O0" if _lto_at_o0_pays(module, kernels) else "ptxas-O0"
        try:  # unoptimised first: an NVSHMEM team reduction links in 0.6-1.7 CPU s, not 27
            _link_together(libraries, cc, quick)
        except Exception:  # what fails is linked again as a kernel is, so a finding is real
            _link_together(libraries, cc)
    except Exception as error:  # any failure of these callables is the finding
        return f"{type(error).__name__}: {error}"
    return ""


# ptxas's fastest compile (CUDA 12.8+) for links at -O0: an NVSHMEM team reduction then links in
# 1.65 CPU s instead of 5.8 (a ptxas that refuses the option fails the quick link, and the link
# is tried again as kernels are linked)
FAST = ["-Ofc=max"]
BIG_STRUCT = 256  # bytes: LTO at -O0 copies a bigger struct field by field (see below)


def _lto_at_o0_pays(module: ModuleType, kernels: Sequence[Sequence[BoundCallable]]) -> bool:
    """Whether LTO at -O0 too links faster: when each kernel calls one callable (a heavy one:
    check_work) and no struct of more than ``BIG_STRUCT`` bytes is passed. An NVSHMEM
    collective then links 1.1-2.3x faster than with ptxas -O0 alone; light callables many to a
    kernel link slower (96 of cuda_fp16's: 1.5 s, 0.16 s with LTO), and curand's 4 KiB MTGP32
    state copies, left unoptimised, took 206 s instead of 1."""
    if any(len(kernel) != 1 for kernel in kernels):
        return False
    namespace = vars(module)
    for (call,) in kernels:
        passed = [eval(param_expression(p), namespace)[2] for p in call.overload.params]
        passed.append(eval(type_expr(call.overload.result), namespace))
        if any(getattr(ty, "_layout", (0,))[0] > BIG_STRUCT for ty in passed):
            return False
    return True


def _link_together(libraries: Sequence[Any], cc: tuple, quick: str | None = None) -> None:
    """One nvJitLink of several kernels' LTO-IR and the files they link (each once), as numba's
    ``get_cubin`` links one kernel's; ``quick``: ``"ptxas-O0"`` (ptxas at -O0) or ``"O0"``
    (LTO and ptxas at -O0), else the defaults."""
    from numba.cuda.cudadrv import driver
    from numba.cuda.cudadrv.libs import get_cudalib

    class Linker(driver._Linker):
        def _get_linker_options(self, ptx):
            options = super()._get_linker_options(ptx)
            if quick == "O0":
                return dataclasses.replace(options, optimization_level=0, ptxas_options=FAST)
            if quick == "ptxas-O0":
                return dataclasses.replace(options, ptxas_options=["-O0"])
            return options

    linker = Linker(cc=cc, lto=True)
    files: dict[Any, None] = {}
    for library in libraries:
        linker.add_ltoir(library.get_ltoir(cc=cc))
        files.update(dict.fromkeys(library._linking_files))
    if any(library.needs_cudadevrt for library in libraries):
        files[get_cudalib("cudadevrt", static=True)] = None
    for file in files:
        linker.add_file_guess_ext(file, False)
    linker.complete()


def _pinned(module: ModuleType, calls: Sequence[BoundCallable], cc: tuple) -> list[str]:
    """The error of each of ``calls`` ("" when it compiles and links): one kernel for all of
    them, and halves of a failing set again until each failure is pinned to its callable."""
    error = _compile_and_link(module, calls, cc)
    if not error:
        return [""] * len(calls)
    if len(calls) == 1:
        return [error]
    half = len(calls) // 2
    return _pinned(module, calls[:half], cc) + _pinned(module, calls[half:], cc)


def _linked(module: ModuleType, kernels: Sequence[Sequence[BoundCallable]], cc: tuple) -> list[str]:
    """The error of each callable of ``kernels`` (in order): one link of them all, and halves
    of a failing link again down to one kernel, whose failures :func:`_pinned` pins."""
    if len(kernels) == 1:
        return _pinned(module, kernels[0], cc)
    if not _compile_and_link_kernels(module, kernels, cc):
        return [""] * sum(map(len, kernels))
    half = len(kernels) // 2
    return _linked(module, kernels[:half], cc) + _linked(module, kernels[half:], cc)


def _check_links(
    module_path: str, plan: BindingPlan, arch: str, links: Sequence[Link]
) -> list[tuple[int, str]]:
    """(index into the arch's callables, error) for ``links``, in a fresh import of the
    module: the work of one process of a parallel check."""
    import warnings

    cc = cc_of(arch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        module = _imported(module_path, plan)
        calls = _arch_calls(plan, arch, module)
        out: list[tuple[int, str]] = []
        for link in links:
            out += _checked(module, calls, link, cc)
    return out


def _checked(
    module: ModuleType, calls: Sequence[BoundCallable], link: Link, cc: tuple
) -> list[tuple[int, str]]:
    """(index, error) of each callable of ``link``."""
    kernels = [[calls[i] for i in kernel] for kernel in link.kernels]
    return list(zip((i for kernel in link.kernels for i in kernel), _linked(module, kernels, cc)))


def _links(module: ModuleType, calls: Sequence[BoundCallable], arch: str) -> list[Link]:
    """The check's links for ``calls``: weights from the module's glue chunks, their sizes from
    its precompiled LTO-IR for ``arch`` (none: every callable weighs the same)."""
    glue = module._glue
    record = glue.precompiled.get(arch)
    return plan_links(
        [c.overload.shim for c in calls],
        glue._chunk_of,
        record[2] if record else None,
        [len(chunk) for chunk in glue.chunks],
        kernel_calls=BATCH,
    )


def _imported(module_path: str | Path, plan: BindingPlan) -> ModuleType:
    module = import_module_from_path(module_path)
    if plan.separate_registry:
        module.install()  # its bindings type only once its own registries are installed
    return module


def _arch_calls(plan: BindingPlan, arch: str, module: ModuleType) -> list[BoundCallable]:
    """The callables to check for ``arch`` (shims declared on some archs only: on those),
    sorted by shim: a batch then links the LTO-IR of one or two chunks of the glue, not of
    every chunk (the glue is chunked by shim name)."""
    only = module._glue.only
    calls = [c for c in calls_of(plan) if arch in only.get(c.overload.shim, (arch,))]
    return sorted(calls, key=lambda c: c.overload.shim)


def check_module(
    module_path: str | Path,
    plan: BindingPlan,
    arch: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    jobs: int | None = None,
) -> CheckReport:
    """Compile+link every bound callable of the module at ``module_path`` for ``arch``.

    A module of more than ``PARALLEL_ABOVE`` callables is checked by ``jobs`` processes
    (default: one per CPU), each importing the module once and taking a share of equal weight."""
    import warnings

    arch = arch or plan.arch
    cc = cc_of(arch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # NVRTC/numba performance chatter is not a finding
        module = _imported(module_path, plan)
        calls = _arch_calls(plan, arch, module)
        links = _links(module, calls, arch)
        jobs = min(jobs or os.cpu_count() or 1, len(links))
        errors: dict[int, str] = {}
        if jobs > 1 and len(calls) > PARALLEL_ABOVE:
            errors = _in_processes(module_path, plan, arch, links, jobs, progress, len(calls))
        else:
            for link in links:
                errors.update(_checked(module, calls, link, cc))
                if progress is not None:
                    progress(len(errors), len(calls))
    results = tuple(
        CheckResult(call_label(c), c.overload.cxx_signature, not errors[i], errors[i])
        for i, c in enumerate(calls)
    )
    return CheckReport(arch, results)


def _check_share(share):
    """:func:`_check_links` of one ``(module_path, plan, arch, links)`` share."""
    return _check_links(*share)


def _in_processes(module_path, plan, arch, links, jobs, progress, total) -> dict[int, str]:
    """Links dealt to ``jobs`` fresh processes in shares of equal weight (spawned: numba and
    the module are imported anew in each; a module is never imported twice into one process)."""
    import multiprocessing

    shares = [(str(module_path), plan, arch, share) for share in shares_of(links, jobs)]
    errors: dict[int, str] = {}
    # one task per process (maxtasksperchild=1): each share imports the module anew
    spawn = multiprocessing.get_context("spawn")
    watch = (os.getpid(),)  # (each process ends when this one is gone: exit_with_parent)
    with spawn.Pool(jobs, exit_with_parent, watch, maxtasksperchild=1) as pool:
        for found in pool.imap_unordered(_check_share, shares):
            errors.update(found)
            if progress is not None:
                progress(len(errors), total)
    return errors


def exit_with_parent(parent: int, every: float = 0.5) -> None:
    """In a check process: end it when ``parent`` is gone. A share runs for minutes; a parent
    killed outright (SIGKILL, or a SIGTERM from ``timeout``) runs no clean-up, and its
    processes would link on to the end of their shares."""
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every)
        os._exit(1)

    threading.Thread(target=watch, name="numbast-exit-with-parent", daemon=True).start()
