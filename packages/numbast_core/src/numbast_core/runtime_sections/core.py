# ruff: noqa: E402, F401 (the numba-cuda version is checked before numba-cuda is imported;
# the other sections and the generated rows use the imports)
# ---- numbast runtime: shared by every binding in this module -------------------------------
# Each bound C++ callable has an ``extern "C" __device__`` wrapper ("shim") in this module's C++
# glue, precompiled to LTO-IR per GPU arch next to this file (else compiled with NVRTC at run
# time, cached on disk) and linked, in chunks, into the kernels that call them; LTO inlines them.
# Shims take pointers to their arguments and to the result, so no C++ struct ABI is involved.
import builtins as _builtins
import functools as _functools
import gc as _gc
import importlib.metadata as _metadata
import operator as _operator
import re as _re
import sys as _sys

_ABI = "numbast-rt-2"  # tags all state shared with other generated modules (2: the struct
# writes are two rewrites, each registered once per ABI by class name)
_NUMBA_CUDA = ((0, 30, 4), (0, 31))  # the numba-cuda versions [from, to) this runtime is tested on
_found = _metadata.version("numba-cuda")
if not _NUMBA_CUDA[0] <= tuple(int(n) for n in _re.findall(r"\d+", _found)[:3]) < _NUMBA_CUDA[1]:
    _low, _high = (".".join(map(str, v)) for v in _NUMBA_CUDA)
    raise ImportError(
        f"{__name__} was generated for numba-cuda >={_low},<{_high} but numba-cuda {_found} is "
        "installed: install a numba-cuda in that range, or regenerate this module from its "
        "config (named at the top of this file) with a numbast that supports your numba-cuda"
    )

# The module's allocations would trigger full collections over numba's large heap (most of the
# import time): collections wait until the end of the module (``_gc_resume`` there).
_gc_resume = _gc.isenabled()
_gc.disable()

from llvmlite import ir as _ir
from numba.cuda import LTOIR as _LTOIR
from numba.cuda import config as _numba_config
from numba.cuda import types
from numba.cuda.extending import core_models as _models  # (also Data Models overrides)
from numba.cuda.extending import register_model as _register_model

_SIMULATOR = bool(_numba_config.ENABLE_CUDASIM)  # kernels run as Python: C++ cannot run there

# ---- numba-cuda internals: every private numba-cuda API this module uses, tested with
# numba-cuda 0.30.4 (the range checked above); none has a public equivalent there: registries
# (typing, lowering, rewrites), the compile's flags (its arch), typing templates, type
# conversions, Numba IR (struct writes), numba.cuda.descriptor (in install()),
# numba.cuda.vector_types (the vectors section).
from numba.cuda.core import ir as _nir
from numba.cuda.core import targetconfig as _targetconfig
from numba.cuda.core.errors import NumbaError as _NumbaError
from numba.cuda.core.errors import TypingError as _TypingError
from numba.cuda.core.imputils import Registry as _TargetRegistry
from numba.cuda.core.imputils import builtin_registry as _builtin_target_registry
from numba.cuda.core.rewrites.registry import Rewrite as _Rewrite
from numba.cuda.core.rewrites.registry import rewrite_registry as _rewrites
from numba.cuda.typeconv import Conversion as _Conversion
from numba.cuda.typing.templates import AttributeTemplate as _AttributeTemplate
from numba.cuda.typing.templates import ConcreteTemplate as _ConcreteTemplate
from numba.cuda.typing.templates import Registry as _TypingRegistry
from numba.cuda.typing.templates import builtin_registry as _builtin_typing_registry
from numba.cuda.typing.templates import signature as _signature

_SLOT_ALIGN = 32  # argument/result slots: enough for every CUDA type (double4_32a: 32)


class _Registries:
    """numba-cuda's global registries (a module with its own: the registry section)."""

    separate, typing, target = False, _builtin_typing_registry, _builtin_target_registry


def _in(ty, slot=None):
    return ("in", ty, slot or ty)


def _ptr(ty):
    return ("ptr", types.CPointer(ty), None)


def _out(ty):
    return ("out", None, ty)


def _slot(context, builder, ty):
    with builder.goto_entry_block():
        slot = builder.alloca(context.get_data_type(ty))
    slot.align = _SLOT_ALIGN
    return slot


