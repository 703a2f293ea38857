"""The runner of numba-cuda's own tests (conformance.numba_cuda_suite), its pytest setup and its
outcome recorder, on the CPU. The GPU run itself happens on the GPU machine."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conformance import numba_cuda_suite
from conformance.numba_cuda_probe import numba_cuda_package_dir

from .numba_cuda_helpers import child_env, generate

SYNTHETIC = """
import pytest

@pytest.fixture
def broken():
    raise RuntimeError("setup broke")

def test_passes():
    pass

def test_fails():
    assert 1 == 2, "one is not two"

def test_skips():
    pytest.skip("not here")

def test_setup_error(broken):
    pass

@pytest.mark.xfail(reason="known")
def test_xfails():
    raise ValueError("known")

@pytest.mark.xfail(reason="known", strict=False)
def test_xpasses():
    pass
"""


def _pytest(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--rootdir", str(tmp_path)]
    return subprocess.run(
        [*command, *args], env=child_env(), capture_output=True, text=True, cwd=tmp_path
    )


def test_recorder_writes_every_outcome_and_the_failure_line(tmp_path):
    (tmp_path / "test_synthetic.py").write_text(SYNTHETIC)
    record = tmp_path / "record.json"
    _pytest(tmp_path, "-p", "conformance.numba_cuda_record", "--numbast-record", str(record))
    data = json.loads(record.read_text())
    assert data["outcomes"] == {
        "test_synthetic.py::test_passes": "passed",
        "test_synthetic.py::test_fails": "failed",
        "test_synthetic.py::test_skips": "skipped",
        "test_synthetic.py::test_setup_error": "error",
        "test_synthetic.py::test_xfails": "xfailed",
        "test_synthetic.py::test_xpasses": "xpassed",
    }
    assert data["messages"] == {
        "test_synthetic.py::test_fails": "AssertionError: one is not two",
        "test_synthetic.py::test_setup_error": "RuntimeError: setup broke",
    }
    assert data["exitstatus"] == 1


def test_recorder_names_a_collection_error_or_a_skipped_module_by_its_file(tmp_path):
    (tmp_path / "test_broken_import.py").write_text("import no_such_module_here\n")
    skip = "import pytest\npytest.skip('no cupy', allow_module_level=True)\n"
    (tmp_path / "test_skipped_module.py").write_text(skip)
    record = tmp_path / "record.json"
    _pytest(tmp_path, "-p", "conformance.numba_cuda_record", "--numbast-record", str(record))
    data = json.loads(record.read_text())
    assert data["outcomes"] == {
        "test_broken_import.py": "error",
        "test_skipped_module.py": "skipped",
    }
    assert "No module named 'no_such_module_here'" in data["messages"]["test_broken_import.py"]


WORKER_LOADS = """
import sys, types

def test_loads_a_module_in_this_process():
    module = types.ModuleType("numba.cuda._internal.cuda_fp16")
    module.__file__ = "/elsewhere/cuda_fp16.py"
    sys.modules[module.__name__] = module
"""


@pytest.mark.slow  # a pytest -n 2 in a subprocess: two more numba-cuda imports
def test_recorder_under_xdist_sees_what_the_workers_loaded(tmp_path):
    pytest.importorskip("xdist")
    (tmp_path / "test_worker.py").write_text(WORKER_LOADS)
    record = tmp_path / "record.json"
    args = ["-p", "conformance.numba_cuda_record", "--numbast-record", str(record), "-n", "2"]
    done = _pytest(tmp_path, *args)
    assert done.returncode == 0, done.stdout
    data = json.loads(record.read_text())
    assert data["outcomes"] == {"test_worker.py::test_loads_a_module_in_this_process": "passed"}
    assert data["internal_modules"] == {"cuda_fp16": ["/elsewhere/cuda_fp16.py"]}


NUMBA_CUDA_STYLE = """
import unittest
import warnings
import pytest

@pytest.mark.usefixtures("initialize_from_pytest_config")
class TestLikeCUDATestCase(unittest.TestCase):
    def test_option_reaches_the_class(self):
        print("DUMP", self._dump_failed_filechecks)

    def test_performance_warnings_are_ignored(self):
        from numba.cuda.core.errors import NumbaPerformanceWarning
        warnings.warn("few threads", NumbaPerformanceWarning)

    def test_other_warnings_are_errors(self):
        warnings.warn("something else", UserWarning)
