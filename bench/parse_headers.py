"""Benchmark: ast_canopy parse+extract time and peak memory per real CUDA header.

Time: median of N in-process runs after one warm-up (wall clock, and the process's CPU time,
which is what to read when other jobs share the machine). Memory: peak RSS of a fresh Python process
that imports ast_canopy and parses the header once (``resource.getrusage``). Prints a markdown
table. The prefix PCH (see ast_canopy README) is built by the warm-up run; set
``AST_CANOPY_NO_PCH=1`` to measure without it.
Target (2-core CPU machine): cuda_fp16.h <= 0.30 s and <= 150 MB.

    python bench/parse_headers.py [--arch sm_80] [--runs 5] [--skip-function-bodies]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time

HEADERS = (
    "cuda_fp8.h",
    "cuda_fp16.h",
    "cuda_bf16.h",
    "cuda_fp6.h",
    "cuda_fp4.h",
    "curand_kernel.h",
    "vector_types.h",
)


def _header(name: str) -> tuple[str, list[str]]:
    from ast_canopy.cuda_paths import find_cuda_paths

    for d in find_cuda_paths().include_dirs:
        path = os.path.realpath(os.path.join(d, name))
        if os.path.isfile(path):
            folder = os.path.dirname(path)
            if name == "curand_kernel.h":
                return path, [os.path.join(folder, f) for f in os.listdir(folder) if "curand" in f]
            hpp = path[:-2] + ".hpp"
            return path, [path, hpp] if os.path.isfile(hpp) else [path]
    raise FileNotFoundError(name)


def _parse_once(name: str, arch: str, skip: bool):
    import ast_canopy

    path, retain = _header(name)
    return ast_canopy.parse_declarations_from_source(path, retain, arch, skip_function_bodies=skip)


def _child(name: str, arch: str, skip: bool) -> None:
    _parse_once(name, arch, skip)
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # KiB on Linux


def _peak_rss_mb(name: str, arch: str, skip: bool) -> float:
    cmd = [sys.executable, __file__, "--child", name, "--arch", arch]
    if skip:
        cmd.append("--skip-function-bodies")
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return int(out.split()[-1]) / 1024


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--arch", default="sm_80")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--skip-function-bodies", action="store_true")
    p.add_argument("--child", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        _child(args.child, args.arch, args.skip_function_bodies)
        return
    import ast_canopy

    mode = "skip_function_bodies" if args.skip_function_bodies else "full bodies"
    if os.environ.get("AST_CANOPY_NO_PCH", "") not in ("", "0"):
        mode += ", no prefix PCH"
    print(
        f"ast_canopy {ast_canopy.__version__}, {ast_canopy.clang_version()}, arch {args.arch}, "
        f"{mode}, median of {args.runs} runs after warm-up, {os.cpu_count()} CPUs\n"
    )
    print("| header | decls | median wall s | min wall s | median CPU s | peak RSS MB |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in HEADERS:
        decls = _parse_once(name, args.arch, args.skip_function_bodies)  # warm-up
        times, cpu = [], []
        for _ in range(args.runs):
            t0, c0 = time.perf_counter(), time.process_time()
            _parse_once(name, args.arch, args.skip_function_bodies)
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        n = sum(
            len(getattr(decls, k))
            for k in ("structs", "functions", "function_templates", "typedefs", "enums")
        )
        rss = _peak_rss_mb(name, args.arch, args.skip_function_bodies)
        print(
            f"| {name} | {n} | {statistics.median(times):.3f} | {min(times):.3f} "
            f"| {statistics.median(cpu):.3f} | {rss:.0f} |"
        )


if __name__ == "__main__":
    main()
