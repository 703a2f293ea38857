"""Run numba-cuda's own test files against its shipped ``_internal`` modules and against ours.

For issue 15: numba-cuda's tests of cuda_fp16/bf16/fp8 (shipped in its wheel) run twice, each
file in its own process: ``baseline`` (numba-cuda's shipped modules) and ``swapped`` (generated
modules loaded in their place by ``conformance.numba_cuda_swap``), under numba-cuda's pytest
setup (``conformance.numba_cuda_pytest``). Per file: passed/failed/skipped/error counts and the
ids of the tests that did not pass. Needs only numba-cuda, pytest and ``filecheck``::

    python -m conformance.numba_cuda_suite --modules DIR --out results.json
    python -m conformance.numba_cuda_suite --markdown results.json    # table for RESULTS.md

Each child loads ``conformance.numba_cuda_record``, which writes its outcomes as JSON.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from conformance.numba_cuda_probe import numba_cuda_package_dir
from conformance.numba_cuda_record import OPTION as RECORD_OPTION
from conformance.numba_cuda_record import OUTCOMES

HERE = Path(__file__).resolve().parent
INI = HERE / "numba_cuda_pytest.ini"
# Issue 15's files, relative to numba.cuda.tests.
FILES = (
    "cudapy/test_bfloat16_bindings.py",
    "cudapy/test_bfloat16.py",
    "cudapy/test_fp8_bindings.py",
    "cudapy/test_cupy_bfloat16_interop.py",
    "cudapy/test_intrinsics.py",
    "cudapy/test_math.py",
    "cudapy/test_casting.py",
    "cudapy/test_operator.py",
    "nocuda/test_function_resolution.py",
)
MODES = ("baseline", "swapped")


def child_command(test_file: str, record: Path, modules: Path | None, extra=()) -> list[str]:
    """The child command for one file in one mode (``modules`` None: the baseline)."""
    module = "numba.cuda.tests." + test_file.removesuffix(".py").replace("/", ".")
    tests = numba_cuda_package_dir() / "tests"  # test ids are relative to it
    command = [sys.executable, "-m", "pytest", "-c", str(INI), "--rootdir", str(tests)]
    command += ["-p", "no:cacheprovider", "-p", "conformance.numba_cuda_pytest"]
    command += ["-p", "conformance.numba_cuda_record", RECORD_OPTION, str(record)]
    if modules is not None:
        command += ["-p", "conformance.numba_cuda_swap", "--numbast-modules", str(modules)]
    return [*command, "-q", "-rN", *extra, "--pyargs", module]


def _last(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else "no output"


def run_file(test_file: str, mode: str, modules: Path | None, work: Path, extra=(), timeout=900):
    """Run one file in one mode in a child process: its counts, non-passing ids and messages."""
    record = work / f"{mode}-{test_file.replace('/', '-')}.json"
    record.unlink(missing_ok=True)
    command = child_command(test_file, record, modules if mode == "swapped" else None, extra)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE.parent), env.get("PYTHONPATH")]))
    env.pop("NUMBAST_SWAP_MODULES", None)  # the baseline must not be swapped by the environment
    started = time.perf_counter()
    try:
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=timeout, cwd=work
        )
        returncode, tail = done.returncode, (done.stdout + done.stderr)[-3000:]
    except subprocess.TimeoutExpired as expired:
        returncode, tail = None, f"timed out after {timeout} s: {str(expired.stdout)[-2000:]}"
    seconds = round(time.perf_counter() - started, 1)
    if not record.is_file():  # pytest stopped before the session finished (usage error, crash)
        last = _last(tail)
        return {
            "returncode": returncode,
            "seconds": seconds,
            "counts": {"error": 1},
            "not_passed": {test_file: f"pytest wrote no record: {last}"},
            "internal_modules": {},
            "tail": tail,
        }
    data = json.loads(record.read_text())
    stopped = returncode not in (0, 1, 5)  # 5: nothing collected; else pytest stopped early
    if stopped and not {"failed", "error"} & set(data["outcomes"].values()):
        data["outcomes"][test_file] = "error"
        data["messages"][test_file] = f"pytest exited {returncode}: " + _last(tail)
    counts = Counter(data["outcomes"].values())
    not_passed = {
        test: data["messages"].get(test, outcome)
        for test, outcome in sorted(data["outcomes"].items())
        if outcome in ("failed", "error", "xpassed")
    }
    return {
        "returncode": returncode,
        "seconds": seconds,
        "counts": {k: counts[k] for k in OUTCOMES if counts[k]},
        "not_passed": not_passed,
        "internal_modules": data["internal_modules"],
        "tail": tail if returncode not in (0, 1, 5) else "",
    }


def run_suite(
    modules: Path | None,
    files=FILES,
    modes=MODES,
    extra=(),
    work: Path | None = None,
    timeout: int = 900,
    progress=None,
) -> dict:
    """Every file in every mode; ``{"modes": {mode: {file: result}}, ...}``. ``progress`` is
    called with the results so far after each file."""
    if "swapped" in modes and modules is None:
        raise ValueError("the swapped mode needs --modules")
    work = Path(work or Path.cwd() / ".numba_cuda_suite")
    work.mkdir(parents=True, exist_ok=True)
    results: dict = {"modules": str(modules) if modules else None, "files": list(files)}
    results["environment"] = _environment()
    results["modes"] = {}
    for mode in modes:
        per_file = results["modes"].setdefault(mode, {})
        for test_file in files:
            per_file[test_file] = run_file(test_file, mode, modules, work, extra, timeout)
            if progress:
                progress(results, mode, test_file)
    return results


def _environment() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    found = {"python": sys.version.split()[0]}
    for package in ("numba-cuda", "numba", "numpy", "pytest", "filecheck", "cupy-cuda13x"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = None
    return found


# ---- rendering -----------------------------------------------------------------------------------


def _cell(result: dict | None) -> str:
    if result is None:
        return "not run"
    counts = result["counts"]
    return " / ".join(str(counts.get(k, 0)) for k in ("passed", "failed", "skipped", "error"))


def markdown(results: dict) -> str:
    """A per-file table of both modes and the list of tests that pass only on the baseline."""
    modes = [m for m in MODES if m in results["modes"]]
    header = "| file | " + " | ".join(f"{m} passed / failed / skipped / error" for m in modes)
    lines = [header + " |", "|---|" + "---|" * len(modes)]
    totals = {m: Counter() for m in modes}
    for test_file in results["files"]:
        cells = []
        for mode in modes:
            result = results["modes"][mode].get(test_file)
            totals[mode].update(result["counts"] if result else {})
            cells.append(_cell(result))
        lines.append(f"| `{test_file}` | " + " | ".join(cells) + " |")
    lines.append("| **total** | " + " | ".join(_cell({"counts": totals[m]}) for m in modes) + " |")
    env = results.get("environment", {})
    lines += ["", "Environment: " + ", ".join(f"{k} {v}" for k, v in env.items() if v) + "."]
    if "swapped" in modes and results.get("modules"):
        ours = Path(results["modules"])
        not_ours = [
            f"`{test_file}` ({module}: {', '.join(paths)})"
            for test_file, result in results["modes"]["swapped"].items()
            for module, paths in result["internal_modules"].items()
            if any(Path(p).parent != ours for p in paths)
        ]
        lines += [
            "",
            "Swapped runs that loaded a module not from the generated folder: "
            + ("; ".join(not_ours) if not_ours else "none")
            + ".",
        ]
    if set(modes) == set(MODES):
        regressions = []
        for test_file in results["files"]:
            base = results["modes"]["baseline"].get(test_file)
            ours = results["modes"]["swapped"].get(test_file)
            if base is None or ours is None:
                continue
            for test, message in ours["not_passed"].items():
                if test not in base["not_passed"]:
                    regressions.append(f"- `{test}`: {message}")
        lines += [
            "",
            f"Tests that do not pass with our modules but do with numba-cuda's "
            f"({len(regressions)}):",
            "",
            *(regressions or ["- none"]),
        ]
    return "\n".join(lines) + "\n"


def merge(runs: list[dict]) -> dict:
    """One results document from runs of different modes (e.g. two GPU commands)."""
    merged = {**runs[0], "modes": {}}
    for run in runs:
        merged["modes"].update(run["modes"])
        merged["files"] = list(dict.fromkeys([*merged["files"], *run["files"]]))
    return merged


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance.numba_cuda_suite")
    parser.add_argument("--modules", type=Path, help="folder with our cuda_fp16/bf16/fp8.py")
    parser.add_argument("--out", type=Path, help="write the results as JSON here")
    parser.add_argument("--mode", choices=(*MODES, "both"), default="both")
    parser.add_argument(
        "--files",
        nargs="+",
        default=list(FILES),
        metavar="FILE",
        help="files relative to numba/cuda/tests (default: issue 15's nine)",
    )
    parser.add_argument("--work", type=Path, help="folder for the children's records")
    parser.add_argument(
        "--markdown",
        type=Path,
        nargs="+",
        metavar="RESULTS_JSON",
        help="print the markdown table of results files (their modes merged) and exit",
    )
    parser.add_argument("--pytest-args", default="", help="extra pytest arguments, e.g. '-n 4'")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per file and mode")
    args = parser.parse_args(argv)
    if args.markdown:
        sys.stdout.write(markdown(merge([json.loads(p.read_text()) for p in args.markdown])))
        return 0
    modes = MODES if args.mode == "both" else (args.mode,)
    if "swapped" in modes and args.modules is None:
        parser.error("--modules is required for the swapped mode")
    if numba_cuda_package_dir() is None:
        parser.error("numba-cuda is not installed in this Python")
    if importlib.util.find_spec("filecheck") is None:
        parser.error("numba-cuda's tests import filecheck: install it (pip install filecheck)")

    def progress(results, mode, test_file):
        result = results["modes"][mode][test_file]
        print(f"{mode:9} {test_file:40} {_cell(result):>20}  {result['seconds']} s", flush=True)
        if args.out:  # after every file: a run cut short still leaves its results
            args.out.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")

    results = run_suite(
        args.modules.resolve() if args.modules else None,
        args.files,
        modes,
        args.pytest_args.split(),
        args.work,
        args.timeout,
        progress,
    )
    sys.stdout.write(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
