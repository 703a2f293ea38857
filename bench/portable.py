"""Portable modules (issue 17): generation for 3 archs vs 1, the first kernel in a fresh process
(CPU compile + link for sm_90), import with bytecode cached, full garbage collections.

``python -m bench.portable [--runs N]`` prints the tables (medians). Every timing runs in a fresh
process with ``PYTHONDONTWRITEBYTECODE`` unset, after one warm-up run that writes the bytecode.
References: numba-cuda's shipped ``numba.cuda.fp16`` (first kernel) and
``numba.cuda._internal.cuda_fp16`` (import).
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

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / "conformance" / "configs"
ONE, THREE = ("sm_90",), ("sm_80", "sm_90", "sm_100")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    paths = [
        str(ROOT / "packages" / p / "src") for p in ("ast_canopy", "numbast_core", "numbast_cli")
    ]
    env["PYTHONPATH"] = os.pathsep.join([*paths, str(ROOT), env.get("PYTHONPATH", "")])
    return {**env, **extra}


def _config(work: Path, name: str, archs: tuple[str, ...]) -> Path:
    text = (CONFIGS / f"{name}.yml").read_text()
    lines = [
        f"GPU Arch: [{', '.join(archs)}]" if line.startswith("GPU Arch:") else line
        for line in text.splitlines()
    ]
    path = work / f"{name}_{len(archs)}arch.yml"
    path.write_text("\n".join(lines) + "\n")
    return path


def _generate(config: Path, out: Path, *extra: str) -> float:
    argv = [sys.executable, "-m", "numbast", "generate", str(config), "-o", str(out), "-q", *extra]
    started = time.perf_counter()
    subprocess.run(argv, check=True, env=_env(), capture_output=True)
    return time.perf_counter() - started


def generation(work: Path, runs: int) -> dict[str, float]:
    out = {}
    for archs in (ONE, THREE):
        config = _config(work, "cuda_fp16", archs)
        _generate(config, work / "gen")  # warm-up
        out[f"cuda_fp16, GPU Arch {list(archs)}"] = statistics.median(
            _generate(config, work / "gen") for _ in range(runs)
        )
    return out


_CHILD = """
import gc, json, sys, time, warnings
warnings.simplefilter("ignore")
sys.path.insert(0, {folder!r})
full = []
def count(phase, info):
    if phase == "start" and info["generation"] == 2:
        full.append(1)
gc.callbacks.append(count)
t0 = time.perf_counter()
import numba.cuda
from numba.cuda import types
t1 = time.perf_counter()
before = len(full)
{imports}
t2 = time.perf_counter()
gcs = len(full) - before
if {compile_kernel}:
    from numba.cuda.compiler import compile_cuda, kernel_fixup
{kernel}
    cres = compile_cuda(kernel, types.void, argtypes, cc=(9, 0), lto=True)
    kernel_fixup(cres.library.get_function(cres.fndesc.llvm_func_name), False)
    cres.library._entry_name = cres.fndesc.llvm_func_name
    cres.library.get_cubin(cc=(9, 0))
t3 = time.perf_counter()
print(json.dumps({{"numba.cuda": t1 - t0, "import": t2 - t1, "kernel": t3 - t2, "gen2": gcs}}))
"""

_HADD = """
    arr = types.Array(types.float16, 1, "C")
    argtypes = (arr, arr, arr)
    def kernel(a, b, o):
        o[0] = hadd(a[0], b[0])
"""

_CURAND = """
    from conformance.gpu_curand import numba_kernel, numba_signature
    kernel = numba_kernel(m, "curandStatePhilox4_32_10", "curand_normal")
    argtypes = numba_signature("curand_normal")
