# ruff: noqa: E402, F401 (the numba-cuda-mlir version is checked before it is imported; the
# other sections and the generated rows use the imports)
# ---- numbast runtime (numba-cuda-mlir): shared by every binding in this module ---------------
# Each bound C++ callable has an ``extern "C" __device__`` wrapper ("shim") in this module's C++
# glue, precompiled to LTO-IR per GPU arch next to this file (else compiled with NVRTC at run
# time, cached on disk) and linked, in chunks, into the kernels that call them; LTO inlines them.
# Shims take pointers to their arguments and to the result, so no C++ struct ABI is involved.
# Lowerings have numba-cuda-mlir's shape ``impl(builder, target, args, kws)``: they emit MLIR
# (``llvm``/``func`` dialects) and store their result into ``target``.
import builtins as _builtins
import contextvars as _contextvars
import importlib.metadata as _metadata
import operator as _operator
import os as _os
import re as _re
import sys as _sys

_ABI = "numbast-mlir-rt-1"  # tags all state shared with other generated modules
_NUMBA_CUDA_MLIR = ((0, 6, 0), (0, 7))  # the numba-cuda-mlir versions [from, to) tested
_found = _metadata.version("numba-cuda-mlir")
_version = tuple(map(int, _re.findall(r"\d+", _found)[:3]))
if not _NUMBA_CUDA_MLIR[0] <= _version < _NUMBA_CUDA_MLIR[1]:
    _low, _high = (".".join(map(str, v)) for v in _NUMBA_CUDA_MLIR)
    raise ImportError(
        f"{__name__} was generated for numba-cuda-mlir >={_low},<{_high} but numba-cuda-mlir "
        f"{_found} is installed: install a numba-cuda-mlir in that range, or regenerate this "
        "module from its config (named at the top of this file)"
    )

from numba_cuda_mlir import cuda as _cuda
from numba_cuda_mlir import extending as _extending
from numba_cuda_mlir import models as _models
from numba_cuda_mlir._mlir import ir as _ir
from numba_cuda_mlir._mlir.dialects import arith as _arith
from numba_cuda_mlir._mlir.dialects import func as _func
from numba_cuda_mlir._mlir.dialects import llvm as _llvm

_LTOIR = _cuda.LTOIR

# ---- numba-cuda-mlir internals: every private API this module uses, tested with 0.6.0 (the
# range checked above): typing templates, registries and the rewrite registry of its vendored
# numba-cuda (the typing side of its extension API), its compile flags, its error and conversion
# types, the lowerer's function lookup;
# its vendored numba-cuda types (numba_cuda_mlir.types without bfloat16: numba-cuda's __nv_bfloat16
# type, which numba-cuda-mlir types and lowers, as the numba-cuda backend's modules use it).
from numba_cuda_mlir.lowering_utilities import get_or_insert_function as _get_or_insert_function
from numba_cuda_mlir.numba_cuda import types
from numba_cuda_mlir.numba_cuda.core import targetconfig as _targetconfig
from numba_cuda_mlir.numba_cuda.core.errors import NumbaError as _NumbaError
from numba_cuda_mlir.numba_cuda.core.errors import TypingError as _TypingError
from numba_cuda_mlir.numba_cuda.core.rewrites.registry import Rewrite as _Rewrite
from numba_cuda_mlir.numba_cuda.core.rewrites.registry import rewrite_registry as _rewrites
from numba_cuda_mlir.numba_cuda.typeconv import Conversion as _Conversion
from numba_cuda_mlir.numba_cuda.typing.templates import AttributeTemplate as _AttributeTemplate
from numba_cuda_mlir.numba_cuda.typing.templates import ConcreteTemplate as _ConcreteTemplate
from numba_cuda_mlir.numba_cuda.typing.templates import Registry as _TypingRegistry
from numba_cuda_mlir.numba_cuda.typing.templates import signature as _signature


class _numba_config:  # what the glue section reads (numba-cuda's NVRTC search path setting)
    CUDA_NVRTC_EXTRA_SEARCH_PATHS = _os.environ.get("NUMBA_CUDA_NVRTC_EXTRA_SEARCH_PATHS", "")


_vector_types = {v.name: v for v in _cuda.vector_types._vector_types}
_SLOT_ALIGN = 32  # argument/result slots: enough for every CUDA type (double4_32a: 32)
# the arch of the kernel being lowered, for the glue (numba-cuda-mlir keeps it in the lowerer)
_LOWERING_ARCH = _contextvars.ContextVar("numbast_lowering_arch", default=None)


class _Registries:
    """numba-cuda-mlir's extension registries, or this module's own (``install()``)."""

    def __init__(self, separate):
        self.separate = separate
        self.typing = _TypingRegistry() if separate else _extending.typing_registry
        shared = _extending.lowering_registry
        self.target = type(shared)() if separate else shared

    def refresh(self):
        if not self.separate:
            _extending.refresh_registries()

    def install(self):
        from numba_cuda_mlir.descriptor import mlir_target  # (internal: no public equivalent)

        if self.separate:  # (numba-cuda-mlir's own registries first: ours augment them)
            _extending.refresh_registries()
            mlir_target.typing_context.install_registry(self.typing)
            mlir_target.target_context.install_registry(self.target)


def _in(ty, slot=None):
    return ("in", ty, slot or ty)


def _ptr(ty):
    return ("ptr", types.CPointer(ty), None)


def _out(ty):
    return ("out", None, ty)


def _arch_of(builder):
    cc = builder.metadata["gpu_target"]["cc"]
    return f"sm_{cc[0]}{cc[1]}{''.join(map(str, cc[2:]))}"


