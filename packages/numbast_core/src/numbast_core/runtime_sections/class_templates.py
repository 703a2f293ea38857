# ruff: noqa: F821 (a section of the generated module: the core's, structs' and templates'
# names precede it)
# ---- runtime section: class_templates (instances: structs made when a kernel is compiled) ---
import operator as _op

_OPERATOR_TOKENS = {
    _op.add: "+", _op.sub: "-", _op.mul: "*", _op.truediv: "/", _op.eq: "==", _op.ne: "!=",
    _op.lt: "<", _op.le: "<=", _op.gt: ">", _op.ge: ">=", _op.iadd: "+=", _op.isub: "-=",
    _op.imul: "*=", _op.itruediv: "/=", _op.neg: "-", _op.pos: "+",
}  # fmt: skip


class _OperatorSite(_CallSite):
    """An operator typed by C++ where an operand is a class template instance of the module."""

    def generic(self, args, kws):
        if kws or not any(isinstance(types.unliteral(a), _ClassInstance) for a in args):
            return None
        return _CallSite.generic(self, args, kws)


class _Method(_TemplateBinding):
    """``mutates``: the method has no const overload, so it runs on the receiver itself (the
    writes section's rewrite stores the receiver back)."""

    def __init__(self, what, name, mutates):
        super().__init__(what, ())
        self.name, self.mutates, self.mutating = name, mutates, _builtins.set()

    def explicit(self, kws):  # a member template's arguments: by position in kws order
        kind = {k: "value" if isinstance(v, types.Literal) else "type" for k, v in kws.items()}
        return {k: self.spell_argument(k, kind[k], v)
                for k, v in kws.items()}  # fmt: skip

    def spell(self, site, cxx, explicit, this):
        member = (".template " if explicit else ".") + self.name + self.angle(explicit)
        rest = ", ".join(f"*a{i}" for i in range(1, len(cxx)))
        receiver = cxx[0] if self.mutates else f"const {cxx[0]}"
        call = f"static_cast<{receiver}&>(*a0){member}({rest})"
        declval = ", ".join(f"__numbast_declval<{c}&>()" for c in cxx[1:])
        declval = f"__numbast_declval<{receiver}&>(){member}({declval})"
        return site.instance(f"{self.what}({', '.join(cxx)})", call, declval, cxx)


class _Operator(_TemplateBinding):
    def __init__(self, fn):
        super().__init__(f"operator{_OPERATOR_TOKENS[fn]}", ())
        self.token = _OPERATOR_TOKENS[fn]

    def spell(self, site, cxx, explicit, this, token=None):
        token = token or self.token
        if len(cxx) == 1:
            call, declval = f"{token}(*a0)", f"{token}__numbast_declval<{cxx[0]}&>()"
        else:
            call = f"(*a0) {token} (*a1)"
            declval = " ".join(
                (f"__numbast_declval<{cxx[0]}&>()", token, f"__numbast_declval<{cxx[1]}&>()")
            )
        try:
            return site.instance(f"operator{token}({', '.join(cxx)})", call, declval, cxx)
        except _TypingError:
            if token not in ("+=", "-=", "*=", "/="):
                raise
        # as Python does, `a += b` is `a = a + b` where the class has no operator+=
        return self.spell(site, cxx, explicit, this, token[0])


