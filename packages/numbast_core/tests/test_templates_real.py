"""Templates of real libraries, compiled and linked for sm_90 on the CPU: libcu++'s
``cuda::std::min``/``max`` and ``complex<float|double>`` (tests/data/nbt_cuda_std.yml), and
curand_kernel's function templates (conformance/configs/curand_kernel.yml)."""

from __future__ import annotations

from pathlib import Path

import _codegen_helpers as helpers
import pytest

CURAND_CONFIG = (
    Path(__file__).resolve().parents[3] / "conformance" / "configs" / "curand_kernel.yml"
)
STD_CONFIG = helpers.DATA / "nbt_cuda_std.yml"


def _generate(config, tmp_path_factory):
    import numbast_core

    return numbast_core.generate(numbast_core.load_config(config), tmp_path_factory.mktemp("real"))


@pytest.fixture(scope="module")
def std(tmp_path_factory):
    return _generate(STD_CONFIG, tmp_path_factory)


@pytest.fixture(scope="module")
def curand(tmp_path_factory):
    return _generate(CURAND_CONFIG, tmp_path_factory)


@pytest.fixture(scope="module")
def cub(tmp_path_factory):
    return _generate(helpers.DATA / "nbt_cub.yml", tmp_path_factory)


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("NUMBAST_CACHE_DIR", str(tmp_path / "cache"))


def _compile(module, source, argtypes, return_type=None, **extra):
    import numpy as np

    env = {**vars(module), "np": np, **extra}
    exec(source, env)
    return helpers.compile_and_link(env["f"], argtypes, return_type)


def test_cuda_std_plan(std):
    functions = {t.python_name for t in std.plan.function_templates}
    assert {"min", "max", "real", "imag", "abs", "exp", "conj", "polar"} <= functions
    complex_ = {c.python_name: c for c in std.plan.class_templates}["complex"]
    assert complex_.cxx_name == "::cuda::std::complex"  # (without the inline namespace __4)
    assert [p.name for p in complex_.params] == ["_Tp"]
    assert {"real", "imag"} <= set(complex_.methods)


def test_cuda_std_min_max_types(std):
    from numba.cuda import types

    module = helpers.import_module(std.path)
    for ty in (types.int32, types.int64, types.float32, types.float64):
        for name in ("min", "max"):  # const T& min(const T&, const T&): a T result
            cres = _compile(module, f"def f(a, b):\n    return {name}(a, b)", [ty, ty])
            assert cres.signature.return_type == ty


@pytest.mark.parametrize(
    "scalar",
    ["float32", pytest.param("float64", marks=pytest.mark.slow)],  # (the same path)
)
def test_cuda_std_complex_arithmetic_and_functions(std, scalar):
    from numba.cuda import types

    module = helpers.import_module(std.path)
    ty = getattr(types, scalar)
    source = (
        "def f(out, x, y):\n"
        "    a = complex(x, y)\n"  # deduced: complex<T> from (T, T)
        "    b = complex(y, x, _Tp=T)\n"
        "    c = (a + b) * a - b / a\n"
        "    out[0] = real(c)\n"
        "    out[1] = imag(c)\n"
        "    out[2] = abs(c)\n"
        "    e = exp(c)\n"
        "    out[3] = e.real()\n"
        "    out[4] = e.imag()\n"
    )
    _compile(module, source, [ty[:], ty, ty], types.void, T=getattr(__import__("numpy"), scalar))
    instance = _compile(module, "def f(x):\n    return complex(x, x)", [ty]).signature.return_type
    cxx = {"float32": "float", "float64": "double"}[scalar]
    assert instance.cxx_name == f"::cuda::std::complex<{cxx}>"
    assert instance._layout[0] == 2 * ty.bitwidth // 8  # size from NVRTC
    assert (
        _compile(module, "def f(x):\n    return abs(complex(x, x))", [ty]).signature.return_type
        == ty
    )


def test_curand_function_templates_are_bound_and_link(curand):
    from numba.cuda import types

    bound = {t.python_name for t in curand.plan.function_templates}
    signatures = [s for t in curand.plan.function_templates for s in t.signatures]
    assert {"curand_box_muller", "curand_box_muller4", "curand_poisson_knuth"} <= bound
    assert len(signatures) == 35  # 31 templates (+ 4 plain overloads of skipahead)
    module = helpers.import_module(curand.path)
    state = types.CPointer(module._type_curandStateXORWOW)
    philox = types.CPointer(module._type_curandStatePhilox4_32_10)
    vectors = module._vector_types
    cases = [
        ("def f(p):\n    return curand_box_muller(p)", [state], vectors["float32x2"]),
        ("def f(p):\n    return curand_box_muller4(p)", [philox], vectors["float32x4"]),
        ("def f(p):\n    return curand_box_muller_double(p)", [state], vectors["float64x2"]),
        ("def f(p, x):\n    return curand_poisson_knuth(p, x)", [state, types.float32],
         types.uint32),
    ]  # fmt: skip
    for source, argtypes, expected in cases:
        assert _compile(module, source, argtypes).signature.return_type == expected, source


