"""Interop with numba-cuda's own float16/bfloat16: values from arrays of those dtypes feed
`__half`/`__nv_bfloat16` parameters of bound functions and struct ctors (CPU, sm_90 link)."""

from __future__ import annotations

import warnings
from pathlib import Path

import _codegen_helpers as helpers
import pytest

CONFIGS = Path(__file__).resolve().parents[3] / "conformance" / "configs"
CASES = {
    "cuda_fp16": ("float16", "__hadd", "__half2", "__low2half", "__half"),
    "cuda_bf16": ("bfloat16", "__hadd", "__nv_bfloat162", "__low2bfloat16", "__nv_bfloat16"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_native_half_arrays_feed_bound_functions_and_ctors(name, tmp_path):
    import numbast_core
    from numba.cuda import types

    dtype, add, pair, low, cxx = CASES[name]
    result = numbast_core.generate(numbast_core.load_config(CONFIGS / f"{name}.yml"), tmp_path)
    # no second Numba type for the C++ scalar: it is numba-cuda's own, named by the module
    (native,) = [s for s in result.plan.structs if s.cxx_name == cxx]
    assert native.native is not None and native.native.name == dtype
    module = helpers.import_module(result.path)
    assert getattr(module, native.python_name) is getattr(types, dtype)
    env = dict(vars(module))
    exec(
        "from numba import cuda\n"
        "def f(a, b, out):\n"
        "    i = cuda.grid(1)\n"
        f"    h2 = {pair}(a[i], b[i])\n"
        f"    out[i] = {add}(a[i], b[i]) + {low}(h2)\n",
        env,
    )
    ty = getattr(types, dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cres = helpers.compile_and_link(env["f"], (ty[:], ty[:], ty[:]), types.void)
    assert cres.signature.args == (ty[:], ty[:], ty[:])
