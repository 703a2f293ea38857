# ruff: noqa: F821 (names defined by core.py, which comes first in every module)
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
    for module in list(_sys.modules.values()):  # (their globals: no module __getattr__ runs)
        shared = getattr(module, "__dict__", {}).get("__numbast_structs__")
        for key, ty in shared.items() if isinstance(shared, dict) else ():
            if isinstance(key, tuple) and key[0] == _ABI:
                found.setdefault(key[1], []).append(ty)
    return found


# Field types whose value form differs from their bytes in memory (numba's boolean is i1 as a
# value, i8 in memory): a struct keeps the memory form, so the whole struct value stores as is
# (into a pointer or a C++ slot); the getter and setter convert.
def _stored(ty):
    """The memory form of a field type (bools, and fixed arrays of them, as bytes), or None when
    it is the type itself."""
    if ty == types.boolean:
        return types.uint8
    if isinstance(ty, types.UniTuple):
        inner = _stored(ty.dtype)
        return None if inner is None else types.UniTuple(inner, ty.count)
    return None


def _copied_whole(model):
    """Whether numba's conversions of ``model`` between its value and memory forms do nothing:
    numbers, pointers, and fixed arrays and structs (CUDA vector types, bound structs) of them."""
    if isinstance(model, _models.UniTupleModel):
        return _copied_whole(model._elem_model)
    kind, own = type(model), ("as_data", "from_data", "load_from_data_pointer")
    for base in (_models.PrimitiveModel, _models.StructModel):
        same = _builtins.all(getattr(kind, f) is getattr(base, f) for f in own)
        if isinstance(model, base) and same:
            return _builtins.all(_copied_whole(m) for m in getattr(model, "_models", ()))
    return getattr(model, "numbast_whole", False)


class _WholeStructModel(_models.StructModel):
    """A struct whose value and memory forms are the same (a bool field is a byte: _stored) is
    loaded and stored whole. numba's StructModel rebuilds a value element by element: 2,000 LLVM
    instructions per copy of curand's 4 KiB MTGP32 state, which nvJitLink and ptxas compiled one
    by one (minutes for its 40 KiB parameter block); LLVM turns a whole copy into a loop."""

    def __init__(self, dmm, fe_type, members):
        super().__init__(dmm, fe_type, members)
        same = self.get_value_type() == self.get_data_type()
        self.numbast_whole = same and _builtins.all(_copied_whole(m) for m in self._models)

    def as_data(self, builder, value):
        return value if self.numbast_whole else super().as_data(builder, value)

    def from_data(self, builder, value):
        return value if self.numbast_whole else super().from_data(builder, value)

    def load_from_data_pointer(self, builder, ptr, align=None):
        if self.numbast_whole:
            return builder.load(ptr, align=align)
        return super().load_from_data_pointer(builder, ptr, align)