"""


def _child(folder: Path, imports: str, kernel: str, runs: int, **env: str) -> dict[str, float]:
    code = _CHILD.format(
        folder=str(folder), imports=imports, compile_kernel=bool(kernel), kernel=kernel
    )
    samples: dict[str, list[float]] = {}
    for i in range(runs + 1):
        extra = {k: v.replace("{i}", str(i)) for k, v in env.items()}
        done = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            env=_env(**extra),
            cwd=ROOT,
        )
        if done.returncode:
            raise RuntimeError(done.stderr[-3000:])
        if i:  # the first run writes the bytecode (and warms the disk cache where shared)
            for key, value in json.loads(done.stdout.splitlines()[-1]).items():
                samples.setdefault(key, []).append(value)
    return {key: statistics.median(values) for key, values in samples.items()}


def first_kernels(work: Path, runs: int) -> dict[str, dict[str, float]]:
    pre, nvrtc = work / "pre", work / "nvrtc"
    _generate(_config(work, "cuda_fp16", ONE), pre)
    _generate(_config(work, "curand_kernel", ONE), pre)
    _generate(_config(work, "cuda_fp16", ONE), nvrtc, "--no-precompile")
    ours = "import cuda_fp16 as m\nhadd = m.__hadd"
    cold = {"NUMBAST_CACHE_DIR": str(work / "cache-{i}")}  # a new, empty cache per run
    return {
        "ours, precompiled LTO-IR": _child(pre, ours, _HADD, runs, **cold),
        "ours, NVRTC, empty disk cache": _child(nvrtc, ours, _HADD, runs, **cold),
        "ours, NVRTC, warm disk cache": _child(
            nvrtc, ours, _HADD, runs, NUMBAST_CACHE_DIR=str(work / "cache")
        ),
        "numba.cuda.fp16 (shipped)": _child(
            pre, "from numba.cuda import fp16\nhadd = fp16.hadd", _HADD, runs
        ),
        "curand Philox init+normal, precompiled": _child(
            pre, "import curand_kernel as m", _CURAND, runs, **cold
        ),
    }


def imports(work: Path, runs: int) -> dict[str, dict[str, float]]:
    folder = work / "pre"
    return {
        "ours: cuda_fp16 (generated)": _child(folder, "import cuda_fp16", "", runs),
        "numba.cuda._internal.cuda_fp16 (shipped)": _child(
            folder, "import numba.cuda._internal.cuda_fp16", "", runs
        ),
        "ours: curand_kernel (generated)": _child(folder, "import curand_kernel", "", runs),
    }


def run(runs: int = 5) -> list[str]:
    """The tables (markdown lines); measurements as described in the module doc."""
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        gen = generation(work, runs)
        kernels = first_kernels(work, runs)
        imported = imports(work, runs)
    out = [
        "## Portable modules (issue 17)",
        "",
        f"- median of {runs} fresh processes after a warm-up; {os.cpu_count()} cores, load "
        f"average {load:.2f} at start, {os.getloadavg()[0]:.2f} at end",
        "- first kernel: CPU compile + link for sm_90 (numba's own first-kernel cost included)",
        "",
        "| generation (numbast generate, whole process) | s |",
        "|---|---|",
    ]
    out += [f"| {name} | {seconds:.2f} |" for name, seconds in gen.items()]
    ratio = gen[f"cuda_fp16, GPU Arch {list(THREE)}"] / gen[f"cuda_fp16, GPU Arch {list(ONE)}"]
    out += [f"| ratio 3 archs / 1 arch (target <= 2) | {ratio:.2f} |", ""]
    out += ["| first kernel, fresh process | import s | compile+link s |", "|---|---|---|"]
    out += [f"| {n} | {r['import']:.3f} | {r['kernel']:.3f} |" for n, r in kernels.items()]
    out += ["", "| import after numba.cuda (bytecode cached) | s | full GCs |", "|---|---|---|"]
    out += [f"| {n} | {r['import']:.3f} | {r['gen2']:.0f} |" for n, r in imported.items()]
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    print("\n".join(run(parser.parse_args().runs)))