class _ClassTemplate(_TemplateBinding):
    """``params``: (name, "type" or "value", C++ type of a value); ``fields``, ``methods``:
    public members by name."""

    def __init__(self, site, what, python_name, params, fields, methods):
        super().__init__(what, params)
        self.site, self.python_name, self.fields = site, python_name, tuple(fields)
        self.methods, self.types, self._layouts = tuple(methods), {}, {}

    def specializations(self, k):
        head = ", ".join(
            f"class {n}" if kind == "type" else f"{cxx} {n}" for n, kind, cxx in self.params
        )
        args = ", ".join(n for n, _, _ in self.params)
        values = ", ".join(
            f"__numbast_id<{n}>::value" if kind == "type" else f"(long long)({n})"
            for n, kind, _ in self.params
        )
        spelled = f"{self.what}<{args}>"
        return (
            f"template <{head}> struct __numbast_id<{spelled}> "
            f"{{ static constexpr long long value = {k * _CLASS}; }};\n"
            f"template <{head}> struct __numbast_targs<{spelled}> "
            f"{{ using type = __numbast_list<{values}>; }};\n"
        )

    def layout(self, c):
        """Name expressions that answer the layout of the instance ``c``: its size, alignment,
        whether it is standard-layout, then per field its size, alignment and result id. (NVRTC
        has no constant ``offsetof``: offsets follow from these, in declaration order.)"""
        exprs = [
            f"&__numbast_answer<__numbast_list<sizeof({c}), alignof({c}),"
            f" __is_standard_layout({c})>>"
        ]
        for f in self.fields:
            member = f"__numbast_declval<{c}&>().{f}"
            exprs.append(
                f"&__numbast_answer<__numbast_list<sizeof({member}), alignof(decltype({member})),"
                f" __numbast_id<decltype({member})>::value>>"
            )
        return exprs

    def fields_at(self, layout, what):
        """[(name or None, Numba type, offset, size)] of a standard-layout instance; [] (opaque
        bytes) otherwise or where the computed layout does not add up to its size."""
        (size, align, standard), *fields = layout
        rows, end = [], 0
        for name, (nbytes, field_align, rid) in zip(self.fields, fields):
            offset = -(-end // field_align) * field_align
            ty = self.site.numba_type(rid, (), what) if 0 < rid % _POINTER < _CLASS else None
            rows.append((name if ty is not None else None, ty, offset, nbytes))
            end = offset + nbytes
        return rows if standard and self.fields and -(-end // align) * align == size else []

    def remember(self, targs, layout):
        self._layouts.setdefault(targs, layout)

    def spell_targs(self, targs, what):
        spelled = []
        for (name, kind, cxx), value in zip(self.params, targs):
            if kind == "type" and value == 0:  # (a default: wmma's fragment<..., Layout=void>)
                spelled.append("void")
            elif kind == "type":
                if value < 0 or value % _POINTER >= _CLASS:
                    raise _TypingError(f"{what}: template argument {name} has no Numba type here")
                spelled.append(self.site.cxx(self.site.numba_type(value, (), what), what))
            else:
                spelled.append(("true" if value else "false") if cxx == "bool" else str(value))
        return f"{self.what}<{', '.join(spelled)}>"

    def instance(self, targs, what):
        """The Numba type of the instance with these template arguments (its ids and values)."""
        if targs in self.types:
            return self.types[targs]
        cxx = self.spell_targs(targs, what)
        if targs not in self._layouts:  # a result of a call, not yet constructed here
            exprs = self.layout("__numbast_R")
            _, answers = self.site.compile(f"using __numbast_R = {cxx};\n", exprs, what)
            self._layouts[targs] = answers
        size = self._layouts[targs][0][0]
        rows = self.fields_at(self._layouts[targs], what)
        name = f"{self.python_name}<{cxx.partition('<')[2]}"
        ty = _struct_type(name, cxx, size, rows, {}, parent=_ClassInstance)
        ty.template = self
        if ty._fields:  # v.field = x: the writes section's rewrite calls these setters
            _bind_writes(self.site.registries, self.site.glue, ty, ())
        self.types[targs] = ty
        return ty

    def spell(self, site, cxx, explicit, this):
        given = f"{self.what}{self.angle(explicit)}" if explicit else None
        if given:  # raw storage binds to any reference but the class's own (no copy)
            cxx = [c.replace("__numbast_storage<void>", f"__numbast_storage<{given}>") for c in cxx]
        args = ", ".join(f"__numbast_declval<{c}&>()" for c in cxx)
        construct = given or f"decltype({self.what}({args}))"  # C++17 deduction (CTAD)
        call = f"{construct}({', '.join(f'*a{i}' for i in range(len(cxx)))})"
        what = f"{self.python_name}({', '.join(cxx)})"
        return site.instance(what, call, call, cxx, construct=construct, layout_of=self)


def _class_template(site, name, doc, cxx, params, fields, methods, mutating=()):
    """The handle of a class template: calling it in a kernel constructs an instance.
    ``mutating``: the methods without a const overload."""
    stub = _Stub(name, doc)
    binding = _ClassTemplate(site, cxx, name, params, fields, methods)
    binding.mutating_methods = tuple(mutating)
    site.classes.append(binding)
    if _SIMULATOR:
        return stub
    template = _bind_template(site.registries, site, stub, binding)
    stub._numba_type = types.Function(template)
    site.registries.typing.register_global(stub, stub._numba_type)
    return stub


def _tag_type(site, name, cxx):
    """A record declared and defined nowhere (``struct row_major;``): a name for a template
    argument (``Layout=row_major``), never a value."""
    stub = _Stub(name, f"struct {cxx} (declared only: a template argument)")
    ty = types.Opaque(cxx)
    site.structs[cxx], site.handles[stub] = ty, ty
    if not _SIMULATOR:

        class Tag(_AbstractTemplate):
            key = stub

            def generic(self, args, kws):
                raise _TypingError(f"{name} is a type for template arguments, not a value")

        site.registries.typing.register_global(stub, types.Function(Tag))
    return stub


def _template_members(site):
    """Fields, methods and operators of every class template instance of the module."""
    if _SIMULATOR or not site.classes:
        return
    registries, methods = site.registries, {}
    for cls in site.classes:
        for name in cls.methods:
            key = f"{cls.what}::{name}"
            binding = _Method(key, name, name in cls.mutating_methods)
            template = _bind_template(registries, site, key, binding)
            template.numbast_abi, template.numbast_mutating = _ABI, binding.mutating
            template.numbast_mutator = _mutator(site, binding) if binding.mutates else None
            methods[(cls, name)] = template

    class Attributes(_AttributeTemplate):
        key = _ClassInstance

        def generic_resolve(self, ty, attr):
            if attr in ty._fields:
                return ty._fields[attr]
            if (ty.template, attr) in methods:
                return types.BoundFunction(methods[(ty.template, attr)], ty)
            return None

    registries.typing.register_attr(Attributes)

    @registries.target.lower_getattr_generic(_ClassInstance)
    def get_field(context, builder, ty, value, attr):
        return _field_getter(attr)(context, builder, ty, value)

    for fn in _OPERATOR_TOKENS:
        binding = _Operator(fn)
        binding.site = site
        attrs = {"key": fn, "site": site, "binding": binding}
        operator = type(f"_Operator_{fn.__name__}", (_OperatorSite,), attrs)
        registries.typing.register_global(fn, types.Function(operator))
        lowering = _template_lowering(site, binding)
        for sig in ((_ClassInstance,), (_ClassInstance, types.Any), (types.Any, _ClassInstance),
                    (_ClassInstance, _ClassInstance)):  # fmt: skip
            registries.target.lower(fn, *sig)(lowering)
