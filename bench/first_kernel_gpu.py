"""First kernel in a fresh process, on a GPU: ours vs numba-cuda's shipped bindings (issue 17).

Each sample is a new Python process (bytecode cached: one warm-up run first) that imports
``numba.cuda``, then, timed from there: imports the bindings, compiles a kernel calling one
binding, launches it and synchronises. Needs only numba-cuda, numpy and a GPU, plus a folder of
pregenerated modules (``python -m conformance.pregenerate DIR`` on the CPU machine):

    python -m bench.first_kernel_gpu DIR [--runs 5]

Prints a table of medians; the disk cache is emptied before each sample of ours, so the glue
comes from the module's precompiled LTO-IR, never from an earlier run's NVRTC output.
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
        o[i] = hadd(a[i], b[i])

a = cuda.to_device(np.full(256, 1.5, np.float16))
b = cuda.to_device(np.full(256, 2.25, np.float16))
o = cuda.device_array(256, np.float16)
kernel[1, 256](a, b, o)
cuda.synchronize()
t1 = time.perf_counter()
assert float(o.copy_to_host()[0]) == 3.75
print(json.dumps({{"first kernel": t1 - t0}}))
"""

VARIANTS = {
    "ours (cuda_fp16, precompiled LTO-IR)": "import cuda_fp16 as m\nhadd = m.__hadd",
    "numba.cuda.fp16 (shipped)": "from numba.cuda import fp16\nhadd = fp16.hadd",
}


def _sample(folder: Path, imports: str, cache: str) -> float:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["NUMBAST_CACHE_DIR"] = cache
    code = _CHILD.format(folder=str(folder), imports=imports)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    if done.returncode:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.splitlines()[-1])["first kernel"]


def run(folder: Path, runs: int) -> list[str]:
    """Interleaved samples (ours, shipped, ours, ...) so load drifts hit both alike."""
    samples: dict[str, list[float]] = {name: [] for name in VARIANTS}
    with tempfile.TemporaryDirectory() as work:
        for i in range(runs + 1):
            for name, imports in VARIANTS.items():
                value = _sample(folder, imports, str(Path(work, f"cache-{i}-{time.time_ns()}")))
                if i:  # the first run writes the bytecode
                    samples[name].append(value)
    medians = {name: statistics.median(values) for name, values in samples.items()}
    ours, shipped = medians.values()
    lines = [f"| variant | median of {runs} (s) | samples (s) |", "|---|---:|---|"]
    lines += [
        f"| {name} | {medians[name]:.3f} | {', '.join(f'{v:.3f}' for v in values)} |"
        for name, values in samples.items()
    ]
    lines.append(f"\nratio ours / shipped: **{ours / shipped:.2f}**")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="folder with a pregenerated cuda_fp16.py")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print("\n".join(run(args.folder.resolve(), args.runs)))


if __name__ == "__main__":
    main()
