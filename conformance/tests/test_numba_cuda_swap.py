"""numba-cuda with its own ``_internal`` bindings swapped for ours (issue 15), on the CPU.

numba-cuda's three configs are run unchanged from its ``site-packages`` (as upstream Numbast
runs them); the modules they generate are loaded as ``numba.cuda._internal.cuda_fp16/bf16/fp8``
in a child process, then numba-cuda's wrappers are imported and kernels compiled for sm_90.
Every check also runs on numba-cuda's shipped modules (``shipped``): that control proves the
probe itself works, so an ``ours`` failure is about our modules.

``xfail(strict=True)`` marks what our generator does not do yet, naming the missing feature;
when it lands the test passes, strict turns that into a failure, and the mark must go.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conformance import numba_cuda_probe
from conformance.numba_cuda_swap import MODULES, PACKAGE, WRAPPERS, SwapError, swap_in

from .numba_cuda_helpers import REPO, child_env, generate

# What numba-cuda's wrappers and binding tests import from _internal that ours lacks today, and
# the probes ours fails, with the missing feature named (none since issue 15's generator side).
KNOWN_MISSING: dict[tuple[str, str], str] = {}
EXPECTED_FAILURES: dict[str, str] = {}

needs_numba_cuda = pytest.mark.skipif(
    numba_cuda_probe.numba_cuda_package_dir() is None, reason="numba-cuda is not installed"
)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    return generate(tmp_path_factory.mktemp("numba_cuda_modules"))


def _probe(modules: Path | None) -> dict:
    command = [sys.executable, "-m", "conformance.numba_cuda_probe", "all", "--cc", "9.0"]
    if modules is not None:
        command += ["--modules", str(modules)]
    done = subprocess.run(command, env=child_env(), capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def probed(generated) -> dict[str, dict]:
    """Every probe, once on numba-cuda's shipped modules and once on ours (two processes)."""
    return {"shipped": _probe(None), "ours": _probe(generated)}


def _modes(probe: str):
    """``shipped`` (the control, must pass) and ``ours`` (xfail while the feature is missing)."""
    reason = EXPECTED_FAILURES.get(probe)
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    ours = pytest.param("ours", marks=marks)
    return pytest.mark.parametrize("mode", ["shipped", ours])


def _check_swap(report: dict, mode: str, generated: Path) -> None:
    """The modules numba-cuda used are the ones the mode says (ours all came from our folder)."""
    in_use = report["in_use"]
    assert sorted(in_use) == sorted(MODULES), in_use
    for path in in_use.values():
        assert (Path(path).parent == generated) == (mode == "ours"), in_use


@needs_numba_cuda
@_modes("imports")
def test_numba_cuda_wrappers_import(probed, generated, mode):
    report = probed[mode]
    _check_swap(report, mode, generated)
    assert report["result"]["imports"] == {"fp16": "ok", "bf16": "ok", "fp8": "ok"}


@needs_numba_cuda
@_modes("fp16-kernel")
def test_fp16_hadd_hmul_kernel_compiles_for_sm_90(probed, generated, mode):
    report = probed[mode]
    _check_swap(report, mode, generated)
    result = report["result"]["fp16-kernel"]
    assert result["ok"], result["error"]
    assert len(result["codes"]) >= 2  # the kernel's LTO-IR and the C++ it links


@needs_numba_cuda
@_modes("bf16-kernel")
def test_bf16_hadd_with_bfloat16_constructor_compiles_for_sm_90(probed, generated, mode):
    report = probed[mode]
    _check_swap(report, mode, generated)
    result = report["result"]["bf16-kernel"]
    assert result["ok"], result["error"]
    assert len(result["codes"]) >= 2


def _imported_names() -> list:
    """One parameter per (module, name) numba-cuda's wrappers and binding tests import."""
    files = numba_cuda_probe.WRAPPER_FILES + numba_cuda_probe.TEST_FILES
    params = []
    for module, names in numba_cuda_probe.imported_names(files).items():
        for name, users in names.items():
            reason = KNOWN_MISSING.get((module, name))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            params.append(pytest.param(module, name, users, marks=marks, id=f"{module}.{name}"))
    return params or [pytest.param("", "", [], marks=pytest.mark.skip("numba-cuda not found"))]


@needs_numba_cuda
def test_imported_names_are_parsed_from_numba_cuda():
    names = numba_cuda_probe.imported_names()
    assert set(names) == set(MODULES)  # the three wrappers import from all three modules
    assert {"typing_registry", "target_registry", "__half", "__hadd"} <= set(names["cuda_fp16"])
    assert "nv_bfloat16" in names["cuda_bf16"]
    assert names["cuda_fp16"]["__hadd"] == ["fp16.py"]


