"""NVSHMEM's device API at library scale (issues 16 and 17), side by side with upstream Numbast.

    python -m bench.nvshmem --root DIR [--upstream-python PY] [--runs N] [--no-check]
    python -m bench.nvshmem --import-only OURS.py SHIPPED.py [--runs N]

``--root``: where the ``nvidia-nvshmem-cu13`` wheel put its files (the folder holding
``nvidia/nvshmem/include``), or that include folder itself. The bench writes the config into a
temp dir (an entry point that defines ``__NVSHMEM_NUMBA_SUPPORT__`` and includes ``nvshmem.h``
and ``nvshmemx.h``; File List: every header of the wheel; GPU Arch sm_90) and measures, in one
run: generation (whole process: wall, peak RSS) by ours with and without the glue precompile
and by upstream 0.10.1 (interleaved; ``--upstream-python`` or ``NUMBAST_UPSTREAM_PYTHON``); our
stage split; import of both modules (bytecode cached); the first and the second kernel that call
one binding each, compiled and linked for sm_90 on the CPU in a fresh process; ``--check`` of
the whole module. Prints a markdown table.

``--import-only``: import time of a module we generated for the API beside the module upstream
Numbast generated for it that ships in ``nvshmem4py-cu13`` (``nvshmem/bindings/device/numba/
_numbast.py``; it imports ``nvshmem.core``, NVSHMEM's host library, which is stubbed, so only
the module's own import is timed): fresh processes, interleaved, bytecode cached, over
``import numba.cuda``.
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

from bench.upstream import imports, ours_env, upstream_env
from conformance.nvshmem import include_dir, write_config

ROOT = Path(__file__).resolve().parents[1]


def timed(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, float]:
    """Wall s, CPU s (user + sys, all threads) and peak RSS MB of one child process. CPU s
    is what a loaded box changes least; wall is what a user waits."""
    with tempfile.TemporaryFile(mode="w+") as err:
        started = time.perf_counter()
        child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err, env=env, cwd=cwd)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status):
            err.seek(0)
            lines = err.read().strip().splitlines() or ["(no message)"]
            raise RuntimeError(lines[-1][:200])
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def generation(work: Path, config: Path, upstream: Path | None, runs: int) -> dict:
    """{name: (median wall s, median CPU s, max peak RSS MB) or an error}: whole processes,
    interleaved."""
    ours = [sys.executable, "-m", "numbast", "generate", str(config), "-q", "--bypass-parse-error"]
    argvs = {
        "ours, --no-precompile": ([*ours, "-o", str(work / "ours"), "--no-precompile"], ours_env()),
    }
    if upstream is not None:
        (work / "up").mkdir(exist_ok=True)
        up = ["--cfg-path", str(config), "--output-dir", str(work / "up"), "-noraise", "True"]
        argvs["upstream numbast 0.10.1"] = (
            [str(upstream), "-m", "numbast", *up],
            upstream_env(upstream),
        )
    samples: dict[str, list] = {name: [] for name in argvs}
    failed: dict[str, str] = {}
    for i in range(runs + 1):  # the first round is a warm-up (PCH, page cache)
        for name, (argv, env) in argvs.items():
            if name in failed:
                continue
            try:
                sample = timed(argv, env, work)
            except RuntimeError as error:  # upstream may not handle the API: that is a finding
                failed[name] = f"failed: {error}"
                continue
            if i:
                samples[name].append(sample)
    out: dict[str, object] = dict(failed)
    for name, rows in samples.items():
        if name not in failed:
            wall, cpu, mb = zip(*rows)
            out[name] = (statistics.median(wall), statistics.median(cpu), max(mb))
    return out


_STAGES = """
import json, resource, sys, time, warnings
warnings.simplefilter("ignore")
import numbast_core
from numbast_core.check import check_module
config = numbast_core.load_config(sys.argv[1])
t = time.perf_counter()
result = numbast_core.generate(config, sys.argv[2], bypass_parse_error=True,
                               precompile=sys.argv[3] == "1")
wall = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
out = {"stages": dict(result.timings), "wall": wall, "rss": rss}
out["callables"] = sum(1 for _ in result.plan.callables())
if sys.argv[4] == "1":
    t = time.perf_counter()
    report = check_module(result.path, result.plan, "sm_90")
    out["check"] = time.perf_counter() - t
    out["check_ok"], out["check_total"] = report.ok_count, len(report.results)
