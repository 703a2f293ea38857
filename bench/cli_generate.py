"""Benchmark: whole-process wall time and peak RSS of `numbast generate` (cuda_fp16 by default).

Run: python bench/cli_generate.py [--config CONFIG] [--runs N]
Each run is a fresh `numbast generate CONFIG -o TMP -q` process; one warm-up run is discarded.
Prints a markdown table: median / min / max wall time and the largest peak RSS of the child
(from os.wait4's rusage, so each run is measured on its own), against the targets of the issue
(<= 0.40 s median, <= 150 MB on the 2-core CPU box), and the per-stage times of one run.
`numbast validate` (start-up, imports and config load, no parsing) is timed too, to show the
command's own share; the targets apply to `generate`.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_CONFIG = HERE.parent / "conformance/configs/cuda_fp16.yml"
TARGET_SECONDS = 0.40
TARGET_MB = 150.0


def numbast_command() -> list[str]:
    script = Path(sys.executable).with_name("numbast")
    return [str(script)] if script.exists() else [sys.executable, "-m", "numbast"]


def timed_run(argv: list[str], env=None, cwd=None) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MB and stderr of one child process."""
    with tempfile.TemporaryFile(mode="w+") as err:
        started = time.perf_counter()
        child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err, env=env, cwd=cwd)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        text = err.read()
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({child.returncode}):\n{text}")
    return wall, usage.ru_maxrss / 1024, text  # ru_maxrss is in KiB on Linux


def measure(argv: list[str], runs: int) -> tuple[list[float], list[float]]:
    timed_run(argv)  # warm-up: page cache, .pyc files
    walls, rss = [], []
    for _ in range(runs):
        wall, mb, _ = timed_run(argv)
        walls.append(wall)
        rss.append(mb)
    return walls, rss


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(DEFAULT_CONFIG))
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    if args.runs < 5:
        parser.error("--runs must be at least 5")

    with tempfile.TemporaryDirectory() as out:
        base = [*numbast_command(), "generate", args.config, "-o", out]
        variants = [("numbast generate -q", [*base, "-q"])]
        variants.append(("numbast generate -q --no-format", [*base, "-q", "--no-format"]))
        # start-up + imports + config load, no parsing: the CLI's own share of the time
        variants.append(("numbast validate", [*numbast_command(), "validate", args.config]))
        results = [(name, *measure(cmd, args.runs)) for name, cmd in variants]
        _, _, stages = timed_run(base)

    print(f"`numbast generate` on {Path(args.config).name}: {args.runs} runs after a warm-up")
    print(f"({platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()})\n")
    print("| command | median s | min s | max s | peak RSS MB | target |")
    print("|---|---:|---:|---:|---:|---|")
    for name, walls, rss in results:
        median, peak = statistics.median(walls), max(rss)
        verdict = "met" if median <= TARGET_SECONDS and peak <= TARGET_MB else "missed"
        if "generate" not in name:
            verdict = "(reference)"
        print(
            f"| `{name}` | {median:.3f} | {min(walls):.3f} | {max(walls):.3f} | {peak:.0f} "
            f"| ≤ {TARGET_SECONDS:.2f} s, ≤ {TARGET_MB:.0f} MB: {verdict} |"
        )
    print("\nStages of one run (as `numbast generate` reports them):\n")
    print("| stage | s |")
    print("|---|---:|")
    for line in stages.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2] == "s" and line.startswith("  "):
            print(f"| {parts[0]} | {parts[1]} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
