"""First kernel in a fresh process using a template instance vs the same with a plain binding.

Each sample is a new Python process (bytecode cached: one warm-up run first) that imports
``numba.cuda``, then, timed from there: imports the module of tests/data/nbt_templates.cuh,
compiles a kernel calling ``clampv`` (a function template) on float64 (NVRTC instantiates it at
this compile) or on float32 (an instance bound ahead by the config's Template Instances: in the
module's precompiled LTO-IR), or ``clampf`` (the same function on float32, not a template),
launches it and synchronises. A second kernel reusing the instance is timed too, and must add no
NVRTC compile. The disk cache is emptied before each sample. Pregenerate on the CPU machine:

    python packages/numbast_core/tests/pregenerate.py DIR
    python -m bench.first_kernel_templates DIR [--runs 5] [--dry-run]

``--dry-run``: no GPU; the kernels are compiled and linked for sm_90 instead of launched.
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
from numba.cuda import types
DRY = {dry!r}
if not DRY:
    cuda.current_context()  # the CUDA context is not part of the binding's cost


def build(pyfunc):
    if DRY:
        from numba.cuda.compiler import compile_cuda
        sig = (types.{dtype}[:], types.{dtype}[:])
        cres = compile_cuda(pyfunc, types.void, sig, cc=(9, 0), lto=True)
        cres.library.get_cubin(cc=(9, 0))
        return None
    kernel = cuda.jit(pyfunc)
    a = cuda.to_device(np.linspace(-2, 2, 256, dtype=np.{dtype}))
    o = cuda.device_array(256, np.{dtype})
    kernel[1, 256](a, o)
    cuda.synchronize()
    return o.copy_to_host()


t0 = time.perf_counter()
import nbt_templates_bindings as m
f = m.{name}


def first(a, o):
    i = cuda.grid(1)
    if i < o.size:
        o[i] = f(a[i], np.{dtype}(-1.0), np.{dtype}(1.0))


def second(a, o):
    i = cuda.grid(1)
    if i < o.size:
        o[i] = f(a[i] * np.{dtype}(2.0), np.{dtype}(-1.0), np.{dtype}(1.0)) + np.{dtype}(1.0)


out = build(first)
t1 = time.perf_counter()
build(second)
t2 = time.perf_counter()
if out is not None:
    assert float(out.min()) == -1.0 and float(out.max()) == 1.0
calls = m._templates.nvrtc_calls
print(json.dumps({{"first": t1 - t0, "second": t2 - t1, "nvrtc_calls": calls}}))
"""

VARIANTS = {
    "template, instantiated at kernel compile (clampv, float64)": ("clampv", "float64"),
    "template, bound ahead (clampv, float32)": ("clampv", "float32"),
    "plain function (clampf, float32)": ("clampf", "float32"),
}


def _sample(folder: Path, variant: tuple[str, str], cache: str, dry: bool) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["NUMBAST_CACHE_DIR"] = cache
    code = _CHILD.format(folder=str(folder), name=variant[0], dtype=variant[1], dry=dry)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    if done.returncode:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.splitlines()[-1])


def run(folder: Path, runs: int, dry: bool) -> list[str]:
    """Interleaved samples (each variant in turn) so load drifts hit them alike."""
    samples: dict[str, list[dict]] = {label: [] for label in VARIANTS}
    with tempfile.TemporaryDirectory() as work:
        for i in range(runs + 1):
            for label, variant in VARIANTS.items():
                cache = str(Path(work, f"cache-{i}-{time.time_ns()}"))
                value = _sample(folder, variant, cache, dry)
                if i:  # the first run writes the bytecode
                    samples[label].append(value)
    what = "compile+link sm_90, no GPU" if dry else "compile, launch, synchronise"
    lines = [
        f"first kernel in a fresh process ({what}); median of {runs}",
        "",
        "| variant | first kernel (s) | second kernel (s) | NVRTC calls (both kernels) |",
        "|---|---:|---:|---:|",
    ]
    medians = {}
    for label, values in samples.items():
        first = statistics.median(v["first"] for v in values)
        second = statistics.median(v["second"] for v in values)
        calls = sorted({v["nvrtc_calls"] for v in values})
        medians[label] = first
        lines.append(f"| {label} | {first:.3f} | {second:.3f} | {', '.join(map(str, calls))} |")
    instantiated, ahead, plain = medians.values()
    lines.append(
        f"\nfirst kernel, ratio to the plain function: instantiated **{instantiated / plain:.2f}**"
        f" (target 1.5), bound ahead **{ahead / plain:.2f}**"
    )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="folder with nbt_templates_bindings.py")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--dry-run", action="store_true", help="compile+link only (no GPU)")
    args = parser.parse_args()
    print("\n".join(run(args.folder.resolve(), args.runs, args.dry_run)))


if __name__ == "__main__":
    main()