print(json.dumps(out))
"""


def stages(config: Path, out: Path, precompile: bool, check: bool) -> dict:
    argv = [sys.executable, "-c", _STAGES, str(config), str(out), str(int(precompile))]
    done = subprocess.run(
        [*argv, str(int(check))], capture_output=True, text=True, env=ours_env(), cwd=ROOT
    )
    if done.returncode:
        raise SystemExit(done.stderr[-3000:])
    return json.loads(done.stdout.splitlines()[-1])


_KERNELS = """
import json, sys, time, warnings
warnings.simplefilter("ignore")
sys.path.insert(0, sys.argv[1])
import numba.cuda
from numba.cuda import types
from numba.cuda.compiler import compile_cuda, kernel_fixup
import nvshmem_bindings as m

def link(kernel, argtypes):
    t = time.perf_counter()
    cres = compile_cuda(kernel, types.void, argtypes, cc=(9, 0), lto=True)
    t1 = time.perf_counter()
    kernel_fixup(cres.library.get_function(cres.fndesc.llvm_func_name), False)
    cres.library._entry_name = cres.fndesc.llvm_func_name
    cres.library.get_cubin(cc=(9, 0))
    return time.perf_counter() - t, time.perf_counter() - t1

my_pe, n_pes = m.nvshmem_my_pe, m.nvshmem_n_pes
def first(o):
    o[0] = my_pe()
def second(o):
    o[0] = n_pes()
arr = types.Array(types.int32, 1, "C")
f = link(first, (arr,))
s = link(second, (arr,))
print(json.dumps({"first": f[0], "second": s[0], "second_link": s[1]}))
"""


def kernels(folder: Path, runs: int) -> dict[str, float]:
    """Median s of the first and second kernel (compile+link) in fresh processes."""
    samples: dict[str, list[float]] = {}
    env = ours_env() | {"NUMBAST_CACHE_DIR": str(folder / "cache")}
    for i in range(runs + 1):
        done = subprocess.run(
            [sys.executable, "-c", _KERNELS, str(folder)],
            capture_output=True,
            text=True,
            env=env,
            cwd=folder,
        )
        if done.returncode:
            raise SystemExit(done.stderr[-3000:])
        if i:
            for key, value in json.loads(done.stdout.splitlines()[-1]).items():
                samples.setdefault(key, []).append(value)
    return {key: statistics.median(values) for key, values in samples.items()}


def _cell(value) -> str:
    if isinstance(value, str):
        return f"{value} | | "
    return f"{value[0]:.1f} | {value[1]:.1f} | {value[2]:.0f}"


def run(root: Path, upstream: Path | None, runs: int, check: bool) -> list[str]:
    load = os.getloadavg()[0]
    include = include_dir(root)
    if include is None:
        raise SystemExit(f"no nvshmem.h under {root} or {root}/nvidia/nvshmem/include")
    with tempfile.TemporaryDirectory(prefix="numbast-nvshmem-") as tmp:
        work = Path(tmp)
        config = write_config(work, include)
        gen = generation(work, config, upstream, runs)
        plain = stages(config, work / "plain", precompile=False, check=False)
        pre = stages(config, work / "pre", precompile=True, check=check)
        linked = kernels(work / "pre", runs)
        folders = {"ours": work / "pre"}
        if upstream is not None and (work / "up" / "nvshmem_bindings.py").is_file():
            folders["upstream"] = work / "up"
        python = upstream or Path(sys.executable)
        imported = imports(folders, "nvshmem_bindings", python, runs)
    lines = [
        "## NVSHMEM device API (`python -m bench.nvshmem`)",
        "",
        f"- headers: {include}; {pre['callables']} bound callables; GPU Arch sm_90",
        f"- {os.cpu_count()} cores, load average {load:.2f} at start, "
        f"{os.getloadavg()[0]:.2f} at end; medians of {runs} fresh processes after a warm-up "
        "(precompile and --check: one run)",
        "",
        "| generate (whole process) | median wall s | median CPU s | peak RSS MB |",
        "|---|---:|---:|---:|",
        *(f"| {name} | {_cell(value)} |" for name, value in gen.items()),
        f"| ours, with glue precompile (in-process, one run) | {pre['wall']:.1f} | "
        f"| {pre['rss']:.0f} |",
    ]
    up = gen.get("upstream numbast 0.10.1")
    ours = gen["ours, --no-precompile"]
    if isinstance(up, tuple) and isinstance(ours, tuple):
        lines.append(
            f"| ratio ours (--no-precompile) / upstream (target <= 0.4) | {ours[0] / up[0]:.2f} "
            f"| {ours[1] / up[1]:.2f} | {ours[2] / up[2]:.2f} |"
        )
    names = ("parse", "plan", "glue", "render", "write")
    lines += [
        "",
        "| stage split (s, one run) | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
        "| --no-precompile | " + " | ".join(f"{plain['stages'][n]:.2f}" for n in names) + " |",
        "| with precompile | " + " | ".join(f"{pre['stages'][n]:.2f}" for n in names) + " |",
        "",
        "| run time (CPU, sm_90, fresh process) | median s | target |",
        "|---|---:|---|",
        f"| first kernel, one binding (`nvshmem_my_pe`), compile+link | {linked['first']:.2f} "
        "| <= 2 s |",
        f"| second kernel (`nvshmem_n_pes`), compile+link | {linked['second']:.2f} | |",
        f"| second kernel, link only | {linked['second_link']:.2f} | <= 0.2 s |",
        *(
            f"| import {name} (bytecode cached, over numba.cuda) | {r['s']:.3f} | |"
            for name, r in imported.items()
        ),
    ]
    if check:
        lines.append(
            f"| `--check` of the whole module ({pre['check_ok']}/{pre['check_total']} ok) "
            f"| {pre['check']:.0f} | <= 600 s |"
        )
    return lines


_IMPORT = """
import importlib.util, sys, time, types
path, stub = sys.argv[1], sys.argv[2] == "1"
if stub:  # nvshmem4py's module imports its host library first: not what is timed
    for name in ("nvshmem", "nvshmem.core"):
        sys.modules[name] = types.ModuleType(name)
    sys.modules["nvshmem"].core = sys.modules["nvshmem.core"]