def _struct_type(
    name, cxx_name, size, fields, shared, parent=types.Type, model=None, dependency=False
):
    """Numba type of a struct; ``fields``: (name or None for opaque bytes, type, offset, size).

    A C++ struct has one Numba type per process: when another generated module already made
    one with the same layout (``__half2`` bound by cuda_fp16, used by cuda_fp8), it is reused;
    ``shared`` is what ``_shared_structs()`` found when this module's import began. A struct of
    this module's own headers reuses only a type of the same base class and data model (its
    config's); a ``dependency`` (declared elsewhere) takes the type its own module made.
    """
    layout = (size, tuple((f, str(t), offset, nbytes) for f, t, offset, nbytes in fields))
    kind = (parent.__name__, model and model.__name__)
    for ty in shared.get(cxx_name, ()):
        same_kind = getattr(ty, "_kind", None) == kind
        if getattr(ty, "_layout", None) == layout and (dependency or same_kind):
            return ty
    cls = type(f"{name}Type", (_StructTypeMixin, parent), {})
    ty = cls(name=name)
    ty._implicit_from, ty._implicit_to, ty._writers, ty.cxx_name = {}, {}, {}, cxx_name
    ty._layout, ty._fields = layout, {f: t for f, t, _, _ in fields if f is not None}
    ty._kind = kind
    members, end = [], 0
    for field, field_type, offset, nbytes in fields:
        if offset > end:
            members.append((f"_pad{end}", types.UniTuple(types.uint8, offset - end)))
        stored = _stored(field_type) or field_type  # a bool field is a byte in memory
        members.append((field or f"_opaque{offset}", stored or types.UniTuple(types.uint8, nbytes)))
        end = offset + nbytes
    if size > end:
        members.append((f"_pad{end}", types.UniTuple(types.uint8, size - end)))

    if model is not None and issubclass(model, _models.PrimitiveModel):
        # one scalar (or opaque bytes of that size): the value itself, e.g. an i8 for fp8
        scalar = fields[0][1] if len(fields) == 1 and fields[0][3] == size else None

        class Model(model):
            def __init__(self, dmm, fe_type):
                be_type = dmm.lookup(scalar).get_value_type() if scalar else None
                super().__init__(dmm, fe_type, be_type or _ir.IntType(8 * size))

    else:

        class Model(model or _WholeStructModel):
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
            if row not in mutating:  # a non-const method is only called through _StructMutations
                registries.target.lower(key, ty, *case.args)(_lowering(glue, row))
        mutator = _function(registries, glue, key, key, mutating) if mutating else None
        attrs = {"key": key, "cases": cases, "numbast_abi": _ABI, "numbast_mutator": mutator}
        attrs["numbast_mutating"] = {c.args for r, c in zip(rows, cases) if r in mutating}
        bound_methods[name] = type(f"_Method_{name}", (_ConcreteTemplate,), attrs)
    static_types = {name: stub._numba_type for name, stub in statics}

    class Attributes(_AttributeTemplate):
        key = ty

        def generic_resolve(self, value_type, attr):
            if attr in ty._fields:
                return ty._fields[attr]
            if attr in bound_methods:
                return types.BoundFunction(bound_methods[attr], ty)
            return static_types.get(attr)  # C++ calls a static through a value too: v.f()

    registries.typing.register_attr(Attributes)
    for field in ty._fields:
        registries.target.lower_getattr(ty, field)(_field_getter(field))
    if mutable:
        _bind_writes(registries, glue, ty, setitem)
    for name in static_types:
        registries.target.lower_getattr(handle._numba_type, name)(_dummy_getter)
        registries.target.lower_getattr(ty, name)(_dummy_getter)

    class StaticAttributes(_AttributeTemplate):
        key = handle._numba_type

        def generic_resolve(self, value_type, attr):
            return static_types.get(attr)

    registries.typing.register_attr(StaticAttributes)
    _bind_isinstance(registries, ty, handle._numba_type)
    for target, row, explicit in conversions:
        registries.target.lower_cast(ty, target)(_cast_lowering(glue, row))
        if not explicit:
            ty._implicit_to[target] = row
    for source, row in implicit:
        registries.target.lower_cast(source, ty)(_cast_lowering(glue, row))
        ty._implicit_from[source] = row


def _bind_isinstance(registries, ty, handle_type):
    """``isinstance(v, S)`` in a kernel, ``S`` a bound struct's Python name (a function, which
    numba-cuda's own isinstance refuses): a constant, True when ``S`` names ``v``'s type. Only
    ``v`` of exactly this struct type is typed here, so no other isinstance changes meaning."""
    from numba.cuda.typing.templates import AbstractTemplate

    handle_type.numbast_struct = ty

    class IsInstance(AbstractTemplate):
        key = isinstance

        def generic(self, args, kws):
            if kws or len(args) != 2 or args[0] != ty:
                return None
            named = getattr(args[1], "numbast_struct", None)
            return _signature(types.boolean, *args) if named is not None else None

    registries.typing.register_global(isinstance, types.Function(IsInstance))
    registries.target.lower(isinstance, ty, types.Function)(
        lambda context, builder, sig, args: context.get_constant(
            types.boolean, sig.args[1].numbast_struct == ty
        )
    )


def _field_getter(field):
    def get(context, builder, ty, value):
        if isinstance(context.data_model_manager[ty], _models.PrimitiveModel):
            return value  # the struct's one scalar is the value itself
        helper = context.make_helper(builder, ty, value=value)
        # by position: numba's struct proxy refuses names starting with "_" (e.g. fp8's __x)
        raw = helper[context.data_model_manager[ty].get_field_position(field)]
        field_type = ty._fields[field]
        stored = _stored(field_type)
        return raw if stored is None else context.cast(builder, raw, stored, field_type)

    return get


def _dummy_getter(context, builder, ty, value):
    return context.get_dummy_value()


def _cast_lowering(glue, row):
    def cast(context, builder, fromty, toty, value):
        return _call(context, builder, glue, row, [value], [fromty])[0]

    return cast
