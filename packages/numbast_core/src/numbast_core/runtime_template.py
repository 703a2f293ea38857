# ruff: noqa: E402 (the numba-cuda version is checked before numba-cuda is imported)
# ---- numbast runtime: shared by every binding in this module -------------------------------
# Each bound C++ callable has an ``extern "C" __device__`` wrapper ("shim") in this module's C++
# glue. The glue is compiled once per process with NVRTC to LTO-IR for the module's GPU arch and
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
    from numba.cuda.vector_types import vector_types as _vector_types  # noqa: F401 (rows)

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

    def _compile(self, names):
        lines, owner = self.prelude.splitlines(), {}
        for name in names:
            owner[len(lines) + 1] = name
            lines.append(self.shims[name].replace(f" {name}(", f" {name}{self.suffix}(", 1))
        try:
            source = "\n".join(lines) + "\n"
            return _nvrtc_ltoir(source, self.arch, self.include_dirs, self.headers), {}
        except GlueCompileError as error:  # the log names the failing lines
            log = str(error)
            errors = r"glue\.cu\((\d+)\): (?:catastrophic )?error|line (\d+) of \S*glue\.cu"
            hits = _re.findall(errors, log)  # warnings on a shim's line are not its failure
            culprits = {owner[int(a or b)] for a, b in hits if int(a or b) in owner}
            return None, dict.fromkeys(culprits or names, log)

    def linkable(self, shim, what):
        from cuda.bindings import nvrtc

        key = (self.arch, nvrtc.nvrtcVersion()[1:])
        with self._lock:
            if key not in self._compiled:
                names, failed, code = sorted(self.shims), {}, None
                while names and code is None:  # drop the shims that fail, compile the rest
                    code, newly = self._compile(names)
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


def _function(registries, glue, name, doc, rows):
    """Bind one Python name to C++ overloads: rows of (shim, C++ name, ret, params, cooperative)."""
    key = _stub(name, doc)
    if _SIMULATOR:
        return key
    cases = [_case(row) for row in rows]
    for row, case in zip(rows, cases):
        registries.target.lower(key, *case.args)(_lowering(glue, row))
    template = type(f"_Typing_{name}", (_ConcreteTemplate,), {"key": key, "cases": cases})
    key._numba_type = types.Function(template)
    registries.typing.register_global(key, key._numba_type)
    return key


# ---- runtime section: enums (bound C++ enums) ------------------------------------------------
import enum as _pyenum  # noqa: F401 (the enum classes below)


def _enum(cls, underlying):
    return ("in", types.IntEnumMember(cls, types.int64), underlying)


# ---- runtime section: structs (bound C++ structs) --------------------------------------------
class _StructTypeMixin:
    """A bound C++ struct: value semantics, layout equal to C++ (padding as opaque bytes)."""

    # numba lowers `v op= w` on immutable types with the plain `op`: C++ `op=` must run instead
    mutable = True
    numbast_abi = _ABI

    def can_convert_from(self, typingctx, other):
        return _Conversion.unsafe if other in self._implicit_from else None

    def can_convert_to(self, typingctx, other):
        return _Conversion.unsafe if other in self._implicit_to else None


def _shared_structs():
    """C++ name -> [Numba types] that the generated modules of this runtime ABI imported so far
    made (their ``__numbast_structs__``, keyed by (ABI, C++ name))."""
    found = {}
    for module in list(_sys.modules.values()):
        shared = getattr(module, "__numbast_structs__", None)
        for key, ty in shared.items() if isinstance(shared, dict) else ():
            if isinstance(key, tuple) and key[0] == _ABI:
                found.setdefault(key[1], []).append(ty)
    return found


