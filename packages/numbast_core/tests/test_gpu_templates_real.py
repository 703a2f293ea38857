"""GPU tier: libcu++ and curand templates, instantiated at kernel compile, bit for bit against
the same C++ in a native kernel (NVRTC through cupy).

Modules come from ``$NUMBAST_PREGENERATED`` (pregenerate.py: nbt_cuda_std_bindings.py and
curand_kernel.py) when set, else are generated here (needs libclang).
"""

from __future__ import annotations

import os
from pathlib import Path

import _codegen_helpers as helpers
import pytest

pytestmark = pytest.mark.gpu

N = 64
CURAND_CONFIG = (
    Path(__file__).resolve().parents[3] / "conformance" / "configs" / "curand_kernel.yml"
)


def _module(tmp_path_factory, config, name):
    from numba import cuda

    if not cuda.is_available():
        pytest.skip("no CUDA GPU available (numba.cuda.is_available() is False)")
    pytest.importorskip("cupy", reason="cupy (cupy-cuda13x) is needed for the C++ oracle")
    folder = os.environ.get(helpers.PREGENERATED_ENV)
    if folder:
        return helpers.import_module(Path(folder) / f"{name}.py")
    import numbast_core

    out = tmp_path_factory.mktemp(name)
    return helpers.import_module(numbast_core.generate(numbast_core.load_config(config), out).path)


@pytest.fixture(scope="module")
def std(tmp_path_factory):
    return _module(tmp_path_factory, helpers.DATA / "nbt_cuda_std.yml", "nbt_cuda_std_bindings")


@pytest.fixture(scope="module")
def curand(tmp_path_factory):
    return _module(tmp_path_factory, CURAND_CONFIG, "curand_kernel")


def _native(module, header, body, dtype, args=""):
    """``out[i]`` of a C++ kernel running ``body`` (which sets ``r``) for i < N."""
    import cupy

    cxx = {"int32": "int", "float32": "float", "float64": "double", "uint32": "unsigned int"}[dtype]
    src = (
        f"#include <{header}>\n"
        f'extern "C" __global__ void k({cxx}* out{args}) {{\n'
        f"  int i = blockIdx.x * blockDim.x + threadIdx.x; if (i >= {N}) return;\n"
        f"  {cxx} r; {body}\n  out[i] = r;\n}}\n"
    )
    dirs = [str(helpers.DATA), *module._cuda_include_dirs()]
    options = ("-std=c++17", *(f"-I{d}" for d in dirs))
    return cupy.RawKernel(src, "k", options=options, backend="nvrtc"), cupy


def _compare(got, want):
    import numpy as np

    np.testing.assert_array_equal(got.view(f"u{got.itemsize}"), want.view(f"u{got.itemsize}"))


# (name, dtype, C++ statements setting r from int i, Python statements setting out[i])
STD_CASES = [
    ("min_int", "int32", "r = cuda::std::min(i * 3 - 50, 17);",
     "out[i] = m.min(i32(i * 3 - 50), i32(17))"),
    ("max_double", "float64", "r = cuda::std::max((double)i * 0.3, 9.7);",
     "out[i] = m.max(f64(i) * f64(0.3), f64(9.7))"),
    ("min_float", "float32", "r = cuda::std::min((float)i * 0.3f, 9.7f);",
     "out[i] = m.min(f32(i) * f32(0.3), f32(9.7))"),
]  # fmt: skip
for _t, _c in (("float32", "float"), ("float64", "double")):
    _s = "f32" if _t == "float32" else "f64"
    _a = f"C a(({_c})i * ({_c})0.5, ({_c})1.25); C b(({_c})2, ({_c})i * ({_c})-0.25);"
    _pa = f"a = m.complex({_s}(i) * {_s}(0.5), {_s}(1.25))\n    b = m.complex({_s}(2), {_s}(i) * {_s}(-0.25), _Tp=np.{_t})\n    "  # noqa: E501
    _pre = f"using C = cuda::std::complex<{_c}>; {_a} "
    STD_CASES += [
        (f"complex_arith_real_{_t}", _t, _pre + "r = cuda::std::real((a + b) * a - b / a);",
         _pa + "out[i] = m.real((a + b) * a - b / a)"),
        (f"complex_arith_imag_{_t}", _t, _pre + "r = cuda::std::imag((a - b) / (a * b));",
         _pa + "out[i] = m.imag((a - b) / (a * b))"),
        (f"complex_abs_{_t}", _t, _pre + "r = cuda::std::abs(a * b);",
         _pa + "out[i] = m.abs(a * b)"),
        (f"complex_exp_real_{_t}", _t,
         _pre + f"r = cuda::std::exp(a * C(({_c})0.1, ({_c})0.2)).real();",
         _pa + f"out[i] = m.exp(a * m.complex({_s}(0.1), {_s}(0.2))).real()"),
        (f"complex_exp_imag_{_t}", _t, _pre + "r = cuda::std::imag(cuda::std::exp(b / a));",
         _pa + "out[i] = m.imag(m.exp(b / a))"),
    ]  # fmt: skip


