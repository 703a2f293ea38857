"""GPU tier: kernels calling template instances give the values native CUDA C++ gives.

The module for tests/data/nbt_templates.cuh comes from ``$NUMBAST_PREGENERATED`` (pregenerate.py)
when set, else is generated here (needs libclang). The oracle: the same expression in a CUDA C++
kernel compiled with NVRTC through cupy; outputs are compared bit for bit.
"""

from __future__ import annotations

import os
from pathlib import Path

import _codegen_helpers as helpers
import pytest

pytestmark = pytest.mark.gpu

N = 64
NAME = "nbt_templates_bindings"


@pytest.fixture(scope="module")
def gpu_module(tmp_path_factory):
    from numba import cuda

    if not cuda.is_available():
        pytest.skip("no CUDA GPU available (numba.cuda.is_available() is False)")
    cupy = pytest.importorskip("cupy", reason="cupy (cupy-cuda13x) is needed for the C++ oracle")
    folder = os.environ.get(helpers.PREGENERATED_ENV)
    if folder:
        path = Path(folder) / f"{NAME}.py"
    else:
        import numbast_core

        config = numbast_core.load_config(helpers.DATA / helpers.TEMPLATE_CONFIG)
        path = numbast_core.generate(config, tmp_path_factory.mktemp("gpu_templates")).path
    return helpers.import_module(path), cuda, cupy


# (name, C++ expression of int i, numpy dtype of out, Python kernel body computing out[i])
CASES = [
    ("clampv", "nbt_clampv((float)i * 0.25f, 1.0f, 10.0f)", "float32",
     "out[i] = m.clampv(f32(i) * f32(0.25), f32(1.0), f32(10.0))"),
    ("clampv_int", "(int)nbt_clampv((long long)i - 20, -5LL, 30LL)", "int32",
     "out[i] = m.clampv(i64(i) - i64(20), i64(-5), i64(30))"),
    ("twice_short", "nbt_twice((short)(i * 700))", "int32", "out[i] = m.twice(i16(i * 700))"),
    ("mul", "nbt_mul((float)i * 0.1f, 3)", "float32", "out[i] = m.mul(f32(i) * f32(0.1), i32(3))"),
    ("convert", "nbt_convert<int>((double)i * 1.75)", "int32",
     "out[i] = m.convert(f64(i) * f64(1.75), R=np.int32)"),
    ("scale", "nbt_scale<3>((float)i * 0.5f)", "float32",
     "out[i] = m.scale(f32(i) * f32(0.5), N=3)"),
    ("pick", "nbt_pick((float)i) * 10000.0f + (float)nbt_pick(i)", "float32",
     "out[i] = m.pick(f32(i)) * f32(10000) + f32(m.pick(i32(i)))"),
    ("sum_of", "[&] { nbt_pair p; p.a = (float)i; p.b = 0.5f; return nbt_sum_of(p); }()",
     "float32", "p = m.pair()\n    p.a = f32(i)\n    p.b = f32(0.5)\n    out[i] = m.sum_of(p)"),
    ("box", "nbt_box<float>((float)i).get() + (nbt_box<float>(2.5f) + nbt_box<float>((float)i))"
     ".value", "float32",
     "out[i] = m.box(f32(i), T=np.float32).get() + (m.box(f32(2.5)) + m.box(f32(i))).value"),
    ("box_to", "nbt_box<float>((float)i * 1.5f).to<double>()", "float64",
     "out[i] = m.box(f32(i) * f32(1.5)).to(U=np.float64)"),
    ("box_plus", "nbt_box<double>((double)i).plus(0.125)", "float64",
     "out[i] = m.box(f64(i)).plus(f64(0.125))"),
    ("box_mutate", "[&] { nbt_box<int> b(i); b.add(5); b.add(i); return b.value; }()", "int32",
     "b = m.box(i32(i), T=np.int32)\n    b.add(i32(5))\n    b.add(i32(i))\n    out[i] = b.value"),
    ("box_field_write", "[&] { nbt_box<int> b(i); b.value = 7 * i; return b.get(); }()", "int32",
     "b = m.box(i32(i))\n    b.value = i32(7 * i)\n    out[i] = b.get()"),
    ("box_inplace", "[&] { nbt_box<float> c((float)i); c = c + nbt_box<float>(1.5f);"
     " return c.value; }()", "float32",
     "c = m.box(f32(i))\n    c += m.box(f32(1.5))\n    out[i] = c.value"),
    ("arr", "nbt_arr<float, 4>().sum() + (float)nbt_arr<double, 3>().count", "float32",
     "out[i] = m.arr(T=np.float32, N=4).sum() + f32(m.arr(T=np.float64, N=3).count)"),
    ("acc_ctad", "nbt_acc(i * 3).mean()", "int32", "out[i] = m.acc(i32(i * 3)).mean()"),
    ("acc_n", "nbt_acc((float)i).n", "int32", "out[i] = m.acc(f32(i)).n"),
]  # fmt: skip

_CXX_TYPES = {"int32": "int", "float32": "float", "float64": "double"}


def _cxx_results(cupy, expr, dtype):
    src = (
        f'#include "{helpers.DATA / "nbt_templates.cuh"}"\n'
        f'extern "C" __global__ void k({_CXX_TYPES[dtype]}* out, int n) {{\n'
        "  int i = blockIdx.x * blockDim.x + threadIdx.x; if (i >= n) return;\n"
        f"  out[i] = {expr};\n}}\n"
    )
    kernel = cupy.RawKernel(src, "k", options=("-std=c++17",), backend="nvrtc")
    out = cupy.zeros(N, dtype=dtype)
    kernel((1,), (N,), (out, cupy.int32(N)))
    return out.get()


@pytest.mark.parametrize(("name", "expr", "dtype", "body"), CASES, ids=[c[0] for c in CASES])
def test_template_instance_matches_cxx(gpu_module, name, expr, dtype, body):
    import numpy as np
    from numba.cuda import types

    m, cuda, cupy = gpu_module
    env = {"m": m, "cuda": cuda, "np": np, "f32": types.float32, "f64": types.float64,
           "i16": types.int16, "i32": types.int32, "i64": types.int64}  # fmt: skip
    source = (
        "def kernel(out):\n    i = cuda.grid(1)\n    if i >= out.size:\n        return\n"
        f"    {body}\n"
    )
    exec(source, env)
    kernel = cuda.jit(env["kernel"])
    out = cuda.to_device(np.zeros(N, dtype=dtype))
    kernel[1, N](out)
    got = out.copy_to_host()
    expected = _cxx_results(cupy, expr, dtype)
    np.testing.assert_array_equal(got.view(f"u{got.itemsize}"), expected.view(f"u{got.itemsize}"))