def _call(context, builder, glue, row, args, argtypes):
    """Call a shim; returns the C++ result (if any), the out_return values, the updated receiver."""
    shim, what, ret, params, cooperative = row
    library = context.active_code_library
    library.add_linking_file(glue.linkable(shim, what))
    library.use_cooperative |= cooperative
    pointers, outs, updated, supplied = [], [], [], iter(zip(args, argtypes))
    for mode, _, slot_type in params:
        if mode == "out":
            outs.append((slot_type, _slot(context, builder, slot_type)))
            pointers.append(outs[-1][1])
            continue
        value, value_type = supplied.__next__()  # `next` is free for a binding of that name
        if mode == "ptr":
            pointers.append(value)
            continue
        slot = _slot(context, builder, slot_type)
        value = context.cast(builder, value, value_type, slot_type)
        builder.store(context.data_model_manager[slot_type].as_data(builder, value), slot)
        pointers.append(slot)
        if mode == "inout":
            updated.append((slot_type, slot))
    results = [] if ret is None else [(ret, _slot(context, builder, ret))]
    pointers = [p for _, p in results] + pointers
    symbol, module = shim + glue.suffix, builder.module
    fnty = _ir.FunctionType(_ir.VoidType(), [p.type for p in pointers])
    builder.call(module.globals.get(symbol) or _ir.Function(module, fnty, symbol), pointers)
    dmm = context.data_model_manager
    return [dmm[ty].from_data(builder, builder.load(p)) for ty, p in results + outs + updated]


def _pack(context, builder, ty, values):
    if not values:
        return context.get_dummy_value()
    return values[0] if len(values) == 1 else context.make_tuple(builder, ty, values)


def _lowering(glue, row):
    def lower(context, builder, sig, args):
        values = _call(context, builder, glue, row, args, sig.args)
        written = len([mode for mode, _, _ in row[3] if mode == "inout"])
        if written:  # (the result, the updated receiver or by-reference struct arguments)
            result = _pack(context, builder, sig.return_type[0], values[:-written])
            return context.make_tuple(builder, sig.return_type, [result, *values[-written:]])
        return _pack(context, builder, sig.return_type, values)

    return lower


def _result_type(ret, params):
    """(result, out_return values) and, where the shim writes arguments back (a non-const
    method's receiver, structs passed by reference), (that, *their updated values)."""
    values = ([] if ret is None else [ret]) + [slot for mode, _, slot in params if mode == "out"]
    result = types.void if not values else values[0] if len(values) == 1 else types.Tuple(values)
    written = [slot for mode, _, slot in params if mode == "inout"]
    return types.Tuple((result, *written)) if written else result


def _case(row, recvr=None):
    _, _, ret, params, _ = row
    params = params[1:] if recvr is not None else params  # a method's receiver is bound to it
    args = [t for m, t, _ in params if m != "out"]
    return _signature(_result_type(ret, params), *args, recvr=recvr)


class _Stub:
    """A C++ name in Python: a kernel calls it; called anywhere else it says so."""

    def __init__(self, name, doc):
        self.__name__ = self.__qualname__ = name
        self.__doc__ = doc

    def __call__(self, *args, **kwargs):
        name = self.__name__
        if _SIMULATOR:
            raise RuntimeError(
                f"{name}() calls C++ code, which needs the CUDA target: C++ bindings cannot run "
                "under the CUDA simulator (NUMBA_ENABLE_CUDASIM=1)"
            )
        raise TypeError(f"{name}() is a CUDA device function: call it from a @cuda.jit kernel")

    def __repr__(self):
        return f"<C++ binding {self.__name__}>"


_ANY_ARGUMENTS = types.VarArg(types.Any)


class _Function(_Stub):
    """One Python name bound to C++ overloads: rows of (shim, C++ name, ret, params, cooperative),
    or a function returning them; ``enums``: per row, the (position, name) of its enums of other
    headers. Its typing is built when a kernel first uses it (numba's typeof reads
    ``_numba_type_``): a library binds thousands of names, a kernel uses a few, and building
    them all was most of a large module's import time."""

    def __init__(self, registries, glue, name, doc, rows, enums=None):
        super().__init__(name, doc)
        self._registries, self._glue, self._rows, self._enums = registries, glue, rows, enums
        if rows and not _SIMULATOR:  # (one lowering: the row is found by the typed arguments)
            registries.target.lower(self, _ANY_ARGUMENTS)(self._lower)
        if registries.separate and not _SIMULATOR:  # (typed only once its registry is installed)
            registries.typing.register_global(self, self._numba_type)

    @property
    def _numba_type_(self):
        return None if self._registries.separate or _SIMULATOR else self._numba_type

    @_functools.cached_property
    def _numba_type(self):
        rows = self._rows() if callable(self._rows) else self._rows
        cases = [_case(row) for row in rows]
        self._by_args = {case.args: row for row, case in zip(rows, cases)}
        shims, glue = [row[0] for row in rows], self._glue
        # (_PerArchTemplate: the archs section, in modules with such overloads)
        base = _PerArchTemplate if any(s in glue.only for s in shims) else _ConcreteTemplate  # noqa: F821
        attrs = {"key": self, "cases": cases, "glue": glue, "shims": shims}
        if self._enums:  # (takes the place of the per-arch filter: no header binds both today)
            attrs["apply"] = _enums_by_name(cases, self._enums)  # noqa: F821 (the enums section)
        return types.Function(type(f"_Typing_{self.__name__}", (base,), attrs))

    def _lower(self, context, builder, sig, args):
        self._numba_type  # noqa: B018 (built by the typing that chose ``sig``)
        return _lowering(self._glue, self._by_args[sig.args])(context, builder, sig, args)


_function = _Function