@needs_numba_cuda
@pytest.mark.parametrize(("module", "name", "users"), _imported_names())
def test_name_numba_cuda_imports_exists_in_ours_with_the_same_meaning(probed, module, name, users):
    shipped = probed["shipped"]["result"]["names"][module][name]
    ours = probed["ours"]["result"]["names"][module][name]
    assert shipped is not None, f"numba-cuda's own {module} lacks {name}"
    assert ours is not None, f"our {module} lacks {name} (imported by {', '.join(users)})"
    assert ours == shipped  # same kind; same Numba type, same enum members


# ---- the swap utility itself (no generator needed) ------------------------------------------


def _stub_modules(folder: Path) -> Path:
    folder.mkdir()
    for name in MODULES:
        (folder / f"{name}.py").write_text(f"STUB = {name!r}\n")
    return folder


def test_swap_refuses_a_missing_file(tmp_path):
    with pytest.raises(SwapError, match=r"not found: .*cuda_bf16\.py"):
        swap_in(tmp_path, ("cuda_bf16",))


@pytest.fixture
def not_yet_imported(monkeypatch):
    """This process as if numba-cuda had not imported its wrappers and modules yet (other tests
    in it may have compiled kernels); sys.modules is restored afterwards."""
    for name in (*WRAPPERS, *(f"{PACKAGE}.{m}" for m in MODULES)):
        monkeypatch.delitem(sys.modules, name, raising=False)


@pytest.mark.usefixtures("not_yet_imported")
def test_swap_refuses_once_numba_cuda_imported_its_wrappers(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "numba.cuda.fp16", object())
    with pytest.raises(SwapError, match=r"too late to swap: numba\.cuda\.fp16 already imported"):
        swap_in(_stub_modules(tmp_path / "m"))


@needs_numba_cuda
@pytest.mark.usefixtures("not_yet_imported")
def test_swap_reports_a_module_that_fails_to_import_and_leaves_no_trace(tmp_path):
    (tmp_path / "cuda_fp16.py").write_text("raise RuntimeError('broken on purpose')\n")
    with pytest.raises(SwapError, match=r"cuda_fp16\.py failed to import: RuntimeError: broken"):
        swap_in(tmp_path, ("cuda_fp16",))
    assert "numba.cuda._internal.cuda_fp16" not in sys.modules


PLUGIN_TEST = """
import sys

def test_where_internal_modules_come_from():
    import numba.cuda.fp16, numba.cuda.bf16, numba.cuda.fp8  # as numba-cuda's target context
    print("SOURCES", [getattr(sys.modules["numba.cuda._internal." + n], "STUB", "shipped")
                      for n in ("cuda_fp16", "cuda_bf16", "cuda_fp8")])
"""


@needs_numba_cuda
# one way in the fast tier; the other two (another subprocess pytest each) in the slow one
@pytest.mark.parametrize("how", [pytest.param("option", marks=pytest.mark.slow), "env",
                                 pytest.param("none", marks=pytest.mark.slow)])  # fmt: skip
def test_pytest_plugin_swaps_before_tests_import_numba_cuda(tmp_path, how):
    stubs = _stub_modules(tmp_path / "stubs")
    (tmp_path / "test_probe.py").write_text(PLUGIN_TEST)
    env = child_env()
    env.pop("NUMBAST_SWAP_MODULES", None)
    command = [sys.executable, "-m", "pytest", "-p", "conformance.numba_cuda_swap", "-s"]
    command += ["-p", "no:cacheprovider", "--rootdir", str(tmp_path), str(tmp_path)]
    if how == "option":
        command += ["--numbast-modules", str(stubs)]
    elif how == "env":
        env["NUMBAST_SWAP_MODULES"] = str(stubs)
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=tmp_path)
    out = done.stdout
    if how == "none":
        # the stubs are not importable as numba-cuda's: only the baseline imports cleanly
        assert done.returncode == 0, out + done.stderr
        assert "SOURCES ['shipped', 'shipped', 'shipped']" in out
        assert "numbast swap: none (numba-cuda's shipped modules)" in out
        return
    # the wrapper's `from ..._internal.cuda_fp16 import typing_registry` hits our stub
    assert done.returncode == 1, out + done.stderr
    assert "cannot import name 'typing_registry' from 'numba.cuda._internal.cuda_fp16'" in out
    for name in MODULES:
        assert f"numbast swap: numba.cuda._internal.{name} <- {stubs / name}.py" in out
    assert f"'cuda_fp16: {stubs / 'cuda_fp16.py'}'" in out  # the summary of modules in use


def test_swap_plugin_option_naming_a_missing_folder_is_a_usage_error(tmp_path):
    command = [sys.executable, "-m", "pytest", "-p", "conformance.numba_cuda_swap", "-q"]
    command += ["-p", "no:cacheprovider", "--numbast-modules", str(tmp_path / "nope"), "--co"]
    done = subprocess.run(command, env=child_env(), capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 4, done.stdout + done.stderr  # pytest's usage error
    assert "numbast swap: generated module(s) not found:" in done.stderr
