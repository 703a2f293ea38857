"""GPU tier: kernels using the generated bindings give the values the same C++ gives.

Modules come from ``$NUMBAST_PREGENERATED`` (see pregenerate.py) when set, else are generated
into tmp_path (needs libclang). The oracle is a CUDA C++ kernel calling the same functions of
tests/data/nbt_funcs.cuh, compiled with NVRTC through cupy; outputs are compared exactly.
"""

from __future__ import annotations

import os
from pathlib import Path

import _codegen_helpers as helpers
import pytest

pytestmark = pytest.mark.gpu

N = 64


def _gpu_or_skip():
    try:
        from numba import cuda
    except ImportError as err:  # pragma: no cover
        pytest.skip(f"numba-cuda is not importable: {err}")
    if not cuda.is_available():
        pytest.skip("no CUDA GPU available (numba.cuda.is_available() is False)")
    cupy = pytest.importorskip("cupy", reason="cupy (cupy-cuda13x) is needed for the C++ oracle")
    return cuda, cupy


@pytest.fixture(scope="module")
def gpu_module(tmp_path_factory):
    cuda, cupy = _gpu_or_skip()
    folder = os.environ.get(helpers.PREGENERATED_ENV)
    if folder:
        path = Path(folder) / "nbt_funcs_bindings.py"
    else:
        path = helpers.generate_all(tmp_path_factory.mktemp("gpu"), ["nbt_funcs_bindings"])[
            "nbt_funcs_bindings"
        ].path
    return helpers.import_module(path), cuda, cupy


# (name, C++ expression of int i, numpy dtype of out, Python kernel body computing out[i])
CASES = [
    ("add_int", "nbt_add(i, 3 * i)", "int32", "out[i] = m.add(i, 3 * i)"),
    ("add_float", "nbt_add((float)i * 0.5f, 1.25f)", "float32",
     "out[i] = m.add(numba.float32(i) * numba.float32(0.5), numba.float32(1.25))"),
    ("axpb_1", "nbt_axpb(i)", "int32", "out[i] = m.axpb(i)"),
    ("axpb_2", "nbt_axpb(i, 5)", "int32", "out[i] = m.axpb(i, 5)"),
    ("pick", "nbt_pick(i, 9, i + 1)", "int32", "out[i] = m.pick(i, 9, i + 1)"),
    ("scale", "nbt_scale(i)", "int32", "out[i] = m.scale(i)"),
    ("which", "nbt_one::nbt_which(i) * 10 + nbt_two::nbt_which(i)", "int32",
     "out[i] = m.which(i) * 10 + m.nbt_two_which(i)"),
    ("deep", "nbt_two::deep::nbt_deep(i)", "int32", "out[i] = m.deep(i)"),
    ("small", "nbt_small_size(NBT_SMALL_B) * 1000 + nbt_small_value(NBT_SMALL_B)", "int32",
     "out[i] = m.small_size(m.small.SMALL_B) * 1000 + m.small_value(m.small.SMALL_B)"),
    ("signed", "nbt_signed_size(NBT_NEG) * 1000 + nbt_signed_value(NBT_NEG)", "int32",
     "out[i] = m.signed_size(m.signed.NEG) * 1000 + m.signed_value(m.signed.NEG)"),
    ("color", "nbt_color_value(nbt_color::blue)", "int32", "out[i] = m.color_value(m.color.blue)"),
    ("flip", "(int)nbt_signed_flip(NBT_POS)", "int32", "out[i] = m.signed_flip(m.signed.POS)"),
    ("twice", "nbt_twice(i)", "int32", "out[i] = m.twice(i)"),
    ("divmod", "nbt_divmod(i + 7, 3, r0) * 100 + r0", "int32",
     "q, r = m.divmod(i + 7, 3)\n    out[i] = q * 100 + r"),
    ("split", "(nbt_split((float)i, f0, f1), f0 * 1000.0f + f1)", "float32",
     "lo, hi = m.split(numba.float32(i))\n    out[i] = lo * numba.float32(1000) + hi"),
    ("inc", "(nbt_inc(i, r0), r0)", "int32", "out[i] = m.inc(i)"),
    ("name_wins", "nbt_name_wins(r0, i) * 1000 + r0", "int32",
     "ret, a = m.name_wins(i)\n    out[i] = ret * 1000 + a"),
    ("ref_in", "nbt_ref_in(i)", "int32", "out[i] = m.ref_in(i)"),
    ("name", "(int)nbt_name()[i % 7]", "int32", "out[i] = m.name()[i % 7]"),
    ("f2", "nbt_f2_dot(nbt_make_f2((float)i, 2.0f), make_float2(3.0f, 0.5f))", "float32",
     "out[i] = m.f2_dot(m.make_f2(numba.float32(i), numba.float32(2)),"
     " m.make_f2(numba.float32(3), numba.float32(0.25)))"),
    ("i4",
     "nbt_i4_sum(nbt_i4_rev(make_int4(i, 2 * i, 3, 4))) + nbt_i4_rev(make_int4(i, 0, 0, 9)).x",
     "int32",
     "v = m.i4_rev(cuda.int32x4(i, 2 * i, 3, 4))\n"
     "    out[i] = m.i4_sum(v) + m.i4_rev(cuda.int32x4(i, 0, 0, 9)).x"),
    ("half", "nbt_half_to_float(nbt_half_twice(__float2half((float)i * 0.25f)))", "float32",
     "x = numba.cuda.types.float16(numba.float32(i) * numba.float32(0.25))\n"
     "    out[i] = m.half_to_float(m.half_twice(x))"),
    ("bf16", "nbt_bf16_to_float(nbt_bf16_twice(__float2bfloat16((float)i)))", "float32",
     "out[i] = m.bf16_to_float(m.bf16_twice(bf16.float2bfloat16(numba.float32(i))))"),
    ("hopper", "nbt_hopper_only(i)", "int32", "out[i] = m.hopper_only(i)"),
    ("grid", "nbt_grid_reduce_like(i)", "int32", "out[i] = m.grid_reduce_like(i)"),
]  # fmt: skip