def _struct_type(name, cxx_name, size, fields, shared, parent=types.Type, model=None):
    """Numba type of a struct; ``fields``: (name or None for opaque bytes, type, offset, size).

    A C++ struct has one Numba type per process: when another generated module already made
    one with the same layout (``__half2`` bound by cuda_fp16, used by cuda_fp8), it is reused;
    ``shared`` is what ``_shared_structs()`` found when this module's import began.
    """
    layout = (size, tuple((f, str(t), offset, nbytes) for f, t, offset, nbytes in fields))
    for ty in shared.get(cxx_name, ()):
        if getattr(ty, "_layout", None) == layout:
            return ty
    cls = type(f"{name}Type", (_StructTypeMixin, parent), {})
    ty = cls(name=name)
    ty._implicit_from, ty._implicit_to, ty._writers, ty.cxx_name = {}, {}, {}, cxx_name
    ty._layout, ty._fields = layout, {f: t for f, t, _, _ in fields if f is not None}
    members, end = [], 0
    for field, field_type, offset, nbytes in fields:
        if offset > end:
            members.append((f"_pad{end}", types.UniTuple(types.uint8, offset - end)))
        members.append(
            (field or f"_opaque{offset}", field_type or types.UniTuple(types.uint8, nbytes))
        )
        end = offset + nbytes
    if size > end:
        members.append((f"_pad{end}", types.UniTuple(types.uint8, size - end)))

    class Model(model or _models.StructModel):
        def __init__(self, dmm, fe_type):
            super().__init__(dmm, fe_type, members)

    _register_model(cls)(Model)
    return ty


def _bind_struct(
    registries, glue, ty, handle, statics=(), methods=(), conversions=(), implicit=(), setitem=()
):
    """Fields, methods, static methods, conversions and item writes of a struct type."""
    for name, stub in statics:
        setattr(handle, name, stub)
    if _SIMULATOR:
        return
    bound_methods, mutable = {}, bool(ty._fields or setitem)
    for name, rows in methods:
        key = f"{ty.cxx_name}.{name}"
        cases = [_case(row, recvr=ty) for row in rows]
        mutating = [row for row in rows if row[3][0][0] == "inout"]
        mutable |= bool(mutating)
        for row, case in zip(rows, cases):
            if row not in mutating:  # a non-const method is only called through _StructWrites
                registries.target.lower(key, ty, *case.args)(_lowering(glue, row))
        bound_methods[name] = type(
            f"_Method_{name}",
            (_ConcreteTemplate,),
            {
                "key": key,
                "cases": cases,
                "numbast_abi": _ABI,
                "numbast_mutating": {c.args for r, c in zip(rows, cases) if r in mutating},
                "numbast_mutator": _function(registries, glue, key, key, mutating)
                if mutating
                else None,
            },
        )

    class Attributes(_AttributeTemplate):
        key = ty

        def generic_resolve(self, value_type, attr):
            if attr in ty._fields:
                return ty._fields[attr]
            if attr in bound_methods:
                return types.BoundFunction(bound_methods[attr], ty)
            return None

    registries.typing.register_attr(Attributes)
    for field in ty._fields:
        registries.target.lower_getattr(ty, field)(_field_getter(field))
    if mutable:
        _bind_writes(registries, glue, ty, setitem)
    static_types = {name: stub._numba_type for name, stub in statics}
    for name in static_types:
        registries.target.lower_getattr(handle._numba_type, name)(_dummy_getter)

    class StaticAttributes(_AttributeTemplate):
        key = handle._numba_type

        def generic_resolve(self, value_type, attr):
            return static_types.get(attr)

    registries.typing.register_attr(StaticAttributes)
    for target, row, explicit in conversions:
        registries.target.lower_cast(ty, target)(_cast_lowering(glue, row))
        if not explicit:
            ty._implicit_to[target] = row
    for source, row in implicit:
        registries.target.lower_cast(source, ty)(_cast_lowering(glue, row))
        ty._implicit_from[source] = row


def _field_getter(field):
    def get(context, builder, ty, value):
        helper = context.make_helper(builder, ty, value=value)
        # by position: numba's struct proxy refuses names starting with "_" (e.g. fp8's __x)
        return helper[context.data_model_manager[ty].get_field_position(field)]

    return get


def _dummy_getter(context, builder, ty, value):
    return context.get_dummy_value()


def _cast_lowering(glue, row):
    def cast(context, builder, fromty, toty, value):
        return _call(context, builder, glue, row, [value], [fromty])[0]

    return cast


# ---- runtime section: writes (struct fields, items and non-const methods) ----------------------
def _inout(ty):
    return ("inout", ty, ty)  # a non-const method's receiver: the shim updates it


