"""The numba-cuda-mlir backend end to end, on the CPU, in numba-cuda-mlir's own venv
(``nox -s mlir``): every conformance header, the docs' example header and the generator's
feature headers generate for the backend, import without numba, and every bound callable
compiles and links for sm_90 (the glue's LTO-IR linked into a cubin by nvJitLink)."""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
from pathlib import Path

import pytest

pytest.importorskip("numba_cuda_mlir", reason="runs in numba-cuda-mlir's venv (nox -s mlir)")

from numbast_core import generate, load_config
from numbast_core.check import import_module_from_path
from numbast_core.check_mlir import check_module, without_gpu

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "packages" / "numbast_core" / "tests" / "data"
CONFORMANCE = sorted((ROOT / "conformance" / "configs").glob("*.yml"))
FEATURES = [
    ROOT / "docs" / "examples" / "minimal.yml",  # the docs' example header (mylib.cuh)
    DATA / "nbt_funcs.yml",
    DATA / "nbt_separate.yml",
    DATA / "structs" / "nbt_structs.yml",
    DATA / "structs" / "nbt_structs_separate.yml",
    DATA / "primitive" / "nbt_primitive.yml",
]
# glue that NVRTC cannot compile, by design (nbt_funcs.cuh): it fails alone, as in numba-cuda
EXPECTED_FAILURES = {"broken"}


def _generate(config_path: Path, out: Path):
    config = dataclasses.replace(load_config(config_path), backend="numba-cuda-mlir")
    return generate(config, out, format=False)


def test_this_venv_has_no_numba():
    assert importlib.util.find_spec("numba") is None
    assert importlib.util.find_spec("llvmlite") is None


@pytest.mark.parametrize("config_path", CONFORMANCE + FEATURES, ids=lambda p: p.stem)
def test_every_bound_callable_compiles_and_links(config_path, tmp_path):
    result = _generate(config_path, tmp_path)
    report = check_module(result.path, result.plan, "sm_90")
    callables = [c for c in result.plan.callables()]
    assert len(report.results) == len(callables) > 0
    failed = {r.python_name: r.error for r in report.failed}
    assert set(failed) <= EXPECTED_FAILURES, failed
    for error in failed.values():
        assert "does not compile for sm_90" in error
    assert not [m for m in sys.modules if m.split(".")[0] in ("numba", "llvmlite")]


@pytest.fixture(scope="module")
def structs(tmp_path_factory):
    result = _generate(DATA / "structs" / "nbt_structs.yml", tmp_path_factory.mktemp("s"))
    with without_gpu((9, 0)):
        yield import_module_from_path(result.path)


def _compile(module, source, argtypes):
    """Compile+link ``def k(...)`` written against the module's globals; "" or the error."""
    from numba_cuda_mlir import cuda

    env = dict(vars(module))
    exec(source, env)
    with without_gpu((9, 0)):
        try:
            cuda.compile_cubin(cuda.jit(env["k"], lto=True), argtypes, cc=(9, 0))
        except Exception as error:
            return f"{type(error).__name__}: {error}"
    return ""


def test_the_glue_is_really_linked(structs, monkeypatch):
    """With the glue's LTO-IR replaced by an empty program, linking fails on the shim."""
    from numba_cuda_mlir import cuda

    src = "def k(o, x):\n    o[0] = Vec(x).norm2()\n"
    args = (structs.types.CPointer(structs.types.float32), structs.types.float32)
    assert _compile(structs, src, args) == ""
    monkeypatch.setattr(structs._glue, "linkable", lambda shim, what: cuda.CUSource("// none"))
    error = _compile(structs, src, args)
    assert "__numbast_nbt_structs_bindings_" in error  # the undefined shim symbol


@pytest.mark.parametrize(
    "source",
    [
        "def k(o, x):\n    v = Vec(x)\n    v.x = 2.0\n    v.inner.k = 3\n    o[0] = v.inner.k\n",
        "def k(o, x):\n    v = Vec(x)\n    v.scale(2.0)\n    o[0] = v.x\n",
        "def k(o, x):\n    v = Vec(x)\n    if x > 1:\n        v.scale(2.0)\n    o[0] = v.x\n",
        "def k(o, x):\n    a = Acc(x)\n    a[1] = 5.0\n    n = a.take(2)\n    o[0] = n\n",
        "def k(o, x):\n    v = Vec(x)\n    v += Vec(1.0)\n    o[0] = (v - Vec(x)).x\n",
        "def k(o, x):\n    o[0] = make_acc(1).total() + (Vec(2) * 3).x + Vec(x).dot(Vec(2))\n",
    ],
    ids=["fields", "method", "branch", "setitem", "inplace", "converted-arguments"],
)
def test_writes_compile(structs, source):
    types = structs.types
    assert _compile(structs, source, (types.CPointer(types.float32), types.float32)) == ""


def test_writing_a_temporary_is_refused_with_a_clear_error(structs):
    types = structs.types
    source = "def k(o, x):\n    Vec.make(x).scale(2.0)\n"
    error = _compile(structs, source, (types.CPointer(types.float32), types.float32))
    assert "cannot call 'scale' of a temporary struct value" in error


@pytest.mark.parametrize("header", ["cuda_fp4", "cuda_bf16"])
def test_gpu_tier_kernels_compile_for_the_mlir_modules(header, tmp_path, monkeypatch):
    """The conformance GPU tier's Numba kernels, built for numba-cuda-mlir modules (what the
    GPU machine runs), compile and link for sm_90 here."""
    monkeypatch.syspath_prepend(str(ROOT))
    from numba_cuda_mlir import cuda

    from conformance import gpu_harness as h
    from conformance.gpu_tier import import_module
    from conformance.pregenerate import pregenerate

    manifest = pregenerate(tmp_path, "sm_90", [header], "numba-cuda-mlir")
    assert manifest["backend"] == "numba-cuda-mlir"
    info = manifest["headers"][header]
    assert info["callables"]
    with without_gpu((9, 0)):
        module = import_module(tmp_path, info["module"])
        for entry in info["callables"]:
            for choice in h.enum_choices(entry):
                kernel = h.numba_kernel(module, entry, choice, "numba-cuda-mlir")
                signature = h.numba_signature(entry, "numba-cuda-mlir")
                assert cuda.compile_cubin(cuda.jit(kernel, lto=True), signature, cc=(9, 0))


def test_cli_generate_check_with_the_mlir_backend(tmp_path):
    import re
    import subprocess

    config = ROOT / "conformance" / "configs" / "cuda_fp4.yml"
    command = [sys.executable, "-m", "numbast", "generate", str(config), "-o", str(tmp_path)]
    done = subprocess.run(
        [*command, "--backend", "numba-cuda-mlir", "--check"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    found = re.search(r"check: (\d+) of (\d+) callables compile and link \(sm_90\)", done.stderr)
    assert found and found.group(1) == found.group(2) != "0", done.stderr
    assert "from numba_cuda_mlir import" in (tmp_path / "cuda_fp4.py").read_text()