@pytest.mark.parametrize(("name", "dtype", "cxx", "body"), STD_CASES, ids=[c[0] for c in STD_CASES])
def test_cuda_std_matches_cxx(std, name, dtype, cxx, body):
    import numpy as np
    from numba import cuda
    from numba.cuda import types

    env = {"m": std, "cuda": cuda, "np": np, "f32": types.float32, "f64": types.float64,
           "i32": types.int32}  # fmt: skip
    head = "def kernel(out):\n    i = cuda.grid(1)\n    if i >= out.size:\n        return\n"
    exec(f"{head}    {body}\n", env)
    out = cuda.to_device(np.zeros(N, dtype=dtype))
    cuda.jit(env["kernel"])[1, N](out)
    got = out.copy_to_host()
    # bit for bit: the same C++ compiled by NVRTC and linked by nvJitLink, the path a hand-written
    # declare_device wrapper takes (the binding's path)
    _compare(got, _native_through_lto(cxx, dtype))
    # and close to the same C++ compiled as one whole kernel (cupy), whose float32 exp/sincos
    # differ from the LTO path's by an ulp on some inputs (measured on the H200: 18 of 64
    # complex<float> exp results; --fmad=false changes nothing)
    native, cupy = _native(std, "nbt_cuda_std.cuh", cxx, dtype)
    want = cupy.zeros(N, dtype=dtype)
    native((1,), (N,), (want,))
    _within_ulps(got, want.get(), 2)


def _native_through_lto(cxx, dtype):
    """``out[i]`` of the C++ statements ``cxx`` (which set ``r`` from ``int i``), compiled as a
    device function and called by a Numba kernel linked with LTO."""
    import numpy as np
    from numba import cuda
    from numba.cuda import types

    ctype = {"int32": "int", "float32": "float", "float64": "double", "uint32": "unsigned int"}
    # the header's own includes (numba-cuda's NVRTC searches the CUDA and CCCL include dirs)
    includes = (helpers.DATA / "nbt_cuda_std.cuh").read_text().split("#pragma once\n")[1]
    source = (
        f"{includes}"
        f'extern "C" __device__ int nbt_oracle({ctype[dtype]}* out, int i) {{\n'
        f"  {ctype[dtype]} r; {cxx}\n  *out = r; return 0;\n}}\n"
    )
    oracle = cuda.declare_device("nbt_oracle", f"{dtype}(int32)", link=[cuda.CUSource(source)])

    @cuda.jit(lto=True)
    def kernel(out):
        i = cuda.grid(1)
        if i < out.size:
            out[i] = oracle(types.int32(i))

    out = cuda.to_device(np.zeros(N, dtype=dtype))
    kernel[1, N](out)
    return out.copy_to_host()


def _within_ulps(got, want, ulps):
    import numpy as np

    if got.dtype.kind != "f":
        return _compare(got, want)
    bits = got.view(f"i{got.itemsize}").astype(np.int64) - want.view(f"i{got.itemsize}")
    assert np.all(np.abs(bits) <= ulps), (got, want)


