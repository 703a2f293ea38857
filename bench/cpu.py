"""CPU benchmarks: generation time/memory, stage split, import time, module size, compile+link.

Every timing that involves process start-up runs in a fresh subprocess (median of ``runs`` after
one warm-up). Compile+link is for sm_90 on the CPU: numba compiles the kernel to LTO-IR, NVRTC
compiles the module's C++ glue once per process, nvJitLink links both into a cubin (the path of
numbast_core.check; no GPU needed).
"""

from __future__ import annotations

import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.cli_generate import numbast_command

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / "conformance" / "configs"
HEADERS = ("cuda_fp8", "cuda_fp16", "cuda_bf16", "cuda_fp6", "cuda_fp4", "curand_kernel")
RUNTIME_START, RUNTIME_END = "# ---- numbast runtime", "# ---- end of numbast runtime"
CC = (9, 0)


def timed_run(argv: list[str]) -> tuple[float, float, float]:
    """Wall s, CPU s (user + sys) and peak RSS MB of one child (os.wait4: this child only)."""
    started = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status):
        raise RuntimeError(f"{' '.join(argv)} failed:\n{child.stderr.read().decode()[-2000:]}")
    child.stderr.close()
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def generate_whole_process(runs: int, out: str) -> list[dict]:
    rows = []
    commands = [
        (name, ["generate", str(CONFIGS / f"{name}.yml"), "-o", out, "-q"]) for name in HEADERS
    ]
    fp16 = str(CONFIGS / "cuda_fp16.yml")
    commands += [
        ("cuda_fp16 --no-format", ["generate", fp16, "-o", out, "-q", "--no-format"]),
        ("(ref) numbast validate cuda_fp16", ["validate", fp16]),
    ]
    for name, args in commands:
        argv = [*numbast_command(), *args]
        timed_run(argv)  # warm-up
        samples = [timed_run(argv) for _ in range(runs)]
        rows.append(
            {
                "header": name,
                "wall": [w for w, _, _ in samples],
                "cpu": statistics.median(c for _, c, _ in samples),
                "rss_mb": max(m for _, _, m in samples),
            }
        )
    return rows


def stage_split(runs: int, out: str) -> tuple[list[dict], dict]:
    """In-process generate() per header; median of each stage. Returns rows and the results."""
    from numbast_core import generate, load_config

    rows, results = [], {}
    for name in HEADERS:
        config = load_config(CONFIGS / f"{name}.yml")
        generate(config, out)  # warm-up
        stages: dict[str, list[float]] = {}
        for _ in range(runs):
            result = generate(config, out)
            for stage, seconds in result.timings:
                stages.setdefault(stage, []).append(seconds)
        results[name] = result
        rows.append({"header": name, **{k: statistics.median(v) for k, v in stages.items()}})
    return rows, results


def module_lines(result) -> dict:
    """Runtime lines (between the markers, inclusive) and the rest per bound overload."""
    from numbast_core.check import calls_of

    lines = result.path.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(RUNTIME_START))
    end = next(i for i, line in enumerate(lines) if line.startswith(RUNTIME_END))
    runtime = end - start + 1
    overloads = len(calls_of(result.plan))
    rest = len(lines) - runtime
    return {
        "total": len(lines),
        "runtime": runtime,
        "overloads": overloads,
        "per_overload": rest / overloads if overloads else float("nan"),
    }


_IMPORT_CHILD = """
import sys, time
sys.path.insert(0, {folder!r})
t0 = time.perf_counter()
import numba.cuda
t1 = time.perf_counter()
{body}
t2 = time.perf_counter()
print(t1 - t0, t2 - t1)
"""


def import_times(folder: str, runs: int) -> dict[str, tuple[float, float]]:
    """{module: (median import numba.cuda, median import of the module after it)} in seconds."""
    out = {}
    refs = ("numba.cuda.bf16", "numba.cuda.vector_types")
    for name in ("numba.cuda only", *HEADERS, *refs):
        body = "pass" if " " in name else f"import {name}"
        code = _IMPORT_CHILD.format(folder=folder, body=body)
        base, extra = [], []
        for i in range(runs + 1):
            text = subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            ).stdout
            if i:  # the first run is the warm-up
                a, b = map(float, text.split())
                base.append(a)
                extra.append(b)
        out[name] = (statistics.median(base), statistics.median(extra))
    return out


