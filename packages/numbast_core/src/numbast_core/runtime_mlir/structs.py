# ruff: noqa: F821 (names defined by core.py, which comes first in every module)
# ---- runtime section (numba-cuda-mlir): structs (bound C++ structs) --------------------------
class _StructTypeMixin:
    """A bound C++ struct: value semantics, layout equal to C++ (padding as opaque bytes)."""

    mutable = True  # `v op= w` runs C++ `op=`, not the plain `op`
    numbast_abi = _ABI

    def can_convert_from(self, typingctx, other):
        return _Conversion.unsafe if other in self._implicit_from else None

    def can_convert_to(self, typingctx, other):
        return _Conversion.unsafe if other in self._implicit_to else None


class _ArrayType(types.Type):
    """A fixed C array inside a struct (a field ``T x[n]``, or opaque bytes): an LLVM array in
    the struct's layout; read as a tuple."""

    def __init__(self, element, count):
        self.element, self.count = element, count
        super().__init__(name=f"numbast_array({element}, {count})")


class _ArrayModel(_models.PrimitiveModel):
    def __init__(self, dmm, fe_type):
        element = dmm.lookup(fe_type.element).get_data_type()
        array = _ir.Type.parse(f"!llvm.array<{fe_type.count} x {element}>")
        super().__init__(dmm, fe_type, array)


_extending.register_model(_ArrayType)(_ArrayModel)


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


def _member(field_type, nbytes):
    """The struct member that holds a field: the field's own type, or an array."""
    if field_type is None:
        return _ArrayType(types.uint8, nbytes)
    if isinstance(field_type, types.UniTuple):
        return _ArrayType(field_type.dtype, field_type.count)
    return field_type


def _struct_type(
    name, cxx_name, size, fields, shared, parent=types.Type, model=None, dependency=False
):
    """Numba type of a struct; ``fields``: (name or None for opaque bytes, type, offset, size).
    One Numba type per C++ struct and layout per process (see the numba-cuda runtime)."""
    layout = (size, tuple((f, str(t), offset, nbytes) for f, t, offset, nbytes in fields))
    kind = (parent.__name__, model)
    for ty in shared.get(cxx_name, ()):
        if getattr(ty, "_layout", None) == layout and (dependency or ty._kind == kind):
            return ty
    cls = type(f"{name}Type", (_StructTypeMixin, parent), {})
    ty = cls(name=name)
    ty._implicit_from, ty._implicit_to, ty.cxx_name = {}, {}, cxx_name
    ty._layout, ty._kind = layout, kind
    ty._fields = {f: t for f, t, _, _ in fields if f is not None}
    members, end = [], 0
    for field, field_type, offset, nbytes in fields:
        if offset > end:
            members.append((f"_pad{end}", _ArrayType(types.uint8, offset - end)))
        members.append((field or f"_opaque{offset}", _member(field_type, nbytes)))
        end = offset + nbytes
    if size > end:
        members.append((f"_pad{end}", _ArrayType(types.uint8, size - end)))
    ty._positions = {f: i for i, (f, _) in enumerate(members)}
    ty._primitive = model == "PrimitiveModel"
    if ty._primitive:  # one scalar (or opaque bytes of that size): the value itself
        scalar = fields[0][1] if len(fields) == 1 and fields[0][3] == size else None

        class Model(_models.PrimitiveModel):
            def __init__(self, dmm, fe_type):
                be_type = dmm.lookup(scalar).get_value_type() if scalar else None
                super().__init__(dmm, fe_type, be_type or _ir.IntegerType.get_signless(8 * size))

    else:

        class Model(_models.StructModel):
            def __init__(self, dmm, fe_type):
                super().__init__(dmm, fe_type, members)

    _extending.register_model(cls)(Model)
    return ty


def _field_getter(field):
    def get(context, builder, target, value):
        ty = builder.get_numba_type(value)
        struct = builder.load_var(value)
        if ty._primitive:
            return builder.store_var(target, struct)
        field_type, position = ty._fields[field], ty._positions[field]
        if isinstance(field_type, types.UniTuple):
            element = builder.get_storage_type(field_type.dtype)
            array = _llvm.extractvalue(builder.get_storage_type(_member(field_type, 0)), struct,
                                       [position])  # fmt: skip
            items = [_llvm.extractvalue(element, array, [i]) for i in range(field_type.count)]
            read = tuple(builder.from_storage(field_type.dtype, v) for v in items)
            return builder.store_var(target, read)
        member = builder.get_value_type(field_type)
        builder.store_var(target, _llvm.extractvalue(member, struct, [position]))

    return get


def _field_setter(field):
    """``v.field = x``: the variable ``v`` gets the updated struct value (numba-cuda-mlir
    counts a field assignment as an assignment of ``v``, so ``v`` lives in a stack slot)."""

    def set_field(context, builder, sig, args):
        ty, value_type = sig.args
        field_type = ty._fields[field]
        value = builder.load_var(args[1])
        if value_type != field_type:
            value = builder.lower_cast(value_type, field_type, value)
        if ty._primitive:
            return builder.store_var(args[0], value)
        struct, position = builder.load_var(args[0]), ty._positions[field]
        if isinstance(field_type, types.UniTuple):
            array = _llvm.UndefOp(builder.get_storage_type(_member(field_type, 0))).result
            for i, item in enumerate(value):
                array = _llvm.insertvalue(array, builder.as_storage(field_type.dtype, item), [i])
            value = array
        builder.store_var(args[0], _llvm.insertvalue(struct, value, [position]))

    return set_field


def _dummy_getter(context, builder, target, value):
    pass  # a static member's stub: the call is lowered by the stub's own lowering


def _cast_lowering(glue, row):
    def cast(context, builder, fromty, toty, value):
        return _call(builder, glue, row, [value], [fromty])[0]

    return cast


def _conversion_call(glue, rows):
    """``target_type(value)`` of a struct value: its C++ conversion operator to that type."""

    def lower(builder, target, args, kws):
        to, source = builder.get_numba_type(target), builder.get_numba_type(args[0])
        if to not in rows:
            raise _TypingError(f"{source} has no C++ conversion to {to}")
        builder.store_var(target, _call(builder, glue, rows[to], [builder.load_var(args[0])],
                                        [source])[0])  # fmt: skip

    return lower


def _bind_struct(
    registries, glue, ty, handle, statics=(), methods=(), conversions=(), implicit=(), setitem=()
):
    """Fields, methods, static methods, conversions and item writes of a struct type."""
    for name, stub in statics:
        setattr(handle, name, stub)
    bound_methods = {}
    for name, rows in methods:
        key = f"{ty.cxx_name}.{name}"
        template = type(f"_Method_{name}", (_ConcreteTemplate,), {"key": key})
        template.cases = [_case(row, recvr=ty) for row in rows]
        called = rows
        if any(row[3][0][0] == "inout" for row in rows):  # non-const: through the mutator
            called = _mutating_methods(registries, glue, ty, name, rows, template)
        for row in called:
            registries.target.lower(key, ty, *_case(row, recvr=ty).args)(_lowering(glue, row))
        bound_methods[name] = template

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
        registries.target.lower_setattr(ty, field)(_field_setter(field))
    if setitem:
        _bind_setitem(registries, glue, ty, setitem)
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
    if conversions:  # `types.float32(v)`: numba-cuda-mlir lowers it as a call, not as a cast
        rows = {target: row for target, row, _ in conversions}
        registries.target.lower(types.NumberClass, ty)(_conversion_call(glue, rows))
    for source, row in implicit:
        registries.target.lower_cast(source, ty)(_cast_lowering(glue, row))
        ty._implicit_from[source] = row