def _slot(builder, ty):
    """An aligned stack slot for a value of ``ty`` (in its memory form)."""
    with builder.alloca_insertion_point():
        one = _arith.constant(_ir.IntegerType.get_signless(64), 1)
        return _llvm.alloca(
            _llvm.PointerType.get(), one, builder.get_storage_type(ty), alignment=_SLOT_ALIGN
        )


def _call(builder, glue, row, values, value_types):
    """Call a shim with MLIR ``values``; returns the C++ result (if any), the out_return values
    and the updated receiver or by-reference arguments."""
    shim, what, ret, params, cooperative = row
    token = _LOWERING_ARCH.set(_arch_of(builder))
    try:
        builder.link_external_item(glue.linkable(shim, what))
    finally:
        _LOWERING_ARCH.reset(token)
    if cooperative:
        builder.metadata["use_cooperative"] = True
    pointers, outs, updated, supplied = [], [], [], iter(zip(values, value_types))
    for mode, _, slot_type in params:
        if mode == "out":
            outs.append((slot_type, _slot(builder, slot_type)))
            pointers.append(outs[-1][1])
            continue
        value, value_type = supplied.__next__()  # `next` is free for a binding of that name
        if mode == "ptr":
            pointers.append(value)
            continue
        slot = _slot(builder, slot_type)
        if value_type != slot_type:
            value = builder.lower_cast(value_type, slot_type, value)
        _llvm.store(builder.as_storage(slot_type, value), slot)
        pointers.append(slot)
        if mode == "inout":
            updated.append((slot_type, slot))
    results = [] if ret is None else [(ret, _slot(builder, ret))]
    pointers = [p for _, p in results] + pointers
    fnty = _ir.FunctionType.get([_llvm.PointerType.get()] * len(pointers), [])
    callee = _get_or_insert_function(shim + glue.suffix, fnty, builder.mlir_gpu_module)
    _func.call(result=[], callee=callee.name.value, operands_=pointers)
    return [
        builder.from_storage(ty, _llvm.load(builder.get_storage_type(ty), p))
        for ty, p in results + outs + updated
    ]


def _pack(values):
    return values[0] if len(values) == 1 else tuple(values)


def _lowering(glue, row):
    """The lowering of one overload: loads the arguments, calls the shim, stores the result;
    writes updated by-reference arguments back into the caller's variables."""

    def lower(builder, target, args, kws):
        values = [builder.load_var(a) for a in args]
        value_types = [types.unliteral(builder.get_numba_type(a)) for a in args]
        results = _call(builder, glue, row, values, value_types)
        passed = [mode for mode, _, _ in row[3] if mode != "out"]
        written = [a for a, mode in zip(args, passed) if mode == "inout"]
        if written:  # (the updated receiver or by-reference struct arguments come last)
            for var, value in zip(written, results[-len(written) :]):
                _write_back(builder, var, value)  # noqa: F821 (the writes section)
            results = results[: -len(written)]
        if results:
            builder.store_var(target, _pack(results))

    return lower


def _dispatching(glue, template, rows):
    """One lowering for every overload of a callee: numba-cuda-mlir looks lowerings up by the
    arguments' own types (``f(2.0)`` of a float32 overload has float64), so the overload is the
    one typing chose, found again from ``template``; its lowering converts the arguments."""
    by_case = {_case(row).args: _lowering(glue, row) for row in rows}

    def lower(builder, target, args, kws):
        argtypes = tuple(builder.get_numba_type(a) for a in args)
        chosen = template(builder.context.typing_context).apply(argtypes, {})
        by_case[chosen.args](builder, target, args, kws)

    return lower


def _result_type(ret, params):
    """The result and the out_return values (a tuple when there are several); the arguments a
    shim updates are written back by the lowering, not returned."""
    values = ([] if ret is None else [ret]) + [slot for mode, _, slot in params if mode == "out"]
    return types.void if not values else values[0] if len(values) == 1 else types.Tuple(values)


def _case(row, recvr=None):
    _, _, ret, params, _ = row
    params = params[1:] if recvr is not None else params  # a method's receiver is bound to it
    args = [t for m, t, _ in params if m != "out"]
    return _signature(_result_type(ret, params), *args, recvr=recvr)


def _stub(name, doc):
    def stub(*args, **kwargs):
        raise TypeError(f"{name}() is a CUDA device function: call it from a @cuda.jit kernel")

    stub.__name__ = stub.__qualname__ = name
    stub.__doc__ = doc
    return stub


def _function(registries, glue, name, doc, rows, enums=None):
    """Bind one Python name to C++ overloads: rows of (shim, C++ name, ret, params, cooperative);
    ``enums``: per row, the (position, name) of its enums of other headers."""
    key = _stub(name, doc)
    rows = rows() if callable(rows) else rows  # (rows the renderer defers: read at once here)
    cases = [_case(row) for row in rows]
    shims = [row[0] for row in rows]
    # overloads declared on some GPU archs only type for kernels compiled for those
    # (_PerArchTemplate: the archs section, in modules with such overloads)
    base = _PerArchTemplate if any(s in glue.only for s in shims) else _ConcreteTemplate  # noqa: F821
    attrs = {"key": key, "cases": cases, "glue": glue, "shims": shims}
    if enums:  # (takes the place of the per-arch filter: no header binds both today)
        attrs["apply"] = _enums_by_name(cases, enums)  # noqa: F821 (the enums section)
    template = type(f"_Typing_{name}", (base,), attrs)
    if rows:
        registries.target.lower(key, types.VarArg(types.Any))(_dispatching(glue, template, rows))
    key._numba_type = types.Function(template)
    registries.typing.register_global(key, key._numba_type)
    return key
