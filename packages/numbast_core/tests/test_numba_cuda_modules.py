"""Our modules generated from numba-cuda's own three configs, swapped in for numba-cuda's shipped
``numba.cuda._internal.cuda_fp16/bf16/fp8`` (a fresh process): numba-cuda's wrappers import
everything they need from them, and kernels using fp16, bfloat16 (constructors, casts, C++
operators from the separate registry) and fp8 (PrimitiveModel structs, enums of other headers
given as ``cuda.bindings`` IntEnum members) compile and link for sm_90 (issue 15)."""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
CONFIGS = HERE / "data" / "numba_cuda"
MODULES = ("cuda_fp16", "cuda_bf16", "cuda_fp8")


def _numba_cuda_root() -> Path:
    spec = importlib.util.find_spec("numba_cuda")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("numba-cuda is not installed")
    root = Path(next(iter(spec.submodule_search_locations))).parent
    if not (root / "numba_cuda" / "numba" / "cuda" / "include" / "13" / "cuda_fp8.h").is_file():
        pytest.skip("this numba-cuda wheel ships no CUDA headers under numba/cuda/include")
    return root


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """The three modules, generated from the unchanged configs with numba-cuda's root as the
    current directory (their paths are relative to it)."""
    import numbast_core

    root, out, before = _numba_cuda_root(), tmp_path_factory.mktemp("numba_cuda"), Path.cwd()
    os.chdir(root)
    try:
        for name in MODULES:
            numbast_core.generate(numbast_core.load_config(CONFIGS / f"{name}.yml"), out)
    finally:
        os.chdir(before)
    return out


@pytest.fixture(scope="module")
def swapped(generated, tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("swap") / "result.json"
    script = HERE / "_numba_cuda_swap_kernels.py"
    done = subprocess.run(
        [sys.executable, str(script), str(generated), str(out)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(out.read_text())


def _imported_names(wrapper: Path, module: str) -> list[str]:
    tree = ast.parse(wrapper.read_text())
    return [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == f"numba.cuda._internal.{module}"
        for alias in node.names
    ]


@pytest.mark.parametrize(("wrapper", "module"), [("fp16", "cuda_fp16"), ("bf16", "cuda_bf16"),
                                                  ("fp8", "cuda_fp8")])  # fmt: skip
def test_every_name_the_wrappers_import_is_exported(generated, wrapper, module):
    path = _numba_cuda_root() / "numba_cuda" / "numba" / "cuda" / f"{wrapper}.py"
    wanted = _imported_names(path, module)
    assert "typing_registry" in wanted and "target_registry" in wanted
    exported = ast.literal_eval(
        next(
            node.value
            for node in ast.parse((generated / f"{module}.py").read_text()).body
            if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "__all__"
        )
    )
    assert [name for name in wanted if name not in exported] == []


def test_the_swap_serves_our_modules_to_numba_cudas_wrappers(swapped, generated):
    facts = swapped["facts"]
    assert facts["files"] == {n: str((generated / f"{n}.py").resolve()) for n in MODULES}
    assert facts["registries"] == [True, True, True]  # the wrappers' registries are ours


def test_cxx_names_of_numba_cudas_own_types_are_those_types(swapped):
    facts = swapped["facts"]
    assert facts["__half"] == "float16"
    assert facts["__nv_bfloat16"] == facts["nv_bfloat16"] == facts["bf16.bfloat16"]
    assert facts["bf16.bfloat16"] == "__nv_bfloat16"  # numba-cuda's bfloat16 type's name


def test_bfloat16_arithmetic_types_as_bfloat16_through_our_operators(swapped):
    assert swapped["facts"]["bfloat16 + bfloat16"] == "__nv_bfloat16"
    # the kernels linked our glue: bf16's constructors, casts and operators are our shims
    assert swapped["facts"]["glue compiled"] == dict.fromkeys(MODULES, True)


@pytest.mark.parametrize(
    "kernel",
    [
        "fp16_hadd_hmul",
        "bf16_hadd_with_constructor",
        "bf16_constructors",
        "bf16_arithmetic",
        "fp8_primitive_struct",
        "enum_from_cuda_bindings",
    ],
)
def test_kernels_compile_and_link_for_sm_90(swapped, kernel):
    assert swapped["checks"][kernel] == "ok"


def test_an_intenum_of_another_name_is_refused_for_a_foreign_enum(swapped, generated):
    refused = swapped["checks"]["enum_of_another_name"]
    assert refused.startswith("TypingError"), refused
    assert "cvt_float_to_e8m0" in refused
    # the C++ enum's name is what the module checks IntEnum members against
    assert "enums=[((2, 'cudaRoundMode'),)]" in (generated / "cuda_fp8.py").read_text()
