"""numba-cuda-mlir keeps a bound header's unread ``__device__`` variables in the linked cubin
(its linker passes ``-optimize-unused-variables`` to nvJitLink only when given variables to
keep), so a Module Callback finds them by name without upstream's ``Module Link Variables
Used``. If a release starts removing them, this fails and the key needs implementing."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

pytest.importorskip("numba_cuda_mlir", reason="runs in numba-cuda-mlir's venv (nox -s mlir)")

from numbast_core import generate, load_config
from numbast_core.check import import_module_from_path
from numbast_core.check_mlir import without_gpu

CONFIG = Path(__file__).resolve().parents[1] / "tests" / "data" / "link_vars.yml"


def test_unread_device_variable_survives_linking(tmp_path):
    from numba_cuda_mlir import cuda, types

    config = dataclasses.replace(load_config(CONFIG), backend="numba-cuda-mlir")
    module = import_module_from_path(generate(config, tmp_path, format=False).path)

    def kernel(out):
        out[0] = module.lv_one()

    with without_gpu((9, 0)):
        cubin = cuda.compile_cubin(cuda.jit(kernel, lto=True, cc=(9, 0)), (types.int32[:],))
    data = bytes(getattr(cubin, "code", cubin))
    assert b"lv_one" not in data  # inlined by LTO: the check below can tell kept from not
    assert b"lv_state_d" in data
