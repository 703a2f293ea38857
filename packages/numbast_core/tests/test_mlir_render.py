"""The numba-cuda-mlir renderer, text-level (numba_cuda_mlir is not imported here: the modules
are compiled and linked by tests_mlir/, in numba-cuda-mlir's own venv)."""

from __future__ import annotations

import ast
import builtins
import dataclasses
import re
import subprocess
import sys
from pathlib import Path

import pytest
from numbast_core import generate, load_config, mlir_runtime
from numbast_core.plan.names import RESERVED_NAMES
from numbast_core.plan.refs import Vector
from numbast_core.render import mlir_module, runtime_features

ROOT = Path(__file__).resolve().parents[3]
DATA = Path(__file__).resolve().parent / "data"
FUNCS = DATA / "nbt_funcs.yml"
STRUCTS = DATA / "structs" / "nbt_structs.yml"
FP8 = ROOT / "conformance" / "configs" / "cuda_fp8.yml"
MLIR = "numba-cuda-mlir"


def _generate(config_path: Path, out: Path, backend: str = MLIR):
    config = dataclasses.replace(load_config(config_path), backend=backend)
    return generate(config, out, format=False, precompile=False)


def _imported_roots(text: str) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            roots |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.fixture(scope="module")
def funcs_text(tmp_path_factory):
    return _generate(FUNCS, tmp_path_factory.mktemp("mlir")).path.read_text()


@pytest.fixture(scope="module")
def structs_text(tmp_path_factory):
    return _generate(STRUCTS, tmp_path_factory.mktemp("mlir")).path.read_text()


def test_modules_import_numba_cuda_mlir_and_never_numba(funcs_text, structs_text):
    # the config's Additional Import (math, fractions) comes along; cuda is cuda-python (NVRTC)
    allowed = set(sys.stdlib_module_names) | {"numba_cuda_mlir", "cuda"}
    for text in (funcs_text, structs_text):
        roots = _imported_roots(text)
        assert "numba_cuda_mlir" in roots
        assert not roots & {"numba", "llvmlite"}
        assert roots <= allowed, roots - allowed


def test_the_backend_choice_selects_the_renderer(tmp_path):
    default = _generate(FUNCS, tmp_path / "a", backend="numba-cuda").path.read_text()
    assert {"numba", "llvmlite"} <= _imported_roots(default)
    assert "numba_cuda_mlir" not in _imported_roots(default)


def test_same_data_rows_as_the_numba_cuda_backend(tmp_path, funcs_text):
    """One plan, two renderers: the overload rows and the glue are the same text."""
    default = _generate(FUNCS, tmp_path / "b", backend="numba-cuda").path.read_text()
    rows = re.compile(r"^\s*\('__numbast_.*\),$", re.M)
    assert rows.findall(funcs_text) == rows.findall(default)
    glue = re.compile(r"^\s+\"__numbast_\w+\": '.*',$", re.M)
    assert glue.findall(funcs_text) == glue.findall(default)


def test_module_is_deterministic(tmp_path):
    first = _generate(FUNCS, tmp_path / "c").path.read_text()
    assert _generate(FUNCS, tmp_path / "d").path.read_text() == first
    assert str(tmp_path) not in first


def test_every_feature_of_the_plan_is_rendered(funcs_text, structs_text):
    assert "'nbt_accumulate', None, (_ptr(types.int32), _in(types.int32), )" in funcs_text
    assert "_out(types.int32)" in funcs_text  # out_return
    assert "class color(_pyenum.IntEnum):" in funcs_text  # enums
    assert "count_t = types.int32  # C++ typedef" in funcs_text  # typedefs
    assert "setup=lambda mod: None" in funcs_text  # module callbacks
    assert re.search(r"'nbt_grid_reduce_like', types\.int32, .*, True\),", funcs_text)
    assert "_struct_type('Vec', 'geo::Vec'" in structs_text  # structs: data model
    assert "_bind_struct(_registries, _glue, _type_Vec, Vec," in structs_text
    assert "('scale', [" in structs_text and "_inout(_type_Vec)" in structs_text  # mutation
    assert "_operators(_registries, _glue, {" in structs_text
    assert "setitem=[" in structs_text  # v[i] = x through T& operator[]
    assert structs_text.rstrip().endswith("]")  # __all__ last
    assert "_registries.refresh()" in structs_text


def test_runtime_sections_are_only_those_used(tmp_path):
    result = _generate(DATA / "primitive" / "nbt_primitive.yml", tmp_path)
    text = result.path.read_text()
    used = runtime_features(result.plan)
    for section in mlir_runtime.SECTIONS:
        heading = re.compile(rf"^# ---- runtime section.*: {section} \(", re.M)
        assert bool(heading.search(text)) == (section in used), section
    assert "class _Glue:" in text  # the glue section is the numba-cuda backend's
    with pytest.raises(ValueError, match="unknown runtime sections"):
        mlir_runtime.runtime_text({"nope"})


def test_the_runtime_names_and_builtins_it_reads_are_reserved_for_bindings():
    builtins_read = {
        node.id
        for section in ("core", "glue", "arch", *mlir_runtime.SECTIONS)
        for node in ast.walk(ast.parse(mlir_runtime._source(section)))
        if isinstance(node, ast.Name)
        and isinstance(node.ctx, ast.Load)
        and node.id in dir(builtins)
    }
    public = {n for n in mlir_runtime.runtime_names() if not n.startswith("_")}
    assert public <= RESERVED_NAMES
    assert builtins_read <= RESERVED_NAMES


def test_vector_conversions_are_skipped_with_the_reason(tmp_path):
    result = _generate(FP8, tmp_path)
    reasons = [s for s in result.plan.skipped if s.reason == mlir_module.VECTOR_CONVERSION]
    assert reasons  # cuda_fp8 converts to float2, __half2_raw, ...
    assert not any(isinstance(op.operator, Vector) for op in result.plan.operators)
    conversions = [t for st in result.plan.structs for t, _, _ in st.conversions]
    assert not any(isinstance(t, Vector) for t in conversions)
    default = _generate(FP8, tmp_path / "nc", backend="numba-cuda").plan
    assert any(isinstance(op.operator, Vector) for op in default.operators)


def test_cli_backend_option_and_inspect_notes(tmp_path):
    packages = ("ast_canopy", "numbast_core", "numbast_cli")
    env_path = ":".join(str(ROOT / "packages" / p / "src") for p in packages)
    run = [sys.executable, "-m", "numbast"]
    env = {"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [*run, "generate", str(FUNCS), "-o", str(tmp_path), "--backend", MLIR, "--no-precompile",
         "--no-format", "-q"],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "from numba_cuda_mlir import" in (tmp_path / "nbt_funcs_bindings.py").read_text()
    shown = subprocess.run(
        [*run, "inspect", str(FP8), "--backend", MLIR, "--only", "skipped"],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    assert "numba-cuda-mlir backend: conversions to CUDA vector types" in shown.stderr
    assert "a conversion to a CUDA vector type cannot be bound" in shown.stdout
