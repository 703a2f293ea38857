# ---- numbast runtime: shared by every binding in this module -------------------------------
# Each bound C++ callable has an ``extern "C" __device__`` wrapper ("shim") in this module's C++
# glue. The glue is compiled once per process with NVRTC to LTO-IR for the module's GPU arch and
# linked into every kernel that calls a binding; LTO inlines the shims and drops unused ones.
# Shims take pointers to their arguments and to the result, so no C++ struct ABI is involved.
import enum as _pyenum  # noqa: F401 (used by the enum classes below)
import re as _re

from llvmlite import ir as _ir
from numba.cuda import cgutils as _cgutils
from numba.cuda import types
from numba.cuda.core import config as _numba_config
from numba.cuda.core.errors import NumbaError as _NumbaError
from numba.cuda.core.imputils import Registry as _TargetRegistry
from numba.cuda.core.imputils import builtin_registry as _builtin_target_registry
from numba.cuda.cudadrv import nvrtc as _nvrtc
from numba.cuda.cudadrv.linkable_code import LTOIR as _LTOIR
from numba.cuda.typing import signature as _signature
from numba.cuda.typing.templates import ConcreteTemplate as _ConcreteTemplate
from numba.cuda.typing.templates import Registry as _TypingRegistry
from numba.cuda.typing.templates import builtin_registry as _builtin_typing_registry
from numba.cuda.vector_types import vector_types as _vector_types  # noqa: F401 (used by rows)

_SLOT_ALIGN = 16  # argument/result slots: enough for every CUDA vector type


class GlueCompileError(_NumbaError):
    """The C++ glue of a binding did not compile with NVRTC."""


class _Glue:
    """The module's C++ glue, compiled lazily and cached per (text, arch, CUDA version)."""

    def __init__(self, prelude, shims, arch, include_dirs=(), setup=None, teardown=None):
        self.prelude, self.shims, self.arch = prelude, dict(shims), arch
        self.include_dirs, self.setup, self.teardown = tuple(include_dirs), setup, teardown
        self._compiled = {}  # (arch, nvrtc version) -> (LTOIR or None, {shim: error})

    def _cc(self):
        digits = _re.fullmatch(r"sm_(\d+)(a?)", self.arch)
        number = int(digits.group(1))
        return (
            (number // 10, number % 10, digits.group(2)) if digits.group(2) else divmod(number, 10)
        )

    def _compile(self, names):
        lines, owner = self.prelude.splitlines(), {}
        for name in names:
            owner[len(lines) + 1] = name
            lines.append(self.shims[name])
        extra = _numba_config.CUDA_NVRTC_EXTRA_SEARCH_PATHS
        if self.include_dirs:
            _numba_config.CUDA_NVRTC_EXTRA_SEARCH_PATHS = ":".join(self.include_dirs)
        try:
            code, _ = _nvrtc.compile("\n".join(lines) + "\n", "glue.cu", self._cc(), ltoir=True)
            return code.code, {}
        except Exception as error:  # NVRTC reports compile errors with the log in the message
            log = str(error)
            hits = _re.findall(r"glue\.cu\((\d+)\)|line (\d+) of \S*glue\.cu", log)
            culprits = {owner[int(a or b)] for a, b in hits if int(a or b) in owner}
            failed = dict.fromkeys(culprits or names, log)
            return None, failed
        finally:
            _numba_config.CUDA_NVRTC_EXTRA_SEARCH_PATHS = extra

    def linkable(self, shim, what):
        key = (self.arch, _nvrtc._get_nvrtc_version())
        if key not in self._compiled:
            names, failed, code = sorted(self.shims), {}, None
            while names and code is None:  # drop the shims that fail, compile the rest
                code, newly = self._compile(names)
                failed.update(newly)
                names = [n for n in names if n not in failed]
            obj = (
                _LTOIR(
                    code,
                    name="numbast-glue",
                    setup_callback=self.setup,
                    teardown_callback=self.teardown,
                )
                if code
                else None
            )
            self._compiled[key] = (obj, failed)
        obj, failed = self._compiled[key]
        if shim in failed:
            raise GlueCompileError(f"the C++ glue for {what} does not compile:\n{failed[shim]}")
        return obj


class _Registries:
    """numba-cuda's global registries, or this module's own (activated by ``install()``)."""

    def __init__(self, separate):
        self.separate = separate
        self.typing = _TypingRegistry() if separate else _builtin_typing_registry
        self.target = _TargetRegistry() if separate else _builtin_target_registry

    def install(self):
        from numba.cuda.descriptor import cuda_target

        if self.separate:
            cuda_target.target_context.refresh()
            cuda_target.typing_context.install_registry(self.typing)
            cuda_target.target_context.install_registry(self.target)


def _in(ty, slot=None):
    return ("in", ty, slot or ty)


def _ptr(ty):
    return ("ptr", types.CPointer(ty), None)


def _out(ty):
    return ("out", None, ty)


def _enum(cls, underlying):
    return ("in", types.IntEnumMember(cls, types.int64), underlying)


def _slot(context, builder, ty):
    slot = _cgutils.alloca_once(builder, context.get_value_type(ty))
    slot.align = _SLOT_ALIGN
    return slot


def _lowering(glue, shim, what, ret, params, cooperative):
    def lower(context, builder, sig, args):
        library = context.active_code_library
        library.add_linking_file(glue.linkable(shim, what))
        library.use_cooperative |= cooperative
        pointers, outs, supplied = [], [], iter(zip(args, sig.args))
        for mode, _, slot_type in params:
            if mode == "out":
                outs.append((slot_type, _slot(context, builder, slot_type)))
                pointers.append(outs[-1][1])
                continue
            value, value_type = next(supplied)
            if mode == "ptr":
                pointers.append(value)
                continue
            slot = _slot(context, builder, slot_type)
            builder.store(context.cast(builder, value, value_type, slot_type), slot)
            pointers.append(slot)
        result = [] if ret is None else [_slot(context, builder, ret)]
        callee = _cgutils.get_or_insert_function(
            builder.module,
            _ir.FunctionType(_ir.VoidType(), [p.type for p in result + pointers]),
            shim,
        )
        builder.call(callee, result + pointers)
        values = [builder.load(p) for p in result] + [builder.load(p) for _, p in outs]
        if not values:
            return context.get_dummy_value()
        if len(values) == 1:
            return values[0]
        return context.make_tuple(builder, sig.return_type, values)

    return lower


def _result_type(ret, params):
    outs = [slot for mode, _, slot in params if mode == "out"]
    values = ([] if ret is None else [ret]) + outs
    if not values:
        return types.void
    return values[0] if len(values) == 1 else types.Tuple(values)


def _stub(name, doc):
    def stub(*args, **kwargs):
        raise TypeError(f"{name}() is a CUDA device function: call it from a @cuda.jit kernel")

    stub.__name__ = stub.__qualname__ = name
    stub.__doc__ = doc
    return stub


def _function(registries, glue, name, doc, overloads):
    """Bind one Python name to C++ overloads: rows of (shim, C++ name, ret, params, cooperative)."""
    key, cases = _stub(name, doc), []
    for shim, what, ret, params, cooperative in overloads:
        case = _signature(_result_type(ret, params), *[t for m, t, _ in params if m != "out"])
        cases.append(case)
        registries.target.lower(key, *case.args)(
            _lowering(glue, shim, what, ret, params, cooperative)
        )
    template = type(f"_Typing_{name}", (_ConcreteTemplate,), {"key": key, "cases": cases})
    registries.typing.register_global(key, types.Function(template))
    return key


# ---- end of numbast runtime ------------------------------------------------------------------
