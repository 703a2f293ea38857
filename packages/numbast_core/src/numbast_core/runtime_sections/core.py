# ruff: noqa: E402, F401 (the numba-cuda version is checked before numba-cuda is imported;
# the other sections and the generated rows use the imports)
# ---- numbast runtime: shared by every binding in this module -------------------------------
# Each bound C++ callable has an ``extern "C" __device__`` wrapper ("shim") in this module's C++
# glue. The glue is compiled once per process and arch with NVRTC to LTO-IR, for the arch of the
# kernel being compiled (the module's GPU arch where that is unknown), and
# linked into every kernel that calls a binding; LTO inlines the shims and drops unused ones.
# Shims take pointers to their arguments and to the result, so no C++ struct ABI is involved.
import importlib.metadata as _metadata
import operator as _operator
import re as _re
import sys as _sys
import threading as _threading

_ABI = "numbast-rt-1"  # tags all state shared with other generated modules
_NUMBA_CUDA = ((0, 30, 4), (0, 31))  # the numba-cuda versions [from, to) this runtime is tested on
_found = _metadata.version("numba-cuda")
if not _NUMBA_CUDA[0] <= tuple(int(n) for n in _re.findall(r"\d+", _found)[:3]) < _NUMBA_CUDA[1]:
    _low, _high = (".".join(map(str, v)) for v in _NUMBA_CUDA)
    raise ImportError(
        f"{__name__} was generated for numba-cuda >={_low},<{_high} but numba-cuda {_found} is "
        "installed: install a numba-cuda in that range, or regenerate this module from its "
        "config (named at the top of this file) with a numbast that supports your numba-cuda"
    )

from llvmlite import ir as _ir
from numba.cuda import LTOIR as _LTOIR
from numba.cuda import config as _numba_config
from numba.cuda import types
from numba.cuda.extending import core_models as _models  # (also Data Models overrides)
from numba.cuda.extending import register_model as _register_model

_SIMULATOR = bool(_numba_config.ENABLE_CUDASIM)  # kernels run as Python: C++ cannot run there

# ---- numba-cuda internals: every private numba-cuda API this module uses, tested with
# numba-cuda 0.30.4 (the range checked above); none has a public equivalent there: registries
# (typing, lowering, rewrites), typing templates, type conversions, Numba IR (struct writes),
# CUDA vector types as Numba types (below), numba.cuda.descriptor (in install()).
from numba.cuda.core import ir as _nir
from numba.cuda.core.errors import NumbaError as _NumbaError
from numba.cuda.core.imputils import Registry as _TargetRegistry
from numba.cuda.core.imputils import builtin_registry as _builtin_target_registry
from numba.cuda.core.rewrites.registry import Rewrite as _Rewrite
from numba.cuda.core.rewrites.registry import rewrite_registry as _rewrites
from numba.cuda.core.targetconfig import ConfigStack as _ConfigStack  # the kernel's flags
from numba.cuda.typeconv import Conversion as _Conversion
from numba.cuda.typing.templates import AttributeTemplate as _AttributeTemplate
from numba.cuda.typing.templates import ConcreteTemplate as _ConcreteTemplate
from numba.cuda.typing.templates import Registry as _TypingRegistry
from numba.cuda.typing.templates import builtin_registry as _builtin_typing_registry
from numba.cuda.typing.templates import signature as _signature

if _SIMULATOR:  # numba.cuda.vector_types needs the CUDA target: the simulator has its own
    import numba.cuda as _cuda

    _vector_types = type("_SimVectors", (dict,), {"__missing__": lambda _, n: getattr(_cuda, n)})()
else:
    from numba.cuda.vector_types import vector_types as _vector_types

_SLOT_ALIGN = 32  # argument/result slots: enough for every CUDA type (double4_32a: 32)


class GlueCompileError(_NumbaError):
    """The C++ glue of a binding did not compile with NVRTC."""


def _nvrtc_ltoir(source, arch, include_dirs, headers):
    """LTO-IR of ``source``, compiled through cuda-python's NVRTC API with explicit ``-I``
    options (no process-global state is changed). Raises ``GlueCompileError(log)``."""
    from cuda import pathfinder
    from cuda.bindings import nvrtc

    SUCCESS = nvrtc.nvrtcResult.NVRTC_SUCCESS

    def ok(status, *value):  # NVRTC calls return (status, *value)
        if status != SUCCESS:
            raise GlueCompileError(f"NVRTC: {status!r}")
        return value[0] if value else None

    encoded = [s.encode() for s in (*headers.values(), *headers)]  # texts, then include names
    n = len(headers)
    program = ok(
        *nvrtc.nvrtcCreateProgram(source.encode(), b"glue.cu", n, encoded[:n], encoded[n:])
    )
    try:
        cccl = pathfinder.locate_nvidia_header_directory("cccl")
        cuda_dirs = [pathfinder.find_nvidia_header_directory("cudart"), cccl and cccl.abs_path]
        user = (_numba_config.CUDA_NVRTC_EXTRA_SEARCH_PATHS or "").split(":")  # read, never set
        dirs = [d for d in (*cuda_dirs, *include_dirs, *user) if d]
        options = [f"-arch={arch}", "-rdc=true", "-dlto", *(f"-I{d}" for d in dirs)]
        options = [o.encode() for o in options]
        if nvrtc.nvrtcCompileProgram(program, len(options), options)[0] != SUCCESS:
            log = b" " * ok(*nvrtc.nvrtcGetProgramLogSize(program))
            ok(*nvrtc.nvrtcGetProgramLog(program, log))
            log = log.decode(errors="replace").rstrip("\0")
            raise GlueCompileError(f"NVRTC ({arch}) compilation log:\n{log}")
        code = b" " * ok(*nvrtc.nvrtcGetLTOIRSize(program))
        ok(*nvrtc.nvrtcGetLTOIR(program, code))
        return code
    finally:
        nvrtc.nvrtcDestroyProgram(program)