"""


@pytest.mark.skipif(numba_cuda_package_dir() is None, reason="numba-cuda is not installed")
@pytest.mark.parametrize("dump", [pytest.param(False, marks=pytest.mark.slow), True])
def test_numba_cuda_pytest_setup(tmp_path, dump):
    (tmp_path / "test_style.py").write_text(NUMBA_CUDA_STYLE)
    args = ["-c", str(numba_cuda_suite.INI), "-p", "conformance.numba_cuda_pytest", "-s", "-rA"]
    done = _pytest(tmp_path, *args, *(["--dump-failed-filechecks"] if dump else []))
    out = done.stdout
    assert f"DUMP {dump}" in out, out
    tests = "test_style.py::TestLikeCUDATestCase"
    assert f"PASSED {tests}::test_performance_warnings_are_ignored" in out
    assert f"FAILED {tests}::test_other_warnings_are_errors" in out
    assert "UserWarning: something else" in out
    assert "1 failed, 2 passed" in out


def test_markdown_table_and_the_tests_that_fail_only_with_ours():
    def result(counts, not_passed, served="/ours"):
        return {
            "counts": counts,
            "not_passed": not_passed,
            "internal_modules": {"cuda_fp16": [f"{served}/cuda_fp16.py"]},
        }

    results = {
        "modules": "/ours",
        "files": ["a.py", "b.py"],
        "environment": {"numba-cuda": "0.30.4", "cupy-cuda13x": None},
        "modes": {
            "baseline": {
                "a.py": result({"passed": 3}, {}, "/site"),
                "b.py": result({"passed": 1, "failed": 1}, {"b.py::t2": "E: base"}, "/site"),
            },
            "swapped": {
                "a.py": result({"passed": 2, "failed": 1}, {"a.py::t1": "ImportError: x"}),
                "b.py": result({"passed": 1, "failed": 1}, {"b.py::t2": "E: base"}, "/site"),
            },
        },
    }
    text = numba_cuda_suite.markdown(results)
    assert "| `a.py` | 3 / 0 / 0 / 0 | 2 / 1 / 0 / 0 |" in text
    assert "| `b.py` | 1 / 1 / 0 / 0 | 1 / 1 / 0 / 0 |" in text
    assert "| **total** | 4 / 1 / 0 / 0 | 3 / 2 / 0 / 0 |" in text
    assert "Environment: numba-cuda 0.30.4." in text
    assert "but do with numba-cuda's (1):\n\n- `a.py::t1`: ImportError: x\n" in text
    swap_line = "not from the generated folder: `b.py` (cuda_fp16: /site/cuda_fp16.py)."
    assert swap_line in text


def test_markdown_merges_runs_of_each_mode():
    def run(mode):
        counts = {"passed": 1}
        served = {"cuda_fp16": ["/ours/cuda_fp16.py"]}
        result = {"counts": counts, "not_passed": {}, "internal_modules": served}
        return {"modules": "/ours", "files": ["a.py"], "modes": {mode: {"a.py": result}}}

    merged = numba_cuda_suite.merge([run("baseline"), run("swapped")])
    assert set(merged["modes"]) == {"baseline", "swapped"}
    text = numba_cuda_suite.markdown(merged)
    assert "| `a.py` | 1 / 0 / 0 / 0 | 1 / 0 / 0 / 0 |" in text
    assert "(0):\n\n- none\n" in text


# ---- the runner, end to end, on the numba-cuda test file that needs no GPU ---------------------

FUNCTION_RESOLUTION = "nocuda/test_function_resolution.py"


@pytest.fixture(scope="module")
def suite_results(tmp_path_factory) -> dict:
    pytest.importorskip("filecheck", reason="numba-cuda's tests import filecheck (PyPI)")
    modules = generate(tmp_path_factory.mktemp("numba_cuda_modules"))
    work = tmp_path_factory.mktemp("suite")
    return numba_cuda_suite.run_suite(modules, files=(FUNCTION_RESOLUTION,), work=work)


def test_runner_baseline_runs_numba_cuda_tests_on_its_shipped_modules(suite_results):
    baseline = suite_results["modes"]["baseline"][FUNCTION_RESOLUTION]
    assert baseline["not_passed"] == {}, baseline
    assert baseline["counts"]["passed"] >= 2, baseline
    shipped = numba_cuda_package_dir() / "_internal"
    served = baseline["internal_modules"]
    assert {Path(p).parent for paths in served.values() for p in paths} == {shipped}


def test_runner_swapped_runs_numba_cuda_tests_on_our_modules(suite_results):
    swapped = suite_results["modes"]["swapped"][FUNCTION_RESOLUTION]
    modules = Path(suite_results["modules"])
    assert swapped["internal_modules"], swapped  # numba-cuda's tests did load them
    served = swapped["internal_modules"]
    assert {Path(p).parent for paths in served.values() for p in paths} == {modules}
    assert sum(swapped["counts"].values()) >= 2  # its tests ran (whatever their outcome)


@pytest.mark.xfail(
    strict=True,
    reason="our cuda_fp16 does not export `__half`, so numba-cuda's typing context fails to "
    "import numba.cuda.fp16 (issue 15, item 3)",
)
def test_runner_swapped_passes_what_the_baseline_passes(suite_results):
    swapped = suite_results["modes"]["swapped"][FUNCTION_RESOLUTION]
    baseline = suite_results["modes"]["baseline"][FUNCTION_RESOLUTION]
    assert swapped["not_passed"] == {}, swapped["not_passed"]
    assert swapped["counts"] == baseline["counts"]
