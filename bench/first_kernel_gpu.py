"""First kernel in a fresh process, on a GPU: ours vs numba-cuda's shipped bindings (issue 17).

Each sample is a new Python process (bytecode cached: one warm-up run first) that imports
``numba.cuda``, then, timed from there: imports the bindings, compiles a kernel calling one
binding, launches it and synchronises. Needs only numba-cuda, numpy and a GPU, plus a folder of
pregenerated modules (``python -m conformance.pregenerate DIR`` on the CPU machine):

    python -m bench.first_kernel_gpu DIR [--runs 5] [--cpu]

``--breakdown`` (no GPU needed): in fresh processes, process CPU time of numba-cuda installing
its own registrations (the first refresh of its typing and target contexts, which imports its
shipped fp16/bf16/fp8 bindings), then of importing our module, then of installing our
registrations (a second refresh).

``--cpu`` (no GPU needed): the same kernels compiled for cc 9.0 and linked to a cubin with
nvJitLink, not launched (import, typing, lowering, NVVM, link); timed in process CPU time,
which other jobs on a shared box disturb less than wall time.

Prints a table of medians; the disk cache is emptied before each sample of ours, so the glue
comes from the module's precompiled LTO-IR, never from an earlier run's NVRTC output. The floor
is the same kernel without a binding (``o[i] = a[i]``): numba-cuda's own first-compile cost,
which includes loading its shipped fp16/bf16/fp8 bindings (``CUDATypingContext
.load_additional_registries`` imports them at every process's first compile).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_CHILD = """
import json, sys, time
sys.path.insert(0, {folder!r})
import numpy as np
import numba.cuda
from numba import cuda
cuda.current_context()  # the CUDA context is not part of the binding's cost
t0 = time.perf_counter()
{imports}

@cuda.jit
def kernel(a, b, o):
    i = cuda.grid(1)
    if i < o.size:
        o[i] = {expression}

a = cuda.to_device(np.full(256, 1.5, np.float16))
b = cuda.to_device(np.full(256, 2.25, np.float16))
o = cuda.device_array(256, np.float16)
kernel[1, 256](a, b, o)
cuda.synchronize()
t1 = time.perf_counter()
assert float(o.copy_to_host()[0]) == {expected}
print(json.dumps({{"first kernel": t1 - t0}}))
"""

_CPU_CHILD = """
import json, sys, time
sys.path.insert(0, {folder!r})
import numba.cuda
from numba import cuda, types
from numba.cuda.compiler import compile_cuda, kernel_fixup
t0 = time.process_time()
{imports}

def kernel(a, b, o):
    i = cuda.grid(1)
    if i < o.size:
        o[i] = {expression}

cres = compile_cuda(kernel, types.void, (types.float16[:],) * 3, cc=(9, 0), lto=True)
kernel_fixup(cres.library.get_function(cres.fndesc.llvm_func_name), False)
cres.library._entry_name = cres.fndesc.llvm_func_name
assert cres.library.get_cubin(cc=(9, 0))  # ({expected}: checked on the GPU only)
print(json.dumps({{"first kernel": time.process_time() - t0}}))
"""

_BREAKDOWN_CHILD = """
import json, sys, time
sys.path.insert(0, {folder!r})
import numba.cuda
from numba.cuda.descriptor import cuda_target

def timed(step):
    t0 = time.process_time()
    step()
    return time.process_time() - t0

def refresh():
    cuda_target.typing_context.refresh()
    cuda_target.target_context.refresh()

print(json.dumps({{
    "numba-cuda's own registrations": timed(refresh),
    "import of our cuda_fp16": timed(lambda: __import__("cuda_fp16")),
    "installing our registrations": timed(refresh),
}}))
"""

VARIANTS = {  # name: (imports, the kernel's expression, its value)
    "floor (no binding: o[i] = a[i])": ("", "a[i]", 1.5),
    "ours (cuda_fp16, precompiled LTO-IR)": ("import cuda_fp16 as m\nhadd = m.__hadd", "", 3.75),
    "numba.cuda.fp16 (shipped)": ("from numba.cuda import fp16\nhadd = fp16.hadd", "", 3.75),
}


def _sample(folder: Path, variant: tuple[str, str, float], cache: str, cpu: bool) -> float:
    imports, expression, expected = variant
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["NUMBAST_CACHE_DIR"] = cache
    expression = expression or "hadd(a[i], b[i])"
    child = _CPU_CHILD if cpu else _CHILD
    code = child.format(
        folder=str(folder), imports=imports, expression=expression, expected=expected
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    if done.returncode:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.splitlines()[-1])["first kernel"]


def run(folder: Path, runs: int, cpu: bool = False) -> list[str]:
    """Interleaved samples (ours, shipped, ours, ...) so load drifts hit both alike."""
    samples: dict[str, list[float]] = {name: [] for name in VARIANTS}
    with tempfile.TemporaryDirectory() as work:
        for i in range(runs + 1):
            for name, variant in VARIANTS.items():
                cache = str(Path(work, f"cache-{i}-{time.time_ns()}"))
                value = _sample(folder, variant, cache, cpu)
                if i:  # the first run writes the bytecode
                    samples[name].append(value)
    medians = {name: statistics.median(values) for name, values in samples.items()}
    floor, ours, shipped = medians.values()
    lines = [f"| variant | median of {runs} (s) | samples (s) |", "|---|---:|---|"]
    lines += [
        f"| {name} | {medians[name]:.3f} | {', '.join(f'{v:.3f}' for v in values)} |"
        for name, values in samples.items()
    ]
    lines.append(f"\nratio ours / shipped: **{ours / shipped:.2f}**; floor / shipped: "
                 f"{floor / shipped:.2f}; ours - floor: {ours - floor:+.3f} s")  # fmt: skip
    return lines


def breakdown(folder: Path, runs: int) -> list[str]:
    """Median CPU seconds of each step of ``_BREAKDOWN_CHILD`` over ``runs`` fresh processes."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    code = _BREAKDOWN_CHILD.format(folder=str(folder))
    samples = []
    for i in range(runs + 1):  # the first run writes the bytecode
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
        if done.returncode:
            raise RuntimeError(done.stderr[-3000:])
        if i:
            samples.append(json.loads(done.stdout.splitlines()[-1]))
    lines = [f"| step (fresh process) | median of {runs}, CPU s |", "|---|---:|"]
    return lines + [f"| {k} | {statistics.median(s[k] for s in samples):.3f} |" for k in samples[0]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="folder with a pregenerated cuda_fp16.py")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cpu", action="store_true", help="compile and link for cc 9.0 only")
    parser.add_argument("--breakdown", action="store_true", help="what the import adds (CPU)")
    args = parser.parse_args()
    if args.breakdown:
        print("\n".join(breakdown(args.folder.resolve(), args.runs)))
    else:
        print("\n".join(run(args.folder.resolve(), args.runs, args.cpu)))


if __name__ == "__main__":
    main()
