# ruff: noqa: F821 (a section of the generated module: the core's, glue's and structs' names
# precede it)
# ---- runtime section: templates (instantiated through NVRTC when a kernel is compiled) -----
# A kernel's call of a template is typed by C++ itself: its Numba argument types are spelled in
# C++, and one NVRTC compile of the call's shim also answers, through name expressions whose
# mangled names carry integers, what the result type is (an id in a table of the types this
# module can represent) and, for a new class template instance, its layout. Instances are kept
# per process (``_Templates.nvrtc_calls`` counts the compiles) and in the glue's disk cache.
import inspect as _inspect

from numba.cuda.extending import intrinsic as _intrinsic

# (numba-cuda internal, like the core's ConcreteTemplate: typing templates have no public form)
from numba.cuda.typing.templates import AbstractTemplate as _AbstractTemplate

_POINTER, _CLASS = 10**12, 10**5  # id + _POINTER: a pointer to it; k * _CLASS: class template k
_SCALAR_CXX = (
    ("bool", "boolean"), ("signed char", "int8"), ("unsigned char", "uint8"),
    ("short", "int16"), ("unsigned short", "uint16"), ("int", "int32"), ("unsigned int", "uint32"),
    ("long long", "int64"), ("unsigned long long", "uint64"), ("float", "float32"),
    ("double", "float64"), ("char", "int8"), ("long", "int64"), ("unsigned long", "uint64"),
)  # fmt: skip
_VECTOR_CXX = {"int8": "char", "uint8": "uchar", "int16": "short", "uint16": "ushort",
               "int32": "int", "uint32": "uint", "int64": "longlong", "uint64": "ulonglong",
               "float32": "float", "float64": "double"}  # fmt: skip


class _ClassInstance(types.Type):
    """Base of this module's class template instances (``nbt_box<int>``)."""


def _answers(mangled):
    """The integers a ``__numbast_answer<__numbast_list<...>>`` name expression carries."""
    inner = mangled.partition("__numbast_list")[2]
    return [int(v.replace("n", "-")) for v in _re.findall(r"L[a-z](n?\d+)E", inner)]


def _nvrtc_answers(source, arch, dirs, headers, expressions):
    """(LTO-IR, [integers per expression]) of ``source``; raises ``GlueCompileError(log)``."""
    from cuda.bindings import nvrtc

    def ok(status, *value):
        if status != nvrtc.nvrtcResult.NVRTC_SUCCESS:
            raise GlueCompileError(f"NVRTC: {status!r}")
        return value[0] if value else None

    texts = [s.encode() for s in (*headers.values(), *headers)]
    n = len(headers)
    program = ok(*nvrtc.nvrtcCreateProgram(source.encode(), b"t.cu", n, texts[:n], texts[n:]))
    try:
        for e in expressions:
            ok(*nvrtc.nvrtcAddNameExpression(program, e.encode()))
        options = [f"-arch={arch}", "-rdc=true", "-dlto", *(f"-I{d}" for d in dirs)]
        # NVRTC 12.8+ keeps the headers' parse (automatic PCH) for this process's later
        # instances: one costly parse of <cuda/std/complex>, not one per instance
        options += ["-pch"] if tuple(nvrtc.nvrtcVersion()[1:]) >= (12, 8) else []
        options = [o.encode() for o in options]
        if (
            nvrtc.nvrtcCompileProgram(program, len(options), options)[0]
            != nvrtc.nvrtcResult.NVRTC_SUCCESS
        ):
            log = b" " * ok(*nvrtc.nvrtcGetProgramLogSize(program))
            ok(*nvrtc.nvrtcGetProgramLog(program, log))
            raise GlueCompileError(log.decode(errors="replace").rstrip("\0"))
        code = b" " * ok(*nvrtc.nvrtcGetLTOIRSize(program))
        ok(*nvrtc.nvrtcGetLTOIR(program, code))
        names = [ok(*nvrtc.nvrtcGetLoweredName(program, e.encode())).decode() for e in expressions]
        return bytes(code), [_answers(m) for m in names]
    finally:
        nvrtc.nvrtcDestroyProgram(program)


