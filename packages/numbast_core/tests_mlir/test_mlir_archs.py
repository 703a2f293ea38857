"""Overloads declared on some GPU archs only, on numba-cuda-mlir: they type only for kernels
compiled for those archs (as on numba-cuda), so another arch gets a typing error naming the
archs, or the overload that is declared there."""

from __future__ import annotations

import dataclasses
import warnings

import pytest

pytest.importorskip("numba_cuda_mlir", reason="runs in numba-cuda-mlir's venv (nox -s mlir)")

import numbast_core
from numbast_core.check import import_module_from_path
from numbast_core.check_mlir import without_gpu

HEADER = """#pragma once
__device__ inline int pa_add(int a, int b) { return a + b; }
__device__ inline int pa_pick(int a) { return 1; }
#if __CUDA_ARCH__ >= 900
__device__ inline int pa_hopper(int a) { return a * 9; }
__device__ inline int pa_pick(float a) { return 2; }
#endif
"""


@pytest.fixture(scope="module")
def module(tmp_path_factory):
    root = tmp_path_factory.mktemp("archs")
    (root / "include").mkdir()
    (root / "include" / "pa.cuh").write_text(HEADER)
    (root / "pa.yml").write_text(
        "Entry Point: include/pa.cuh\nFile List: [include/pa.cuh]\n"
        "GPU Arch: [sm_80, sm_90]\nOutput Name: pa.py\n"
    )
    config = numbast_core.load_config(root / "pa.yml")
    config = dataclasses.replace(config, backend="numba-cuda-mlir")
    result = numbast_core.generate(config, root / "out", format=False)
    with without_gpu((9, 0)):
        yield import_module_from_path(result.path)


def _compile(module, body, argtype, cc):
    """The shims the kernel ``o[0] = <body>`` calls, compiled for ``cc`` (linked for sm_90,
    the arch this machine pretends to have)."""
    from numba_cuda_mlir import cuda, types

    env = dict(vars(module))
    exec(f"def k(o, x):\n    o[0] = {body}\n", env)
    kernel = cuda.jit(env["k"], lto=True, cc=cc)  # (compile_cubin's own cc= is not used)
    signature = (types.CPointer(types.int32), argtype)
    with without_gpu((9, 0)), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert cuda.compile_cubin(kernel, signature)
        mlir = kernel.inspect_mlir(signature)
    return [line.split("@")[1].split("(")[0] for line in mlir.splitlines() if "func.call" in line]


def test_the_module_knows_which_shims_are_of_some_archs_only(module):
    assert sorted(module._glue.only.values()) == [("sm_90",), ("sm_90",)]


def test_an_overload_of_other_archs_is_a_typing_error_naming_them(module):
    from numba_cuda_mlir import types
    from numba_cuda_mlir.numba_cuda.core.errors import TypingError

    assert _compile(module, "pa_hopper(x)", types.int32, (9, 0))
    with pytest.raises(TypingError, match=r"pa_hopper\(int32\) is declared for sm_90 only; "
                       r"this kernel is compiled for sm_80"):  # fmt: skip
        _compile(module, "pa_hopper(x)", types.int32, (8, 0))


def test_typing_picks_the_overload_declared_for_the_kernels_arch(module):
    """pa_pick(float32): the float overload on sm_90; on sm_80, where only the int one is
    declared, that one (the lowering never sees the other)."""
    from numba_cuda_mlir import types

    (on_90,) = _compile(module, "pa_pick(x)", types.float32, (9, 0))
    (on_80,) = _compile(module, "pa_pick(x)", types.float32, (8, 0))
    assert "_Z7pa_pickf_" in on_90 and "_Z7pa_picki_" in on_80
    (added,) = _compile(module, "pa_add(x, x)", types.int32, (8, 0))
    assert "_Z6pa_addii_" in added