# ---- compile + link (runs in a child process) --------------------------------------------------
def compile_child(folder: str, plan_file: str) -> dict:
    import warnings

    warnings.simplefilter("ignore")
    from numba import cuda
    from numba.cuda import types
    from numbast_core.check import _kernel_for, calls_of, import_module_from_path
    from numbast_core.plan import CallForm
    from numbast_core.render.spelling import call_label, param_expression

    from bench.gpu import compile_numba_cpu

    arr16 = types.Array(types.float16, 1, "C")
    timings = {}

    def plain(a, b, o):
        i = cuda.grid(1)
        if i < o.size:
            o[i] = a[i] + b[i]

    _, timings["plain kernel, first in process (numba warm-up)"] = compile_numba_cpu(
        plain, (arr16, arr16, arr16)
    )

    def plain2(a, b, o):
        i = cuda.grid(1)
        if i < o.size:
            o[i] = a[i] * b[i]

    _, timings["(ref) second plain kernel, no binding"] = compile_numba_cpu(
        plain2, (arr16, arr16, arr16)
    )
    module = import_module_from_path(Path(folder) / "cuda_fp16.py")
    original, nvrtc_seconds = module._nvrtc_ltoir, []

    def timed_compile(*args):
        started = time.perf_counter()
        try:
            return original(*args)
        finally:
            nvrtc_seconds.append(time.perf_counter() - started)

    module._nvrtc_ltoir = timed_compile  # (a module generated with its glue precompiled: none)
    hadd = module.__hadd

    def first(a, b, o):
        i = cuda.grid(1)
        if i < o.size:
            o[i] = hadd(a[i], b[i])

    def second(a, b, o):
        i = cuda.grid(1)
        if i < o.size:
            o[i] = hadd(hadd(a[i], b[i]), a[i])

    _, timings["(a) first kernel using __hadd"] = compile_numba_cpu(first, (arr16,) * 3)
    timings["(a) of which glue NVRTC compile"] = sum(nvrtc_seconds)
    _, timings["(b) second kernel using __hadd"] = compile_numba_cpu(second, (arr16,) * 3)

    with open(plan_file, "rb") as f:
        plan = pickle.load(f)
    chosen, seen = [], set()
    for call in calls_of(plan):
        params = [eval(param_expression(p), vars(module)) for p in call.overload.params]
        simple = all(m == "in" and not isinstance(t, types.CPointer) for m, t, _ in params)
        label = call_label(call)
        if call.form in (CallForm.CALL, CallForm.CONVERSION) and simple and label not in seen:
            seen.add(label)
            chosen.append(call)
        if len(chosen) == 100:
            break
    kernel, argtypes = _kernel_for(module, chosen)
    _, timings[f"(c) one kernel using {len(chosen)} distinct bindings"] = compile_numba_cpu(
        kernel, argtypes
    )
    kernel, argtypes = _same_shape_builtin_kernel(kernel, argtypes)
    _, timings["(ref) same-shaped kernel, 100 numba builtin calls"] = compile_numba_cpu(
        kernel, argtypes
    )
    timings["glue NVRTC compiles in process"] = len(nvrtc_seconds)
    return timings


def _same_shape_builtin_kernel(kernel, argtypes):
    """The 100-binding kernel's shape (same statements, same parameters) with numba's own math."""
    import math
    import re

    from numba.cuda import types

    names = kernel.__code__.co_varnames[: kernel.__code__.co_argcount]
    groups: dict[int, list[str]] = {}
    for name in names:
        match = re.fullmatch(r"a(\d+)_\d+", name)
        if match:
            groups.setdefault(int(match.group(1)), []).append(name)
    body, params, new_types = [], [], []
    f32 = types.float32
    for i in sorted(groups):
        args = groups[i]
        if len(args) == 1:
            expr = f"math.sqrt({args[0]})"
        else:
            expr = f"math.atan2({args[0]}, {args[1]})" + "".join(f" + {a}" for a in args[2:])
        body.append(f"    o{i}[0] = {expr}")
        params += [f"o{i}", *args]
        new_types += [types.CPointer(f32)] + [f32] * len(args)
    text = f"def kernel({', '.join(params)}):\n" + "\n".join(body) + "\n"
    env = {"math": math}
    exec(compile(text, "<bench-same-shape>", "exec"), env)
    return env["kernel"], tuple(new_types)


def compile_link(folder: str, plan, runs: int) -> dict[str, float]:
    with tempfile.NamedTemporaryFile(suffix=".pickle", delete=False) as f:
        pickle.dump(plan, f)
    try:
        samples: dict[str, list[float]] = {}
        for i in range(runs + 1):
            proc = subprocess.run(
                [sys.executable, "-m", "bench.cpu", "--compile-child", folder, f.name],
                capture_output=True,
                text=True,
                cwd=ROOT,
            )
            if proc.returncode:
                raise RuntimeError(f"compile child failed:\n{proc.stderr[-3000:]}")
            if i:
                for k, v in json.loads(proc.stdout.splitlines()[-1]).items():
                    samples.setdefault(k, []).append(v)
        return {k: statistics.median(v) for k, v in samples.items()}
    finally:
        os.unlink(f.name)


def run(runs: int = 5, log=print) -> dict:
    with tempfile.TemporaryDirectory() as out:
        log("numbast generate (whole process) ...")
        whole = generate_whole_process(runs, out)
        log("generate() stage split ...")
        stages, results = stage_split(runs, out)
        lines = {name: module_lines(r) for name, r in results.items()}
        log("import times ...")
        imports = import_times(out, runs)
        log("compile + link for sm_90 ...")
        compile_times = compile_link(out, results["cuda_fp16"].plan, runs)
    return {
        "runs": runs,
        "whole": whole,
        "stages": stages,
        "lines": lines,
        "imports": imports,
        "compile": compile_times,
    }


if __name__ == "__main__":
    if sys.argv[1:2] == ["--compile-child"]:
        print(json.dumps(compile_child(sys.argv[2], sys.argv[3])))
    else:
        print(json.dumps(run(), indent=1, default=str))
