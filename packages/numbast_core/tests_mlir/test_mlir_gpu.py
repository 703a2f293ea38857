"""The numba-cuda-mlir backend on a GPU: struct writes land where C++ semantics put them.

Runs where numba-cuda-mlir sees a GPU (``NUMBAST_REQUIRE_GPU=1`` turns the skip into a failure);
the values follow tests/data/structs/nbt_structs.cuh. On a machine without libclang, point
``NUMBAST_MLIR_STRUCTS`` at the module generated elsewhere (``numbast generate
packages/numbast_core/tests/data/structs/nbt_structs.yml -o DIR --backend numba-cuda-mlir``).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import sys
from pathlib import Path

import pytest

pytest.importorskip("numba_cuda_mlir", reason="runs in numba-cuda-mlir's venv (nox -s mlir)")

pytestmark = pytest.mark.gpu

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"


def _import(path):
    spec = importlib.util.spec_from_file_location("_mlir_gpu_structs", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def structs(tmp_path_factory):
    from numba_cuda_mlir import cuda

    if not cuda.is_available():
        if os.environ.get("NUMBAST_REQUIRE_GPU") == "1":
            pytest.fail("NUMBAST_REQUIRE_GPU=1 but numba-cuda-mlir sees no GPU")
        pytest.skip("no CUDA GPU available (numba_cuda_mlir.cuda.is_available() is False)")
    if os.environ.get("NUMBAST_MLIR_STRUCTS"):
        return _import(os.environ["NUMBAST_MLIR_STRUCTS"])
    from numbast_core import generate, load_config

    config = load_config(DATA / "structs" / "nbt_structs.yml")
    config = dataclasses.replace(config, backend="numba-cuda-mlir")
    return _import(generate(config, tmp_path_factory.mktemp("g")).path)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("v = Vec(1.0)\n    v.x = 2.0\n    v.inner.k = 3\n    o[0] = v.x + v.inner.k", 5.0),
        ("v = Vec(1.0)\n    v.scale(2.0)\n    o[0] = v.x", 2.0),
        ("v = Vec(x)\n    if x > 1:\n        v.scale(2.0)\n    o[0] = v.x", 4.0),
        ("a = Acc(1.0)\n    a[1] = 5.0\n    n = a.take(2)\n    o[0] = a.total() + n", 15.0),
        ("v = Vec(1.0)\n    v += Vec(1.0)\n    o[0] = v.y + (v - Vec(1.0)).x", 21.0),
        ("o[0] = make_acc(1).total() + (Vec(2) * 3).x + Vec(x - 1).dot(Vec(2))", 118.0),
    ],
    ids=["fields", "method", "branch", "setitem-take", "inplace", "converted-arguments"],
)
def test_struct_values_and_writes(structs, body, expected):
    import numpy as np
    from numba_cuda_mlir import cuda

    env = dict(vars(structs))
    exec(f"def k(o, x):\n    {body}\n", env)
    out = cuda.to_device(np.zeros(1, np.float32))
    cuda.jit(lto=True)(env["k"])[1, 1](out, np.float32(2.0))
    assert out.copy_to_host()[0] == expected