def _log_excerpt(log):
    lines = [ln for ln in log.splitlines() if "error" in ln or ln.startswith("  ")]
    return "\n".join(lines[:12]) or log[:2000]


class _Templates:
    """The module's templates and their instances. ``structs``: {C++ name: Numba type} of the
    structs the module binds; ``handles``: [(struct handle, its Numba type)] for ``T=Handle``."""

    def __init__(self, glue, registries, structs=(), handles=(), helpers="", enums=()):
        self.glue, self.registries, self.suffix = glue, registries, glue.suffix
        self.helpers = helpers  # C++ the instances' sources share (render/template_cxx.py)
        self.structs, self.handles = dict(structs), dict(handles)
        self.enums = dict(enums)  # {IntEnum class: C++ name}
        self.classes, self.nvrtc_calls = [], 0
        self._lock, self._done, self._rows, self._table = _threading.RLock(), {}, {}, None
        self._keys = {}

    def table(self):
        """[(C++ spelling, Numba type)]: id i + 1 names entry i (made on first use)."""
        if self._table is None:
            table = [(cxx, getattr(types, name)) for cxx, name in _SCALAR_CXX]
            table += [
                (f"{c}{n}", _vector_types[f"{e}x{n}"])
                for e, c in _VECTOR_CXX.items()
                for n in range(1, 5)
            ]
            self._table = table + list(self.structs.items())
        return self._table

    def cxx(self, ty, what):
        """The C++ spelling of a Numba type, or a TypingError naming ``what``."""
        if isinstance(ty, _ClassInstance):
            return ty.cxx_name
        if ty == types.voidptr:  # raw_storage(array): binds to a reference of any type
            return "__numbast_storage<void>"
        if isinstance(ty, types.CPointer):
            return self.cxx(ty.dtype, what) + "*"
        if isinstance(ty, types.IntEnumMember) and ty.instance_class in self.enums:
            return f"__numbast_enum<{self.enums[ty.instance_class]}>"  # (converts to the enum)
        for cxx, known in self.table():
            if known == ty:
                return cxx
        raise _TypingError(f"{what}: the Numba type {ty} has no C++ counterpart here")

    def numba_type(self, rid, targs, what):
        """The Numba type of the result id ``rid`` (``targs``: a class instance's arguments)."""
        if rid == 0:
            return None
        depth, base = _builtins.divmod(rid, _POINTER) if rid > 0 else (0, -1)
        if base >= _CLASS and base // _CLASS <= len(self.classes):
            ty = self.classes[base // _CLASS - 1].instance(tuple(targs), what)
        elif 0 < base <= len(self.table()):
            ty = self.table()[base - 1][1]
        else:
            raise _TypingError(f"{what}: its C++ result type has no Numba type in this module")
        for _ in range(depth):
            ty = types.CPointer(ty)
        return ty

    def prelude(self):
        ids = "".join(
            f"template <> struct __numbast_id<{cxx}> {{ static constexpr long long value = {i}; }};"
            "\n"
            for i, (cxx, _) in enumerate(self.table(), 1)
        )
        return (
            self.glue.prelude
            + self.helpers
            + ids
            + "".join(c.specializations(k) for k, c in enumerate(self.classes, 1))
        )

    def compile(self, body, expressions, what):
        """(LTO-IR, answers) for ``body`` after the helpers: per process, then the disk cache,
        then NVRTC (raises a TypingError with NVRTC's errors)."""
        arch = _compiling_arch(self.glue.arch)
        with self._lock:
            memo = (arch, body, tuple(expressions))
            if memo not in self._done:
                self._done[memo] = self._compile(arch, body, expressions)
            code, answers, log = self._done[memo]
        if log is not None:
            raise _TypingError(f"{what}: C++ rejects it (NVRTC, {arch}):\n{_log_excerpt(log)}")
        return code, answers

    def _compile(self, arch, body, expressions):
        from cuda.bindings import nvrtc

        glue = self.glue
        if arch not in self._keys:  # what every instance's source shares: hashed once
            shared = [_ABI, "templates", self.prelude(), arch, nvrtc.nvrtcVersion()[1:]]
            shared += [glue._dirs(), sorted(glue.headers.items()), glue._sources()]
            self._keys[arch] = _hashlib.sha256(_json.dumps(shared).encode()).hexdigest()
        key = _json.dumps([self._keys[arch], body, expressions])
        key = _hashlib.sha256(key.encode()).hexdigest()
        cached = _cache_get(key)
        if cached is not None and isinstance(cached[1], dict) and cached[1]:
            return cached[0], cached[1].get("answers"), cached[1].get("log")
        self.nvrtc_calls += 1
        try:
            code, answers = _nvrtc_answers(
                self.prelude() + body, arch, glue._dirs(), glue.headers, expressions
            )
            log = None
        except GlueCompileError as error:
            code, answers, log = None, None, str(error)
        _cache_put(key, code, {"answers": answers, "log": log})
        return code, answers, log

    def instance(self, what, call, declval_call, params, construct=None, layout_of=None):
        """Type one call: ``call`` is the C++ expression over the shim's pointers ``a0``...,
        ``declval_call`` the same over declvals (for its type). Returns (result type, row)."""
        name = "__numbast_t_" + _hashlib.sha256((what + call).encode()).hexdigest()[:20]
        result = "__numbast_R"
        decl = ", ".join(["void* r", *(f"{c}* a{i}" for i, c in enumerate(params))])
        if construct is None:
            head = f"using {result} = typename __numbast_value<decltype({declval_call})>::type;\n"
            body = (
                f"__numbast_store<{result}>::run(r, [&]() -> decltype(auto) {{ return {call}; }});"
            )
        else:
            head = f"using {result} = {construct};\n"
            args = ", ".join(f"*a{i}" for i in range(len(params)))
            body = f"::new (r, __numbast_slot()) {result}({args});"
        shim = f'extern "C" __device__ void {name}{self.glue.suffix}({decl}) {{ {body} }}\n'
        expressions = [
            f"&__numbast_answer<__numbast_list<__numbast_id<{result}>::value>>",
            f"&__numbast_answer<typename __numbast_targs<{result}>::type>",
        ]
        layout = layout_of.layout(result) if layout_of is not None else []
        code, answers = self.compile(head + shim, expressions + layout, what)
        if layout_of is not None and answers[0][0] >= _CLASS:
            layout_of.remember(tuple(answers[1]), answers[2:])
        ret = self.numba_type(answers[0][0], answers[1], what)
        arch = _compiling_arch(self.glue.arch)
        self._rows[(arch, name)] = _LTOIR(code, name=f"numbast-template-{name}")
        return ret, name

    def linkable(self, shim, what):
        found = self._rows.get((_compiling_arch(self.glue.arch), shim))
        return found if found is not None else self.glue.linkable(shim, what)  # bound ahead


class _CallSite(_AbstractTemplate):
    """Typing of a call resolved by C++: subclasses spell the call (``spell``)."""

    prefer_literal = True  # non-type template arguments arrive as literals

    def generic(self, args, kws):
        site, binding = self.site, self.binding
        args = tuple(types.unliteral(a) for a in args)
        explicit = binding.explicit(kws)
        given = tuple(getattr(kws[k], "instance_type", explicit[k]) for k in explicit)
        row = binding.ahead.get((args, given))
        # a bound struct or instance passed to a T& is written back (bound ahead: its inouts)
        ours = [getattr(t, "numbast_abi", None) == _ABI for t in args]
        written = [i for i in binding.writes if i < len(args) and ours[i]]
        written = written if row is None else [i for i, m in enumerate(row[3]) if m[0] == "inout"]
        if written and explicit:  # (the mutator is typed from the positional arguments)
            what = f"{binding.what}: a call that writes back its T& arguments"
            raise _TypingError(f"{what} takes no explicit template arguments: C++ deduces them")
        this = getattr(self, "this", None)
        params = ([] if this is None else [this]) + list(args)
        cxx = [site.cxx(t, binding.what) for t in params]
        if row is not None:  # bound ahead: in the module's glue, no NVRTC compile
            ret, shim = row[2], row[0]
        else:
            ret, shim = binding.spell(site, cxx, explicit, this)
        full = (*args, *(kws[k] for k in explicit))
        # a void shim still takes a result pointer (a byte): one shim form for every call
        modes = [("inout" if binding.mutates else "in", this, this)] if this is not None else []
        modes += [("inout", t, t) if i in written else _in(t) for i, t in enumerate(args)]
        key = (*(() if this is None else (this,)), *full)
        if written:  # _StructMutations calls the mutator instead, and stores the arguments
            binding.written[full] = written
        binding.rows[key] = row or (shim, binding.what, ret or types.int8, tuple(modes), False)
        binding.results[key] = ret
        if binding.mutates:  # _StructWrites calls the mutator instead, and stores the receiver
            binding.mutating.add(full)
        sig = _signature(ret if ret is not None else types.void, *full, recvr=this)
        if explicit:
            names = [f"a{i}" for i in range(len(args))] + list(explicit)
            kind = _inspect.Parameter.POSITIONAL_OR_KEYWORD
            sig = sig.replace(
                pysig=_inspect.Signature([_inspect.Parameter(n, kind) for n in names])
            )
        return sig


def _template_lowering(site, binding):
    def lower(context, builder, sig, args):
        row = binding.rows[sig.args]
        n = len(row[3])
        values = _call(context, builder, site, row, args[:n], sig.args[:n])
        return context.get_dummy_value() if sig.return_type == types.void else values[0]

    return lower


class _TemplateBinding:
    """What a call spells: explicit template arguments by keyword, the C++ callee."""

    mutates = False  # a non-const method: its receiver is written back
    writes = ()  # argument positions of non-const references (T&): written back

    def __init__(self, what, params):
        self.what, self.params, self.rows, self.results = what, tuple(params), {}, {}
        self.ahead = {}  # (argument types, explicit arguments): row of a shim in the glue
        self.written = {}  # argument types: the positions written back

    def explicit(self, kws):
        """{name: C++ spelling} of the keyword template arguments, in declaration order."""
        names = [p[0] for p in self.params]
        unknown = [k for k in kws if k not in names]
        if unknown:
            raise _TypingError(f"{self.what}: no template parameter named {', '.join(unknown)}")
        given = [p for p in self.params if p[0] in kws]
        if [p[0] for p in given] != names[: len(given)]:
            raise _TypingError(
                f"{self.what}: template arguments are given in order; give {names[0]} first"
            )
        return {name: self.spell_argument(name, kind, kws[name]) for name, kind, _ in given}

    def spell_argument(self, name, kind, ty):
        what = f"{self.what}: template argument {name}"
        if kind == "type":
            if isinstance(ty, (types.NumberClass, types.TypeRef)):
                return self.site.cxx(ty.instance_type, what)
            handle = getattr(ty, "typing_key", None)
            if handle in self.site.handles:
                return self.site.cxx(self.site.handles[handle], what)
            raise _TypingError(f"{what}: a type is expected (np.float32, a bound struct), not {ty}")
        if isinstance(ty, types.BooleanLiteral):
            return "true" if ty.literal_value else "false"
        if isinstance(ty, types.IntegerLiteral):
            return str(ty.literal_value)
        raise _TypingError(f"{what}: a compile-time integer constant is expected, not {ty}")

    def angle(self, explicit):
        return f"<{', '.join(explicit.values())}>" if explicit else ""


class _FunctionTemplate(_TemplateBinding):
    def __init__(self, what, params, callee):
        super().__init__(what, params)
        self.callee = callee

    def spell(self, site, cxx, explicit, this):
        callee = self.callee + self.angle(explicit)
        call = f"{callee}({', '.join(f'*a{i}' for i in range(len(cxx)))})"
        declval = f"{callee}({', '.join(f'__numbast_declval<{c}&>()' for c in cxx)})"
        return site.instance(f"{self.what}({', '.join(cxx)})", call, declval, cxx)


def _bind_template(registries, site, key, binding, recvr=None):
    """Typing (a template that asks C++) and lowering (a lookup of what typing chose)."""
    binding.site = site
    template = type(f"_Template_{binding.what}", (_CallSite,), {"key": key, "site": site,
                                                                 "binding": binding})  # fmt: skip
    if not _SIMULATOR:
        registries.target.lower(key, types.VarArg(types.Any))(_template_lowering(site, binding))
    return template


def _mutator(site, binding):
    """What _StructMutations calls for a call that writes back (a non-const method's receiver,
    structs passed to ``T&``): returns (result, *updated arguments)."""
    stub = _Stub(f"{binding.what} (writes)", binding.what)

    class Mutator(_AbstractTemplate):
        key = stub

        def generic(self, args, kws):
            ret = binding.results.get(tuple(args), False)
            if ret is False:
                return None
            written = binding.written.get(tuple(args), (0,))  # (a method: its receiver)
            updated = [args[i] for i in written]
            return _signature(types.Tuple((ret or types.none, *updated)), *args)

    stub._numba_type = types.Function(Mutator)

    def lower(context, builder, sig, args):
        row = binding.rows[sig.args]
        values = _call(context, builder, site, row, args, sig.args)
        result = values[0] if binding.results[sig.args] is not None else None
        result = context.get_dummy_value() if result is None else result
        # (a void row bound ahead has no result slot; one spelled at kernel compile has a byte)
        return context.make_tuple(builder, sig.return_type, [result, *values[row[2] is not None :]])

    site.registries.target.lower(stub, types.VarArg(types.Any))(lower)
    return stub


def _function_template(site, name, doc, callee, params, ahead=(), writes=()):
    """A Python name for a set of function templates (with the non-template overloads of the
    same C++ name: C++ overload resolution chooses among all of them). ``ahead``: instances in
    the module's glue (config Template Instances): (explicit template arguments, row).
    ``writes``: positions of non-const references, where structs are written back."""
    stub = _Stub(name, doc)
    if _SIMULATOR:
        return stub
    binding = _FunctionTemplate(callee, params, callee)
    binding.writes = tuple(writes)
    for explicit, row in ahead:  # by (argument types, explicit arguments), as typing finds them
        binding.ahead[(tuple(ty for _, ty, _ in row[3]), tuple(explicit))] = row
    template = _bind_template(site.registries, site, stub, binding)
    if writes:  # what _StructMutations looks for on a function's typing template
        template.numbast_abi, template.numbast_writes = _ABI, binding.written
        template.numbast_mutator = _mutator(site, binding)
    stub._numba_type = types.Function(template)
    site.registries.typing.register_global(stub, stub._numba_type)
    return stub


@_intrinsic
def raw_storage(typingctx, array):
    """The address of ``array``'s data as raw storage: passed to a template, it binds to a
    reference parameter of any type (CUB's ``TempStorage&`` in ``cuda.shared.array`` bytes)."""
    if not isinstance(array, types.Array):
        return None

    def codegen(context, builder, sig, args):
        data = context.make_array(sig.args[0])(context, builder, args[0]).data
        return builder.bitcast(data, _ir.IntType(8).as_pointer())

    return types.voidptr(array), codegen