# ---- the GPU tier's kernels and oracles, checked here on the CPU -------------------------------


def _nvrtc_compiles(source, dirs):
    from cuda.bindings import nvrtc

    program = nvrtc.nvrtcCreateProgram(source.encode(), b"k.cu", 0, [], [])[1]
    options = [b"-arch=sm_90", b"-std=c++17", *(f"-I{d}".encode() for d in dirs)]
    status = nvrtc.nvrtcCompileProgram(program, len(options), options)[0]
    nvrtc.nvrtcDestroyProgram(program)
    return status == nvrtc.nvrtcResult.NVRTC_SUCCESS


def _nvrtc_failures(include, kernels, dirs):
    """The names of ``kernels`` ({name: body of ``__global__ void k(int i)``}) that NVRTC does
    not compile after ``#include <include>``. One translation unit holds them all (the header is
    parsed once); only when it fails is each compiled alone, to name the culprits."""
    whole = "".join(
        f"__global__ void k{n}(int i) {{ {body} }}\n" for n, body in enumerate(kernels.values())
    )
    if _nvrtc_compiles(f"#include <{include}>\n{whole}", dirs):
        return []
    return [
        name
        for name, body in kernels.items()
        if not _nvrtc_compiles(
            f"#include <{include}>\n__global__ void k(int i) {{ {body} }}\n", dirs
        )
    ]


@pytest.mark.slow  # every GPU case (the other tests here compile a few of each kind)
def test_gpu_cases_compile_and_link_sm90(std, curand):
    import numpy as np
    from numba.cuda import types
    from test_gpu_templates_real import CURAND_CASES, STD_CASES, _element_pointer

    module = helpers.import_module(std.path)
    env = {"m": module, "f32": types.float32, "f64": types.float64, "i32": types.int32}
    dirs = [str(helpers.DATA), *module._cuda_include_dirs()]
    cxx_of = {"int32": "int", "float32": "float", "float64": "double", "uint32": "unsigned int"}
    for _name, dtype, _cxx, body in STD_CASES:
        source = f"def f(out, i):\n    {body}\n"
        _compile(module, source, [getattr(types, dtype)[:], types.int32], types.void, **env)
    kernels = {name: f"{cxx_of[dtype]} r; {cxx} (void)r;" for name, dtype, cxx, _ in STD_CASES}
    assert _nvrtc_failures("nbt_cuda_std.cuh", kernels, dirs) == []
    module = helpers.import_module(curand.path)
    ptr = _element_pointer(module._type_curandStateXORWOW)
    buffer = types.Array(types.uint8, 1, "C")
    for _name, dtype, _cxx, py in CURAND_CASES:
        source = (
            "def f(out, states, i):\n    p = ptr(states, i)\n"
            "    curand_init(np.uint64(1234), np.uint64(i), np.uint64(0), p)\n"
            f"    a = {py}\n    out[i] = {py} + a\n"
        )
        argtypes = [getattr(types, dtype)[:], buffer, types.int32]
        _compile(module, source, argtypes, types.void, ptr=ptr, np=np)
    kernels = {
        name: "curandStateXORWOW s, *p = &s;"
        f" curand_init(1234ULL, i, 0ULL, p); auto r = {cxx}; (void)r;"
        for name, _, cxx, _ in CURAND_CASES
    }
    assert _nvrtc_failures("curand_kernel.h", kernels, dirs) == []


# CCCL's headers: ~13 s of the default tier's 2-core time (parse 3.6 s, glue, one kernel), so in
# the slow tier; the GPU tier runs the same kernel (test_gpu_templates_real).
@pytest.mark.slow
def test_cub_warp_reduce_with_temp_storage_in_shared_memory(cub):
    from numba.cuda import types
    from test_gpu_templates_real import CUB_CXX, CUB_NUMBA

    warp_reduce = {c.python_name: c for c in cub.plan.class_templates}["WarpReduce"]
    assert warp_reduce.cxx_name == "::cub::WarpReduce"  # not cub::CUB_300001_SM_900::
    assert "Sum" in warp_reduce.mutating  # non-const: its receiver is written back
    module = helpers.import_module(cub.path)
    from numba import cuda

    env = {"m": module, "cuda": cuda}
    _compile(
        module, CUB_NUMBA.replace("def kernel", "def f"), [types.int32[:]] * 2, types.void, **env
    )
    dirs = module._cuda_include_dirs()
    assert _nvrtc_compiles(CUB_CXX, dirs)


def test_nvrtc_failures_names_only_the_kernels_that_do_not_compile():
    kernels = {
        "fine": "demo_pair p{1.0f, 2.0f}; float r = p.hi + i; (void)r;",
        "broken": "int r = undeclared_name; (void)r;",
    }
    assert _nvrtc_failures("demo.cuh", kernels, [str(helpers.DATA)]) == ["broken"]
    assert _nvrtc_failures("demo.cuh", {"fine": kernels["fine"]}, [str(helpers.DATA)]) == []