def _cxx_results(cupy, name, expr, dtype):
    src = (
        "#define NBT_SCALE 3\n#define NBT_FLAG\n"
        f'#include "{helpers.HEADER.name}"\n'
        f'extern "C" __global__ void k({"int" if dtype == "int32" else "float"}* out, int n) {{\n'
        "  int i = blockIdx.x * blockDim.x + threadIdx.x; if (i >= n) return;\n"
        "  int r0 = 0; float f0 = 0.0f, f1 = 0.0f; (void)r0; (void)f0; (void)f1;\n"
        f"  out[i] = {expr};\n}}\n"
    )
    kernel = cupy.RawKernel(src, "k", options=("-std=c++17", f"-I{helpers.DATA}"), backend="nvrtc")
    out = cupy.zeros(N, dtype=dtype)
    kernel((1,), (N,), (out, cupy.int32(N)))
    return out.get()


@pytest.mark.parametrize(("name", "expr", "dtype", "body"), CASES, ids=[c[0] for c in CASES])
def test_binding_matches_cxx(gpu_module, name, expr, dtype, body):
    import numpy as np

    m, cuda, cupy = gpu_module
    import numba
    from numba.cuda import bf16

    env = {"m": m, "cuda": cuda, "numba": numba, "bf16": bf16}
    source = (
        "def kernel(out):\n    i = cuda.grid(1)\n    if i >= out.size:\n        return\n"
        f"    {body}\n"
    )
    exec(source, env)
    kernel = cuda.jit(env["kernel"])
    out = cuda.to_device(np.zeros(N, dtype=dtype))
    kernel[1, N](out)
    got = out.copy_to_host()
    expected = _cxx_results(cupy, name, expr, dtype)
    np.testing.assert_array_equal(got.view(f"u{got.itemsize}"), expected.view(f"u{got.itemsize}"))


def test_pointer_intents_match_cxx(gpu_module):
    import numpy as np

    m, cuda, _ = gpu_module
    from cffi import FFI

    ffi = FFI()

    @cuda.jit
    def kernel(acc, dst, buf, sums):
        i = cuda.grid(1)
        if i == 0:
            m.accumulate(ffi.from_buffer(acc), 5)
            m.store(ffi.from_buffer(dst), 6)
            m.fill(ffi.from_buffer(buf), 8, 1.5)
            sums[0] = m.sum_ptr(ffi.from_buffer(dst), 1) + m.offset(ffi.from_buffer(buf), 3)[0]

    acc = cuda.to_device(np.array([10], dtype=np.int32))
    dst = cuda.to_device(np.zeros(1, dtype=np.int32))
    buf = cuda.to_device(np.zeros(8, dtype=np.float32))
    sums = cuda.to_device(np.zeros(1, dtype=np.float32))
    kernel[1, 1](acc, dst, buf, sums)
    # the C++ semantics, spelled out: acc += 5; dst = 6 * 7; buf[k] = 1.5 + k
    assert acc.copy_to_host()[0] == 15
    assert dst.copy_to_host()[0] == 42
    np.testing.assert_array_equal(buf.copy_to_host(), 1.5 + np.arange(8, dtype=np.float32))
    assert sums.copy_to_host()[0] == np.float32(42 + 4.5)
