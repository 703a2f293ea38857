"""What the GPU tier's Numba kernels are built with, per backend (``manifest["backend"]``).

numba-cuda (the default) or numba-cuda-mlir: the ``cuda`` module (``jit``, ``grid``), the
``types`` module, and the bit casts between ``uint16`` and ``float16`` / ``bfloat16`` that load
and store those values through integer arrays (numba-cuda's bindings of them for numba-cuda;
small MLIR bit casts for numba-cuda-mlir, where the vendored copies do not type), and
``element_pointer(T)``: ``ptr(buffer, i)``, a ``T*`` to the i-th ``T`` of a byte array, which
the kernels pass to a binding's pointer parameter (an llvmlite intrinsic for numba-cuda; for
numba-cuda-mlir a typing template and an MLIR lowering: a ``getelementptr`` over ``T`` from the
array's data pointer).
"""

from __future__ import annotations

import functools
from types import SimpleNamespace

NUMBA_CUDA, NUMBA_CUDA_MLIR = "numba-cuda", "numba-cuda-mlir"
BACKENDS = (NUMBA_CUDA, NUMBA_CUDA_MLIR)


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


@functools.cache  # one function per pointee type and process
def _mlir_element_pointer(value_type):
    """``ptr(buffer, i)`` for numba-cuda-mlir kernels: ``types.CPointer(value_type)`` to the
    i-th ``value_type`` of the array ``buffer`` (its data pointer, then a ``getelementptr``
    over the pointee's storage type, whose size is the C++ ``sizeof``)."""
    from numba_cuda_mlir import extending
    from numba_cuda_mlir._mlir.dialects import llvm
    from numba_cuda_mlir.lowering_utilities import GEP_DYNAMIC_INDEX, memref_data_pointer
    from numba_cuda_mlir.numba_cuda import types
    from numba_cuda_mlir.numba_cuda.typing.templates import AbstractTemplate, signature

    def ptr(buffer, index):
        raise TypeError("ptr() is a device function")

    class Typing(AbstractTemplate):
        key = ptr

        def generic(self, args, kws):
            if len(args) != 2 or kws or not isinstance(args[0], types.Array):
                return None
            if isinstance(args[1], types.Integer):
                return signature(types.CPointer(value_type), *args)
            return None

    extending.typing_registry.register_global(ptr, types.Function(Typing))

    @extending.lowering_registry.lower(ptr, types.Array, types.Integer)
    def lower(builder, result, args, kws):
        data = memref_data_pointer(builder.load_var(args[0]))
        index_type = builder.get_numba_type(args[1])
        index = builder.lower_cast(index_type, types.int64, builder.load_var(args[1]))
        element = builder.get_storage_type(value_type)
        address = llvm.getelementptr(data.type, data, [index], [GEP_DYNAMIC_INDEX], element, None)
        builder.store_var(result, address)

    extending.refresh_registries()
    return ptr


def _numba_cuda_element_pointer(value_type):
    """``ptr(buffer, i)`` for numba-cuda kernels: a ``T*`` to the i-th ``T`` of a byte buffer
    (an llvmlite intrinsic)."""
    from llvmlite import ir
    from numba.cuda import types
    from numba.cuda.extending import intrinsic

    @intrinsic
    def ptr(typingctx, buffer, index):
        sig = types.CPointer(value_type)(buffer, index)

        def codegen(context, builder, signature, args):
            array = context.make_array(signature.args[0])(context, builder, args[0])
            nbytes = context.get_abi_sizeof(context.get_data_type(value_type))
            i = context.cast(builder, args[1], signature.args[1], types.intp)
            offset = builder.mul(i, ir.Constant(i.type, nbytes))
            base = builder.bitcast(array.data, ir.IntType(8).as_pointer())
            address = builder.gep(base, [offset])
            return builder.bitcast(address, context.get_value_type(signature.return_type))

        return sig, codegen

    return ptr


def toolkit(backend: str = NUMBA_CUDA) -> SimpleNamespace:
    if backend == NUMBA_CUDA_MLIR:
        from numba_cuda_mlir import cuda, types

        return SimpleNamespace(
            cuda=cuda,
            types=types,
            element_pointer=_mlir_element_pointer,
            **vars(_mlir_bitcasts()),
        )
    if backend != NUMBA_CUDA:
        raise ValueError(f"unknown backend {backend!r}: one of {', '.join(BACKENDS)}")
    from numba import cuda
    from numba.cuda import bf16, fp16, types

    return SimpleNamespace(
        cuda=cuda,
        types=types,
        element_pointer=_numba_cuda_element_pointer,
        u2h=fp16.__ushort_as_half,
        h2u=fp16.__half_as_ushort,
        u2bf=bf16.ushort_as_bfloat16,
        bf2u=bf16.bfloat16_as_ushort,
    )
