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
import yaml

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


def _generate(configs, out: Path) -> list:
    """Generate each config (a loader of numbast_core's Config) with numba-cuda's root as the
    current directory: the configs' paths are relative to it."""
    import numbast_core

    root, before = _numba_cuda_root(), Path.cwd()
    os.chdir(root)
    try:
        return [numbast_core.generate(load(), out) for load in configs]
    finally:
        os.chdir(before)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """The three modules, generated from the unchanged configs."""
    import numbast_core

    out = tmp_path_factory.mktemp("numba_cuda")
    loaders = [lambda n=n: numbast_core.load_config(CONFIGS / f"{n}.yml") for n in MODULES]
    _generate(loaders, out)
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


def test_float16_operators_type_as_float16_through_our_operators(swapped):
    # numba-cuda 0.30.4 types no float16 arithmetic itself: without these, float16 + float16
    # is typed as float32 and float16 casts are lowered as invalid NVVM IR (fptrunc to i16)
    facts = swapped["facts"]
    assert facts["float16 add"] == facts["float16 iadd"] == "(float16, float16) -> float16"
    assert facts["float16 neg"] == "(float16,) -> float16"


def test_the_glue_is_compiled_for_the_kernels_arch(swapped):
    # cuda_bf16.yml lists sm_80; cuda_bf16.h adds bfloat16s with add.bf16 from sm_90 on
    assert swapped["facts"]["bf16 add sm_80"] == ["fma.rn.bf16"]
    assert swapped["facts"]["bf16 add sm_90"] == ["add.bf16"]


def test_mixed_operands_type_as_with_numba_cudas_own_modules(swapped):
    # a lossless conversion into float16/bfloat16 takes our operator; any other mix is numba's
    # number operator (measured with numba-cuda's shipped modules: the same results)
    facts = swapped["facts"]
    assert facts["int8 + float16"] == "(float16, float16) -> float16"
    assert facts["int16 + float16"] == "(float32, float32) -> float32"
    for a in ("Literal[int](2)", "int64", "float64"):
        assert facts[f"{a} * bfloat16"] == "(float64, float64) -> float64"


@pytest.mark.parametrize(
    "kernel",
    [
        "bfloat16_mixed_with_integers",
        "float16_casts",
        "float16_operators",
        "fp8_and_bf16_from_float16",
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


def test_a_cuda_bindings_fast_enum_member_is_accepted_by_its_name(swapped):
    # on the GPU machine (cuda-bindings 13.2) cvt_float_to_e8m0(x, NOSAT, cudaRoundPosInf)
    # found no implementation; the C++ parameter's integer type is what the shim receives
    typed = swapped["facts"]["cvt_float_to_e8m0 with a FastEnum member"]
    assert typed == "(float32, IntEnum<int64>(saturation_t), int32) -> uint8"


def test_an_intenum_of_another_name_is_refused_for_a_foreign_enum(swapped, generated):
    refused = swapped["checks"]["enum_of_another_name"]
    assert refused.startswith("TypingError"), refused
    assert "cvt_float_to_e8m0" in refused
    # the C++ enum's name is what the module checks IntEnum members against
    assert "enums=[((2, 'cudaRoundMode'),)]" in (generated / "cuda_fp8.py").read_text()


def test_in_the_global_registry_numba_cudas_types_are_named_not_bound(tmp_path):
    import numbast_core
    from numbast_core.plan.refs import StructRef, value_type

    mapping = yaml.safe_load((CONFIGS / "cuda_bf16.yml").read_text())
    mapping["Use Separate Registry"] = False
    (result,) = _generate([lambda: numbast_core.Config.from_dict(mapping, CONFIGS)], tmp_path)
    text = result.path.read_text()
    assert "\n__nv_bfloat16 = types.bfloat16  # C++ __nv_bfloat16" in text
    assert "\n_bind_native(" not in text  # no casts of bfloat16 in numba-cuda's own registry
    # struct operators never see bfloat16-only operands (they would if it were "owned")
    (owned,) = [line for line in text.splitlines() if line.startswith("_operators(")]
    assert "_type___nv_bfloat162," in owned and "types.bfloat16" not in owned
    for op in result.plan.operators:  # only operators on this module's structs
        for o in op.overloads:
            assert any(isinstance(value_type(p.type), StructRef) for p in o.params), o
    reasons = {s.reason for s in result.plan.skipped}
    assert any("bound only with Use Separate Registry: True" in r for r in reasons)


_SHARING = """
import sys
sys.path.insert(0, {tests!r})
from _codegen_helpers import import_module
first, second = (import_module({folder!r} + f"/{{n}}.py") for n in {order!r})
bf16, fp8 = (first, second) if {order!r}[0] == "cuda_bf16" else (second, first)
print(type(bf16._type___nv_bfloat16_raw).__mro__[2].__name__,
      fp8._type_bfloat16_raw is bf16._type___nv_bfloat16_raw)
"""


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        # numba-cuda's order: fp8 uses the raw struct's type that its own module (bf16) made
        (("cuda_bf16", "cuda_fp8"), "Number True"),
        # fp8 first: bf16 still gets the Number/PrimitiveModel type its config asks for
        (("cuda_fp8", "cuda_bf16"), "Number False"),
    ],
)
def test_a_struct_keeps_its_own_config_whichever_module_loads_first(generated, order, expected):
    code = _SHARING.format(tests=str(HERE), folder=str(generated), order=order)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == expected.split()