def _bind_writes(registries, glue, ty, setitem):
    """The functions that _StructWrites calls for ``v.field = x`` and ``v[i] = x``."""
    for field, field_type in ty._fields.items():
        setter = _function(registries, glue, f"{ty.name}.{field} =", f"set {field}", [])
        setter._numba_type.templates[0].cases = [_signature(ty, ty, field_type)]
        registries.target.lower(setter, ty, field_type)(_field_setter(field))
        ty._writers[field] = setter
    if setitem:
        ty._writers["[]"] = _function(registries, glue, f"{ty.name}[] =", "set item", setitem)

        class SetItem(_ConcreteTemplate):  # typing only: _StructWrites rewrites every v[i] = x
            key = _operator.setitem

            def apply(self, args, kws):
                return super().apply(args, kws) if args and args[0] == ty else None

        SetItem.cases = [_signature(types.none, *c.args) for c in map(_case, setitem)]
        registries.typing.register_global(_operator.setitem, types.Function(SetItem))


def _field_setter(field):
    def set_field(context, builder, sig, args):
        helper = context.make_helper(builder, sig.args[0], value=args[0])
        position = context.data_model_manager[sig.args[0]].get_field_position(field)
        helper[position] = args[1]  # by position: see _field_getter
        return helper._getvalue()

    return set_field