class _Glue:
    """The module's C++ glue, compiled lazily and cached per (arch, NVRTC version).

    ``headers``: {include name: text} given to NVRTC in memory, before the include dirs."""

    def __init__(
        self, prelude, shims, arch, include_dirs=(), setup=None, teardown=None, headers=None
    ):
        self.prelude, self.shims, self.arch = prelude, dict(shims), arch
        self.include_dirs, self.setup, self.teardown = tuple(include_dirs), setup, teardown
        self.headers, self._lock = dict(headers or {}), _threading.Lock()
        self._compiled = {}  # (arch, nvrtc version) -> (LTOIR or None, {shim: error})
        # symbols unique to this glue: kernels may link the glue of several modules that bind
        # the same C++ entity (they share its struct types)
        self.suffix = f"_{id(self):x}"

    def _compile(self, names, arch):
        lines, owner = self.prelude.splitlines(), {}
        for name in names:
            owner[len(lines) + 1] = name
            lines.append(self.shims[name].replace(f" {name}(", f" {name}{self.suffix}(", 1))
        try:
            source = "\n".join(lines) + "\n"
            return _nvrtc_ltoir(source, arch, self.include_dirs, self.headers), {}
        except GlueCompileError as error:  # the log names the failing lines
            log = str(error)
            errors = r"glue\.cu\((\d+)\): (?:catastrophic )?error|line (\d+) of \S*glue\.cu"
            hits = _re.findall(errors, log)  # warnings on a shim's line are not its failure
            culprits = {owner[int(a or b)] for a, b in hits if int(a or b) in owner}
            return None, dict.fromkeys(culprits or names, log)

    def linkable(self, shim, what):
        """The glue for the arch of the kernel being compiled (the C++ headers take arch-specific
        paths: bf16 ``+`` is ``add.bf16`` on sm_90, ``fma.rn.bf16`` on sm_80), else the module's."""
        from cuda.bindings import nvrtc

        flags = _ConfigStack.top_or_none()
        cc = getattr(flags, "compute_capability", None)
        arch = f"sm_{cc[0]}{cc[1]}" if cc else self.arch
        key = (arch, nvrtc.nvrtcVersion()[1:])
        with self._lock:
            if key not in self._compiled:
                names, failed, code = sorted(self.shims), {}, None
                while names and code is None:  # drop the shims that fail, compile the rest
                    code, newly = self._compile(names, arch)
                    failed.update(newly)
                    names = [n for n in names if n not in failed]
                callbacks = {"setup_callback": self.setup, "teardown_callback": self.teardown}
                obj = _LTOIR(code, name="numbast-glue", **callbacks) if code else None
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
        from numba.cuda.descriptor import cuda_target  # (internal, see above)

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
        value, value_type = next(supplied)
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
        if row[3] and row[3][0][0] == "inout":  # (the method's result, the updated receiver)
            result = _pack(context, builder, sig.return_type[0], values[:-1])
            return context.make_tuple(builder, sig.return_type, [result, values[-1]])
        return _pack(context, builder, sig.return_type, values)

    return lower


def _result_type(ret, params):
    """(result, out_return values) and, for a non-const method, (that, the updated receiver)."""
    values = ([] if ret is None else [ret]) + [slot for mode, _, slot in params if mode == "out"]
    result = types.void if not values else values[0] if len(values) == 1 else types.Tuple(values)
    return types.Tuple((result, params[0][2])) if params and params[0][0] == "inout" else result


def _case(row, recvr=None):
    _, _, ret, params, _ = row
    params = params[1:] if recvr is not None else params  # a method's receiver is bound to it
    args = [t for m, t, _ in params if m != "out"]
    return _signature(_result_type(ret, params), *args, recvr=recvr)


def _stub(name, doc):
    def stub(*args, **kwargs):
        if _SIMULATOR:
            raise RuntimeError(
                f"{name}() calls C++ code, which needs the CUDA target: C++ bindings cannot run "
                "under the CUDA simulator (NUMBA_ENABLE_CUDASIM=1)"
            )
        raise TypeError(f"{name}() is a CUDA device function: call it from a @cuda.jit kernel")

    stub.__name__ = stub.__qualname__ = name
    stub.__doc__ = doc
    return stub


def _function(registries, glue, name, doc, rows, enums=None):
    """Bind one Python name to C++ overloads: rows of (shim, C++ name, ret, params, cooperative);
    ``enums``: per row, the (position, name) of its enums of other headers."""
    key = _stub(name, doc)
    if _SIMULATOR:
        return key
    cases = [_case(row) for row in rows]
    for row, case in zip(rows, cases):
        registries.target.lower(key, *case.args)(_lowering(glue, row))
    attrs = {"key": key, "cases": cases}
    if enums:
        attrs["apply"] = _enums_by_name(cases, enums)  # noqa: F821 (the enums section)
    template = type(f"_Typing_{name}", (_ConcreteTemplate,), attrs)
    key._numba_type = types.Function(template)
    registries.typing.register_global(key, key._numba_type)
    return key
