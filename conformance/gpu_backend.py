"""What the GPU tier's Numba kernels are built with, per backend (``manifest["backend"]``).

numba-cuda (the default) or numba-cuda-mlir: the ``cuda`` module (``jit``, ``grid``), the
``types`` module, and the bit casts between ``uint16`` and ``float16`` / ``bfloat16`` that load
and store those values through integer arrays (numba-cuda's bindings of them for numba-cuda;
small MLIR bit casts for numba-cuda-mlir, where the vendored copies do not type). There is no
element-pointer helper for numba-cuda-mlir yet (``gpu_harness.element_pointer`` is an llvmlite
intrinsic): pregenerate lists callables with pointer parameters as not compared for it.
"""

from __future__ import annotations

import functools
from types import SimpleNamespace

NUMBA_CUDA, NUMBA_CUDA_MLIR = "numba-cuda", "numba-cuda-mlir"
BACKENDS = (NUMBA_CUDA, NUMBA_CUDA_MLIR)
NO_POINTERS = "pointer parameter: the numba-cuda-mlir GPU tier has no element-pointer helper yet"


@functools.cache  # registered once per process
def _mlir_bitcasts() -> SimpleNamespace:
    """``uint16`` <-> ``float16`` / ``bfloat16`` bit casts for numba-cuda-mlir kernels (its
    extension API: a typing template and an MLIR lowering each)."""
    from numba_cuda_mlir import extending
    from numba_cuda_mlir._mlir.dialects import arith
    from numba_cuda_mlir.numba_cuda import types
    from numba_cuda_mlir.numba_cuda.typing.templates import ConcreteTemplate, signature

    def bitcast(name, source, target):
        def stub(value):
            raise TypeError(f"{name}() is a device function")

        template = type(name, (ConcreteTemplate,), {"key": stub})
        template.cases = [signature(target, source)]
        extending.typing_registry.register_global(stub, types.Function(template))

        @extending.lowering_registry.lower(stub, source)
        def lower(builder, result, args, kws):
            value = builder.load_var(args[0])
            builder.store_var(result, arith.bitcast(builder.get_value_type(target), value))

        return stub

    u16, f16, bf16 = types.uint16, types.float16, types.bfloat16
    casts = SimpleNamespace(
        u2h=bitcast("u2h", u16, f16), h2u=bitcast("h2u", f16, u16),
        u2bf=bitcast("u2bf", u16, bf16), bf2u=bitcast("bf2u", bf16, u16),
    )  # fmt: skip
    extending.refresh_registries()
    return casts


def toolkit(backend: str = NUMBA_CUDA) -> SimpleNamespace:
    if backend == NUMBA_CUDA_MLIR:
        from numba_cuda_mlir import cuda, types

        return SimpleNamespace(cuda=cuda, types=types, **vars(_mlir_bitcasts()))
    if backend != NUMBA_CUDA:
        raise ValueError(f"unknown backend {backend!r}: one of {', '.join(BACKENDS)}")
    from numba import cuda
    from numba.cuda import bf16, fp16, types

    return SimpleNamespace(
        cuda=cuda,
        types=types,
        u2h=fp16.__ushort_as_half,
        h2u=fp16.__half_as_ushort,
        u2bf=bf16.ushort_as_bfloat16,
        bf2u=bf16.bfloat16_as_ushort,
    )