class _StructWrites(_Rewrite):
    """After typing, a write to a bound struct rebinds the variable that holds it.

    Numba hands struct *values* to lowerings, so an in-place store would change a copy. Instead
    ``v.x = e`` becomes ``v = <set x>(v, e)``, ``v[i] = e`` becomes ``v = <set []>(v, i, e)`` and
    ``r = v.m(a)`` (non-const m) becomes ``t = <m>(v, a); r = t[0]; v = t[1]``. A struct read
    from an array (``a[i].m()``) or a field (``v.inner.x = e``) is then stored back; a write to
    any other temporary (``f().x = e``) would be lost, so it is refused with a clear error.
    Numba put the copies that merge SSA versions (``v.2 = v``) after the last assignment of
    ``v`` in the block; they are repeated after each rebinding so that merges see the new value.
    """

    numbast_abi = _ABI  # one rewrite per runtime ABI; it changes only its ABI's structs

    def __init__(self, state):
        self.state = state

    def _setter(self, var, name):
        ty = self.typemap.get(var.name)
        return ty._writers.get(name) if getattr(ty, "numbast_abi", None) == _ABI else None

    def match(self, func_ir, block, typemap, calltypes):
        self.ir, self.block, self.typemap, self.calltypes = func_ir, block, typemap, calltypes
        return any(self._write(inst) for inst in block.body)

    def _write(self, inst):
        """(function, receiver, arguments, their types, result or None, what) of a write."""
        if isinstance(inst, (_nir.SetAttr, _nir.SetItem, _nir.StaticSetItem)):
            name = getattr(inst, "attr", "[]")
            setter = self._setter(inst.target, name)
            if setter is None:
                return None
            what, args = f"assign field {name!r}", [inst.value]
            if name == "[]":
                what, args = (
                    "assign an item",
                    [getattr(inst, "index_var", None) or inst.index, *args],
                )
            return setter, inst.target, args, [self.typemap[a.name] for a in args], None, what
        call = inst.value if isinstance(inst, _nir.Assign) else None
        if isinstance(call, _nir.Expr) and call.op == "call":
            method = getattr(self.typemap.get(call.func.name), "template", None)
            if (
                getattr(method, "numbast_abi", None) == _ABI
                and method.numbast_mutator
                and (self.calltypes[call].args in method.numbast_mutating)
            ):
                bound = self.ir.get_definition(call.func)  # getattr(receiver, name)
                what = f"call non-const method {bound.attr!r}"
                return (
                    method.numbast_mutator,
                    bound.value,
                    call.args,
                    self.calltypes[call].args,
                    inst,
                    what,
                )
        return None

    def _store_back(self, var, what, loc):
        """Instructions writing ``var`` back where it was read: ``a[i] = var`` for an array
        element, ``p = <set f>(p, var)`` for a field of a struct ``p`` (then ``p``'s own place,
        recursively); none for a named variable."""
        if not var.name.startswith("$"):
            return []
        source = self.ir.get_definition(var)
        op = getattr(source, "op", None)
        if op in ("getitem", "static_getitem"):
            index = source.index if source.op == "getitem" else source.index_var
            try:
                names = (source.value.name, index.name, var.name)
                sig = self.state.typingctx.resolve_setitem(*(self.typemap[n] for n in names))
            except Exception:  # not writable (tuple, read-only array, ...): refused below
                sig = None
            if sig is not None:
                store = _nir.SetItem(source.value, index, var, loc)
                self.calltypes[store] = sig
                return [store]
        elif op == "getattr":
            parent = source.value
            setter = self._setter(parent, source.attr)
            if setter is not None:
                rebind = self._rebind(setter, parent, [var], loc)
                return [*rebind, *self._store_back(parent, what, loc)]
        raise _NumbaError(
            f"cannot {what} of a temporary struct value (it would change a copy): assign the "
            "struct to a variable, change it there and store it back",
            loc=loc,
        )

    def _rebind(self, function, receiver, args, loc):
        """``receiver = function(receiver, *args)``, typed."""
        fn = receiver.scope.redefine("$numbast_setter", loc)  # a fresh, unique name
        self.typemap[fn.name] = function._numba_type
        call = _nir.Expr.call(fn, (receiver, *args), (), loc)
        argtypes = (self.typemap[receiver.name], *(self.typemap[a.name] for a in args))
        self.calltypes[call] = function._numba_type.get_call_type(
            self.state.typingctx, argtypes, {}
        )
        return [
            _nir.Assign(_nir.Global("numbast_write", function, loc), fn, loc),
            _nir.Assign(call, receiver, loc),
        ]

    def apply(self):
        block, merges = self.block.copy(), []
        block.clear()
        for inst in self.block.body:
            write = self._write(inst)
            if not write:
                block.append(inst)
                copy = isinstance(inst, _nir.Assign) and isinstance(inst.value, _nir.Var)
                if copy and inst.value.unversioned_name == inst.target.unversioned_name:
                    merges.append(inst)
                continue
            function, receiver, args, argtypes, result, what = write
            loc, scope = inst.loc, receiver.scope
            store = self._store_back(receiver, what, loc)
            fn = _nir.Var(scope, f"$numbast_write_{id(inst)}", loc)
            self.typemap[fn.name] = function._numba_type
            block.append(_nir.Assign(_nir.Global("numbast_write", function, loc), fn, loc))
            call = _nir.Expr.call(fn, (receiver, *args), (), loc)
            self.calltypes.pop(inst if result is None else inst.value, None)
            self.calltypes[call] = function._numba_type.get_call_type(
                self.state.typingctx, (self.typemap[receiver.name], *argtypes), {}
            )
            if result is None:
                block.append(_nir.Assign(call, receiver, loc))
            else:  # (the method's result, the updated receiver)
                both = _nir.Var(scope, f"$numbast_both_{id(inst)}", loc)
                self.typemap[both.name] = self.calltypes[call].return_type
                block.append(_nir.Assign(call, both, loc))
                for i, var in enumerate((result.target, receiver)):
                    get = _nir.Expr.static_getitem(both, i, None, loc)
                    block.append(_nir.Assign(get, var, loc))
            block.body += store
            rebound = {receiver.name} | {i.target.name for i in store if isinstance(i, _nir.Assign)}
            block.body += [
                _nir.Assign(m.value, m.target, loc) for m in merges if m.value.name in rebound
            ]
        return block


if not _SIMULATOR and not any(
    getattr(r, "numbast_abi", None) == _ABI for r in _rewrites.rewrites["after-inference"]
):
    _rewrites.register("after-inference")(_StructWrites)


# ---- runtime section: operators (C++ operators on bound structs) -------------------------------
def _operators(registries, glue, owned, operators):
    """Operators whose cases apply only when an operand is one of this module's structs."""
    for op, rows in operators if not _SIMULATOR else ():
        cases = [_case(row) for row in rows]
        for row, case in zip(rows, cases):
            registries.target.lower(op, *case.args)(_lowering(glue, row))

        class Operator(_ConcreteTemplate):
            key = op

            def apply(self, args, kws):
                if not any(a in owned for a in args):
                    return None  # never touch builtin operands: no hijack
                return super().apply(args, kws)

        Operator.cases = cases
        registries.typing.register_global(op, types.Function(Operator))


# ---- end of numbast runtime ------------------------------------------------------------------
