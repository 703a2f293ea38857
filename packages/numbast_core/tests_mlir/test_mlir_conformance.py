"""The conformance GPU tier's numba-cuda-mlir kernels, built and linked for sm_90 on the CPU:
the element-pointer helper (``gpu_backend.toolkit(...).element_pointer``) handing a ``T*`` to
bound callables with pointer parameters, and curand's sequence kernels in every state storage
numba-cuda-mlir can build (``gpu_curand.py``)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

pytest.importorskip("numba_cuda_mlir", reason="runs in numba-cuda-mlir's venv (nox -s mlir)")

from numbast_core.check_mlir import without_gpu

ROOT = Path(__file__).resolve().parents[3]
MLIR = "numba-cuda-mlir"


@pytest.fixture(scope="module")
def conformance():
    """The ``conformance`` package of this checkout, importable."""
    import sys

    sys.path.insert(0, str(ROOT))
    try:
        import conformance

        yield conformance
    finally:
        sys.path.remove(str(ROOT))


@pytest.fixture(scope="module")
def curand(conformance, tmp_path_factory):
    from conformance.gpu_tier import import_module
    from conformance.pregenerate import pregenerate

    folder = tmp_path_factory.mktemp("curand")
    manifest = pregenerate(folder, "sm_90", ["curand_kernel"], MLIR)
    with without_gpu((9, 0)), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield import_module(folder, manifest["headers"]["curand_kernel"]["module"]), manifest


def _link(kernel, signature):
    """(cubin, the kernel's MLIR) for sm_90."""
    from numba_cuda_mlir import cuda

    with without_gpu((9, 0)), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        jitted = cuda.jit(kernel, lto=True)
        cubin = cuda.compile_cubin(jitted, signature, cc=(9, 0))
        return cubin, jitted.inspect_mlir(signature)


def test_the_element_pointer_reaches_a_pointer_parameter(curand, conformance):
    """``ptr(states, i)`` is the address of the i-th 48-byte state: a ``getelementptr`` over
    the state's struct from the array's data, passed to the ``State*`` overload's shim."""
    from numba_cuda_mlir import types

    from conformance.gpu_backend import toolkit

    module, _ = curand
    env = dict(vars(module))
    env["ptr"] = toolkit(MLIR).element_pointer(module._type_curandStateXORWOW)
    source = "def k(states, seeds, out, i):\n    curand_init(seeds[i], 0, 0, ptr(states, i))\n"
    exec(source, env)
    u8, u64 = types.Array(types.uint8, 1, "C"), types.Array(types.uint64, 1, "C")
    cubin, mlir = _link(env["k"], (u8, u64, types.Array(types.uint32, 1, "C"), types.int32))
    assert cubin
    steps = [line for line in mlir.splitlines() if "llvm.getelementptr" in line]
    state = "!llvm.struct<(i32, array<5 x i32>, i32, i32, f32, array<4 x i8>, f64)>"  # 48 bytes
    assert any(line.rstrip().endswith(f"!llvm.ptr, {state}") for line in steps), steps
    calls = [line for line in mlir.splitlines() if "func.call" in line]
    assert len(calls) == 1 and "curand_inityyyP17curandStateXORWOW_" in calls[0], calls
    assert "_byref" not in calls[0]  # the pointer overload, not the by-reference one


def test_pointer_callables_are_compared_on_numba_cuda_mlir_and_link(conformance, tmp_path):
    """cuda_fp16's loads, stores and atomics through ``__half*``/``__half2*`` are in the mlir
    manifest and their GPU tier kernels compile and link."""
    from conformance import gpu_harness as h
    from conformance.gpu_tier import import_module
    from conformance.pregenerate import pregenerate

    info = pregenerate(tmp_path, "sm_90", ["cuda_fp16"], MLIR)["headers"]["cuda_fp16"]
    pointers = [e for e in info["callables"] if any(p["kind"] == "pointer" for p in e["params"])]
    assert {e["label"] for e in pointers} >= {"__ldg", "__stcg", "atomicAdd"}
    assert not [e for e in info["not_compared"] if "element-pointer" in e["reason"]]
    with without_gpu((9, 0)), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        module = import_module(tmp_path, info["module"])
    for entry in pointers:
        kernel = h.numba_kernel(module, entry, (), MLIR)
        cubin, mlir = _link(kernel, h.numba_signature(entry, MLIR))
        assert cubin and "llvm.getelementptr" in mlir, entry["cxx_signature"]


@pytest.mark.parametrize("storage", ["pointer", "local"])
@pytest.mark.parametrize("generator", ["curandStateXORWOW", "curandStatePhilox4_32_10",
                                       "curandStateMRG32k3a"])  # fmt: skip
def test_curand_sequence_kernels_link(curand, generator, storage):
    from conformance import gpu_curand as c

    module, _ = curand
    assert storage in c.tier_storages(MLIR)
    for distribution in c.DISTRIBUTIONS:
        kernel = c.numba_kernel(module, generator, distribution, storage, MLIR)
        cubin, _ = _link(kernel, c.numba_signature(distribution, MLIR))
        assert cubin, distribution


def test_states_in_array_elements_are_left_out_as_numba_cuda_mlir_cannot_lower_them(curand):
    """``cuda.local.array(3, State)`` types but has no lowering in numba-cuda-mlir 0.6.0; if a
    release lowers it, this fails and the storage goes back into the mlir tier."""
    from conformance import gpu_curand as c

    module, _ = curand
    assert c.tier_storages(MLIR) == ("pointer", "local")
    assert "cuda.local.array" in c.LEFT_OUT[(MLIR, "array")]
    kernel = c.numba_kernel(module, "curandStateXORWOW", "curand", "array", MLIR)
    with pytest.raises(Exception, match=r"compiler bug|NotImplemented lowering"):
        _link(kernel, c.numba_signature("curand", MLIR))