import numba.cuda
t = time.perf_counter()
spec = importlib.util.spec_from_file_location("bench_nvshmem_module", path)
module = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = module
spec.loader.exec_module(module)
print(time.perf_counter() - t)
"""


def import_only(ours: Path, shipped: Path, runs: int) -> list[str]:
    """Median import time of the two modules (see the module docstring), a table."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    variants = {"ours": (ours, "0"), "upstream (nvshmem4py, shipped)": (shipped, "1")}
    samples: dict[str, list[float]] = {name: [] for name in variants}
    for i in range(runs + 1):  # the first round writes the bytecode
        for name, (path, stub) in variants.items():
            argv = [sys.executable, "-c", _IMPORT, str(path), stub]
            out = subprocess.run(argv, env=env, capture_output=True, text=True, check=True)
            if i:
                samples[name].append(float(out.stdout.split()[-1]))
    median = {name: statistics.median(v) for name, v in samples.items()}
    lines = [
        "| module | lines | import over numba.cuda, median s | samples (s) |",
        "|---|---:|---:|---|",
    ]
    for name, (path, _) in variants.items():
        n = len(path.read_text(encoding="utf-8").splitlines())
        shown = ", ".join(f"{v:.3f}" for v in samples[name])
        lines.append(f"| {name} | {n} | {median[name]:.3f} | {shown} |")
    ratio = median["ours"] / median["upstream (nvshmem4py, shipped)"]
    return [*lines, "", f"ratio ours / upstream: **{ratio:.2f}**"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path)
    parser.add_argument("--import-only", nargs=2, type=Path, metavar=("OURS", "SHIPPED"))
    default = os.environ.get("NUMBAST_UPSTREAM_PYTHON")
    parser.add_argument("--upstream-python", type=Path, default=default)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-check", action="store_true", help="skip the --check timing")
    args = parser.parse_args(argv)
    if args.import_only:
        print("\n".join(import_only(*args.import_only, args.runs)))
        return 0
    if args.root is None:
        parser.error("--root is required (or --import-only)")
    upstream = args.upstream_python
    if upstream is not None and not upstream.exists():
        parser.error(f"no upstream python at {upstream}")
    print("\n".join(run(args.root, upstream, args.runs, not args.no_check)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
