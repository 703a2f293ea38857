"""Side by side with upstream Numbast 0.10.1 (issues 16 and 17): generation of numba-cuda's own
cuda_fp16 config, and import of the two modules over ``numba.cuda``, interleaved in one run.

    python -m bench.upstream [--upstream-python PY] [--runs N]

Upstream runs from its own venv (``../shared/KNOWLEDGE.md`` says how to make one):
``--upstream-python`` or ``NUMBAST_UPSTREAM_PYTHON`` names its interpreter. Both modules are
imported by that interpreter (the same numba-cuda 0.30.4), each in a fresh process with the
bytecode cached (``PYTHONDONTWRITEBYTECODE`` unset; one warm-up run writes it).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.cli_generate import timed_run

ROOT = Path(__file__).resolve().parents[1]
FP16_CONFIG = ROOT / "packages/numbast_core/tests/data/numba_cuda/cuda_fp16.yml"
CLANG_RESOURCES = "/usr/lib/llvm-19/lib/clang/19"  # libclang-common-19-dev (Debian)


def upstream_env(python: Path) -> dict[str, str]:
    """What upstream's generator needs: clang's resource headers, CUDA_HOME, ruff on PATH; none of
    our packages on the path (ours is importable as ``numbast`` too)."""
    env = {
        k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONDONTWRITEBYTECODE")
    }
    env.setdefault("ASTCANOPY_CLANG_RESOURCE_DIR", CLANG_RESOURCES)
    env.setdefault("CUDA_HOME", "/usr/local/cuda")
    env["PATH"] = f"{python.parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def ours_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    src = [
        str(ROOT / "packages" / p / "src") for p in ("ast_canopy", "numbast_core", "numbast_cli")
    ]
    env["PYTHONPATH"] = os.pathsep.join([*src, env.get("PYTHONPATH", "")])
    return env


def site_packages(python: Path) -> Path:
    """The folder numba-cuda's configs are relative to (they name ./numba_cuda/...)."""
    code = "import numba_cuda, pathlib; print(pathlib.Path(numba_cuda.__path__[0]).parent)"
    return Path(subprocess.check_output([str(python), "-c", code], text=True).strip())


def generation(work: Path, upstream: Path, runs: int) -> dict[str, tuple[float, float]]:
    """Median wall s and peak RSS MB of the whole generate process, ours and upstream's."""
    cwd = site_packages(upstream)
    argvs = {
        "ours (numbast generate, precompiled glue)": (
            [
                sys.executable,
                "-P",  # the cwd is upstream's site-packages: its numbast would shadow ours
                "-m",
                "numbast",
                "generate",
                str(FP16_CONFIG),
                "-o",
                str(work / "ours"),
                "-q",
            ],
            ours_env(),
        ),
        "upstream numbast 0.10.1": (
            [
                str(upstream),
                "-m",
                "numbast",
                "--cfg-path",
                str(FP16_CONFIG),
                "--output-dir",
                str(work / "up"),
            ],
            upstream_env(upstream),
        ),
    }
    (work / "up").mkdir(exist_ok=True)
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in argvs}
    for i in range(runs + 1):  # interleaved; the first round is a warm-up
        for name, (argv, env) in argvs.items():
            wall, mb, _ = timed_run(argv, env=env, cwd=cwd)
            if i:
                samples[name].append((wall, mb))
    return {
        name: (statistics.median(w for w, _ in s), max(m for _, m in s))
        for name, s in samples.items()
    }


_IMPORT = """
import gc, json, sys, time, warnings
warnings.simplefilter("ignore")
full = []
def count(phase, info):
    if phase == "start" and info["generation"] == 2:
        full.append(1)
gc.callbacks.append(count)
import numba.cuda
t0 = time.perf_counter()
import {module}
print(json.dumps({{"s": time.perf_counter() - t0, "gen2": len(full)}}))
"""


def imports(folders: dict[str, Path], module: str, python: Path, runs: int) -> dict[str, dict]:
    """Median import s over numba.cuda and the full collections it caused, per folder."""
    samples: dict[str, list[dict]] = {name: [] for name in folders}
    for i in range(runs + 1):
        for name, folder in folders.items():
            env = upstream_env(python) | {"PYTHONPATH": str(folder)}
            out = subprocess.run(
                [str(python), "-c", _IMPORT.format(module=module)],
                env=env,
                capture_output=True,
                text=True,
                check=True,
                cwd=folder,
            )
            if i:
                samples[name].append(json.loads(out.stdout.splitlines()[-1]))
    return {
        name: {k: statistics.median(r[k] for r in rows) for k in ("s", "gen2")}
        for name, rows in samples.items()
    }


def run(upstream: Path, runs: int) -> list[str]:
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        gen = generation(work, upstream, runs)
        imported = imports(
            {"ours": work / "ours", "upstream": work / "up"}, "cuda_fp16", upstream, runs
        )
    ours_s, up_s = (
        gen["ours (numbast generate, precompiled glue)"][0],
        gen["upstream numbast 0.10.1"][0],
    )
    ratio = imported["ours"]["s"] / imported["upstream"]["s"]
    lines = [
        "## Side by side with upstream Numbast 0.10.1: numba-cuda's cuda_fp16 config",
        "",
        f"- median of {runs} fresh processes, interleaved, after a warm-up; {os.cpu_count()} cores,"
        f" load average {load:.2f} at start, {os.getloadavg()[0]:.2f} at end",
        "",
        "| generate (whole process) | median s | peak RSS MB |",
        "|---|---:|---:|",
        *(f"| {name} | {s:.2f} | {mb:.0f} |" for name, (s, mb) in gen.items()),
        f"| ratio ours / upstream | {ours_s / up_s:.2f} | |",
        "",
        "| import over numba.cuda (bytecode cached) | median s | full GCs |",
        "|---|---:|---:|",
        *(f"| {name} | {r['s']:.3f} | {r['gen2']:.0f} |" for name, r in imported.items()),
        f"| ratio ours / upstream (target <= 0.35) | {ratio:.2f} | |",
    ]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = os.environ.get("NUMBAST_UPSTREAM_PYTHON")
    parser.add_argument("--upstream-python", type=Path, default=default)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    if args.upstream_python is None or not args.upstream_python.exists():
        parser.error(
            "name upstream's venv python with --upstream-python or NUMBAST_UPSTREAM_PYTHON"
        )
    print("\n".join(run(args.upstream_python, args.runs)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