def _element_pointer(value_type):
    """``ptr(buffer, i)``: a ``T*`` to the i-th ``T`` of a byte buffer."""
    from llvmlite import ir
    from numba.cuda import types
    from numba.cuda.extending import intrinsic

    @intrinsic
    def ptr(typingctx, buffer, index):
        def codegen(context, builder, signature, args):
            array = context.make_array(signature.args[0])(context, builder, args[0])
            nbytes = context.get_abi_sizeof(context.get_data_type(value_type))
            i = context.cast(builder, args[1], signature.args[1], types.intp)
            base = builder.bitcast(array.data, ir.IntType(8).as_pointer())
            address = builder.gep(base, [builder.mul(i, ir.Constant(i.type, nbytes))])
            return builder.bitcast(address, context.get_value_type(signature.return_type))

        return types.CPointer(value_type)(buffer, index), codegen

    return ptr


# (name, dtype, C++ expression over a curandStateXORWOW* p, Python over p)
CURAND_CASES = [
    ("box_muller", "float32", "curand_box_muller(p).y", "curand_box_muller(p).y"),
    ("box_muller_double", "float64", "curand_box_muller_double(p).x",
     "curand_box_muller_double(p).x"),
    ("poisson_knuth", "uint32", "curand_poisson_knuth(p, 3.5f)",
     "curand_poisson_knuth(p, np.float32(3.5))"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "dtype", "cxx", "py"), CURAND_CASES, ids=[c[0] for c in CURAND_CASES]
)
def test_curand_templates_match_cxx(curand, name, dtype, cxx, py):
    import numpy as np
    from numba import cuda

    env = {**vars(curand), "cuda": cuda, "np": np}
    env["ptr"] = _element_pointer(curand._type_curandStateXORWOW)
    exec(
        "def kernel(out, states):\n    i = cuda.grid(1)\n    if i >= out.size:\n        return\n"
        "    p = ptr(states, i)\n    curand_init(np.uint64(1234), np.uint64(i), np.uint64(0), p)\n"
        f"    a = {py}\n    out[i] = {py} + a\n",
        env,
    )
    out = cuda.to_device(np.zeros(N, dtype=dtype))
    cuda.jit(env["kernel"])[1, N](out, cuda.to_device(np.zeros(N * 1024, dtype=np.uint8)))
    body = (
        f"curandStateXORWOW s, *p = &s; curand_init(1234ULL, i, 0ULL, p); r = {cxx}; r = {cxx} + r;"
    )
    native, cupy = _native(curand, "curand_kernel.h", body, dtype)
    want = cupy.zeros(N, dtype=dtype)
    native((1,), (N,), (want,))
    _compare(out.copy_to_host(), want.get())


@pytest.fixture(scope="module")
def cub(tmp_path_factory):
    return _module(tmp_path_factory, helpers.DATA / "nbt_cub.yml", "nbt_cub_bindings")


CUB_NUMBA = """
def kernel(out, x):
    i = cuda.grid(1)
    smem = cuda.shared.array(64, np.uint8)  # TempStorage (shuffle-based for 32 lanes: unused)
    reduce = m.WarpReduce(m.raw_storage(smem), T=np.int32)
    total = reduce.Sum(x[i])  # (non-const: on a variable, which it may change)
    if i % 32 == 0:
        out[i // 32] = total
"""
CUB_CXX = """
#include <cub/warp/warp_reduce.cuh>
extern "C" __global__ void k(int* out, const int* x) {
  __shared__ cub::WarpReduce<int>::TempStorage storage;
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  int total = cub::WarpReduce<int>(storage).Sum(x[i]);
  if (i % 32 == 0) out[i / 32] = total;
}
"""


def test_cub_warp_reduce_sum_matches_cxx(cub):
    import cupy
    import numpy as np
    from numba import cuda

    env = {"m": cub, "cuda": cuda, "np": np}
    exec(CUB_NUMBA, env)
    x = np.arange(N, dtype=np.int32) * 3 - 7
    x[5] = -123456
    got = cuda.to_device(np.zeros(N // 32, dtype=np.int32))
    cuda.jit(env["kernel"])[1, N](got, cuda.to_device(x))
    options = ("-std=c++17", *(f"-I{d}" for d in cub._cuda_include_dirs()))
    native = cupy.RawKernel(CUB_CXX, "k", options=options, backend="nvrtc")
    want = cupy.zeros(N // 32, dtype=np.int32)
    native((1,), (N,), (want, cupy.asarray(x)))
    _compare(got.copy_to_host(), want.get())
    assert list(want.get()) == [int(x[:32].sum()), int(x[32:].sum())]
