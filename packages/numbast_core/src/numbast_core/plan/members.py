"""A struct's members: constructors, methods, statics, conversions and member operators."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field

from ast_canopy.model import Access, ExecSpace, Function, Method, MethodKind, Struct, Type

from ..config import Config
from .model import OperatorForm, OverloadPlan, ParamPlan, Skipped, StructBinding
from .names import attribute_name, shim_name
from .operators import GETITEM, SHIM_KINDS, OperatorOverloads, python_operator
from .overloads import OverloadSets
from .params import Skip, drop_const, plan_param, result_of, variants
from .refs import Scalar, StructRef, TypeRef, value_type
from .shims import Passing, ShimArg, ShimKind, ShimSpec
from .structs import StructName, plan_fields, struct_order
from .typemap import BUILTINS, KnownTypes, Unmapped, glue_spelling, vector_type
from .usable import unusable_reason

_BUILTIN_SCALARS = frozenset(BUILTINS.values())

Receiver = tuple[ParamPlan, ShimArg]


@dataclass(frozen=True)
class PlannedStruct:
    binding: StructBinding
    operators: list[OperatorOverloads]  # merged with the free ones
    conversions_to_structs: list[tuple[StructRef, OverloadPlan, str]]  # Target(value) ctors


@dataclass
class _Members:
    """What one struct's members contribute, gathered in declaration order."""

    name: StructName
    config: Config
    known: KnownTypes
    skipped: list[Skipped]
    ctors: OverloadSets[str] = field(default_factory=lambda: OverloadSets("member"))
    methods: OverloadSets[str] = field(
        default_factory=lambda: OverloadSets("member", receiver=False)
    )
    statics: OverloadSets[str] = field(default_factory=lambda: OverloadSets("member"))
    conversion_sets: OverloadSets[TypeRef] = field(default_factory=lambda: OverloadSets("member"))
    conversions: list[tuple[TypeRef, OverloadPlan, bool]] = field(default_factory=list)
    to_structs: list[tuple[StructRef, OverloadPlan, str]] = field(default_factory=list)
    implicit: list[tuple[TypeRef, OverloadPlan]] = field(default_factory=list)
    operators: list[OperatorOverloads] = field(default_factory=list)
    item_setters: list[OverloadPlan] = field(default_factory=list)

    @property
    def cxx(self) -> str:
        return "::" + self.name.struct.qualified_name

    def receiver(self, mutable: bool = False, mode: str = "in") -> Receiver:
        """``self``: read through a const pointer, or the shim's own (mutable) copy of it;
        mode "inout" stores the updated copy back into the caller's variable."""
        passing = Passing.MUTABLE_POINTER if mutable else Passing.CONST_POINTER
        param = ParamPlan("self", self.name.struct.qualified_name, mode, self.name.ref)
        return param, ShimArg("self", self.cxx, passing)

    def add_ctor(self, m: Method | None, fn: Function, kind: ShimKind) -> None:
        as_struct = (self.name.ref, self.cxx)
        planned = variants(
            self.config, fn, self.known, kind, self.cxx, result=as_struct, shim_tag="_ctor"
        )
        kept = self.ctors.add("", planned, self.skipped, str(fn.location))
        # callable with one argument (the rest defaulted): C++ converts implicitly
        single = next((v for v in kept if len(v.params) == 1), None)
        if (
            m is not None
            and m.kind is MethodKind.CONVERTING_CONSTRUCTOR
            and not m.is_explicit
            and single is not None
            and single.params[0].type != self.name.ref
        ):
            self.implicit.append((single.params[0].type, single))

    def add_conversion(self, m: Method, fn: Function) -> None:
        target, cxx_target = result_of(fn, self.known)
        assert target is not None and cxx_target is not None  # a conversion returns a value
        target = value_type(target)
        vector = vector_type(cxx_target)
        to_struct = isinstance(target, StructRef)
        if not (
            to_struct or vector or (isinstance(target, Scalar) and target.name in _BUILTIN_SCALARS)
        ):
            raise Skip(
                f"conversion to `{fn.return_type.spelling}`: Numba has no call that "
                "spells an explicit conversion to it"
            )
        (variant,) = variants(
            self.config,
            fn,
            self.known,
            ShimKind.CONVERSION,
            receiver=self.receiver(),
            result=(target, cxx_target),
            shim_tag="_conv" if to_struct or vector else "",
        )
        where = str(fn.location)
        if isinstance(target, StructRef):  # spelled Target(value): a constructor of Target
            self.to_structs.append((target, variant, where))
        elif vector:  # spelled with numba-cuda's constructor: float32x2(value)
            self.operators.append(OperatorOverloads(vector, (variant,), where))
        elif self.conversion_sets.add(target, [variant], self.skipped, where):
            self.conversions.append((target, variant, m.is_explicit))

    def add_index(self, m: Method, fn: Function) -> None:
        where = str(fn.location)
        reads = variants(
            self.config,
            fn,
            self.known,
            ShimKind.INDEX,
            receiver=self.receiver(mutable=not m.is_const),
        )
        ret = fn.return_type
        sets = bool(
            not m.is_const and ret.is_lvalue_ref and ret.pointee and not ret.pointee.is_const
        )
        if sets:
            self.item_setters.append(self._item_setter(fn, reads[0]))
        # a read that duplicates another (a const and a non-const operator[]) is not reported
        # when the declaration also sets items
        self.operators.append(OperatorOverloads(GETITEM, tuple(reads), where, not sets))

    def _item_setter(self, fn: Function, read: OverloadPlan) -> OverloadPlan:
        """`v[i] = x` through `T& operator[](I)`: returns the updated copy of the receiver."""
        _, index = plan_param(self.config, fn, 0, self.known)
        value = drop_const(glue_spelling(fn.return_type))
        assert read.result is not None  # a T& operator[] reads a T
        args = (self.receiver()[1], index, ShimArg("value", value, Passing.CONST_POINTER))
        return OverloadPlan(
            shim_name(fn.mangled_name + "_set", module=self.config.output_name),
            fn.qualified_name,
            read.cxx_signature,
            self.name.ref,
            (*read.params, ParamPlan("value", value, "in", read.result)),
            ShimSpec(ShimKind.SET_ITEM, "", self.cxx, args),
        )

    def add_operator(self, m: Method, fn: Function) -> None:
        op = python_operator(fn.operator or "", len(fn.params) + 1)
        if op is None:
            raise Skip(f"operator{fn.operator} has no Python equivalent")
        compound = op.form is OperatorForm.INPLACE  # yields the updated receiver
        planned = variants(
            self.config,
            fn,
            self.known,
            SHIM_KINDS[op.form],
            fn.operator or "",
            receiver=self.receiver(mutable=not m.is_const),
            result=(self.name.ref, self.cxx) if compound else None,
        )
        self.operators.append(OperatorOverloads(op, tuple(planned), str(fn.location)))

    def add_static(self, fn: Function) -> None:
        planned = variants(
            self.config, fn, self.known, ShimKind.CALL, f"{self.cxx}::{fn.name}", shim_tag="_static"
        )
        self.statics.add(attribute_name(fn.name), planned, self.skipped, str(fn.location))

    def add_method(self, m: Method, fn: Function) -> None:
        receiver = self.receiver() if m.is_const else self.receiver(mutable=True, mode="inout")
        planned = variants(self.config, fn, self.known, ShimKind.METHOD, fn.name, receiver=receiver)
        if not m.is_const and any(p.mode == "out" for p in planned[0].params):
            raise Skip("non-const method with an out_return parameter")
        self.methods.add(attribute_name(fn.name), planned, self.skipped, str(fn.location))

    def add(self, m: Method) -> None:
        """Plan one member, or raise Skip/Unmapped."""
        fn = m.function
        native = self.name.native
        is_ctor = m.kind.value.endswith("constructor")
        if native and not (is_ctor or m.kind in (MethodKind.CONVERSION, MethodKind.OPERATOR)):
            raise Skip(f"numba-cuda's own `{native.name}`: only casts and operators are bound")
        if m.is_deleted:
            raise Skip("deleted")
        if m.access is not Access.PUBLIC:
            raise Skip(f"{m.access.value} member")
        if fn.exec_space is ExecSpace.HOST:
            raise Skip("host-only")
        if m.is_virtual:
            raise Skip("virtual")
        unusable = unusable_reason(fn, self.config.gpu_arch[0], defaulted=m.is_defaulted)
        if unusable:
            raise Skip(unusable)
        if m.kind is MethodKind.DESTRUCTOR:
            raise Skip("destructor: bound structs are plain values, the destructor is not called")
        if m.kind is MethodKind.MOVE_CONSTRUCTOR:
            raise Skip("move constructor: values are copied")
        if m.kind.value.endswith("constructor"):
            self.add_ctor(m, fn, ShimKind.CONSTRUCT)
        elif m.kind is MethodKind.CONVERSION:
            self.add_conversion(m, fn)
        elif m.kind is MethodKind.OPERATOR and fn.operator == "[]" and len(fn.params) == 1:
            self.add_index(m, fn)
        elif m.kind is MethodKind.OPERATOR:
            self.add_operator(m, fn)
        elif m.is_static:
            self.add_static(fn)
        else:
            self.add_method(m, fn)


def _implicit_default_ctor(st: Struct) -> Function:
    void = Type("void", "void", "void", kind="VOID")
    return Function(
        name=st.name,
        qualified_name=f"{st.qualified_name}::{st.name}",
        namespace=st.namespace,
        return_type=void,
        params=(),
        exec_space=ExecSpace.HOST_DEVICE,
        mangled_name=f"{st.qualified_name}::{st.name}()",
        location=st.location,
    )


def _parent(config: Config, st: Struct, conversions: list) -> str:
    """The Numba type's base class: a struct that converts to builtins is a Number."""
    override = config.types.get(st.name) or config.types.get(st.qualified_name)
    if override:
        return override
    return "Number" if conversions else "Type"


def plan_struct(
    config: Config, name: StructName, known: KnownTypes, skipped: list[Skipped]
) -> PlannedStruct:
    if name.dependency:  # its members are its own header's API: not reported here
        skipped = []
    st = name.struct
    fields = plan_fields(st, known, skipped) if name.native is None else ()
    members = _Members(name, config, known, skipped)
    if name.native is None and not any(m.kind.value.endswith("constructor") for m in st.methods):
        # no user-declared constructor: C++ gives it an implicit default one (value-initialized)
        members.add_ctor(None, _implicit_default_ctor(st), ShimKind.DEFAULT_CONSTRUCT)
    for m in st.methods:
        try:
            members.add(m)
        except (Skip, Unmapped) as err:
            reason = str(err) if isinstance(err, Skip) else f"type {err} has no Numba mapping"
            what = f"{st.qualified_name}::{m.function.name}"
            skipped.append(Skipped("member", what, reason, str(m.function.location)))
    # Implicit conversions to builtins are only offered by structs without operators, so a
    # builtin operator can never win over the struct's own (numba tries builtins first).
    has_operators = bool(members.operators)
    model = config.data_models.get(st.name) or config.data_models.get(st.qualified_name)
    binding = StructBinding(
        native=name.native,
        python_name=name.python_name,
        cxx_name=st.qualified_name,
        size=st.size or 0,
        align=st.align or 1,
        parent=_parent(config, st, members.conversions),
        model=model or None,
        fields=fields,
        ctors=next((o for _, o in members.ctors.items()), ()),
        methods=tuple(members.methods.items()),
        statics=tuple(members.statics.items()),
        conversions=tuple((t, o, e or has_operators) for t, o, e in members.conversions),
        implicit_from=tuple(members.implicit),
        item_setters=tuple(members.item_setters),
        dependency=name.dependency,
    )
    if name.native is not None:
        return _native(config, binding, members, skipped)
    return PlannedStruct(binding, members.operators, members.to_structs)


def native_operands(config: Config, names: Iterable[StructName]) -> frozenset[str]:
    """numba-cuda's own scalars whose C++ operators this module binds: only in its separate
    registry (the global one keeps numba-cuda's meaning). numba-cuda 0.30.4 types no float16 or
    bfloat16 arithmetic or casts itself: its own ``_internal`` modules bind them this way."""
    if not config.use_separate_registry:
        return frozenset()
    return frozenset(n.native.name for n in names if n.native is not None and not n.dependency)


def _native(
    config: Config, binding: StructBinding, members: _Members, skipped: list[Skipped]
) -> PlannedStruct:
    """A struct numba-cuda represents with its own type: its one-argument constructors and its
    conversions become casts, bound (with its operators) only in a separate registry."""
    native = binding.native
    assert native is not None
    unbound: list[tuple[OverloadPlan, str]] = []
    if not config.use_separate_registry:
        reason = (
            f"numba-cuda's own `{native.name}`: its casts and operators are bound only with "
            "Use Separate Registry: True (the global registry keeps numba-cuda's meaning)"
        )
        unbound = [(o, reason) for o in binding.ctors]
        unbound += [(o, reason) for _, o, _ in binding.conversions]
        unbound += [(o, reason) for op in members.operators for o in op.variants]
        binding = dataclasses.replace(binding, ctors=(), conversions=(), implicit_from=())
        operators: list[OperatorOverloads] = []
    else:
        casts = [o for o in binding.ctors if _is_cast(o, native)]
        reason = f"called as `{native.name}(value)`: only one-argument constructors (casts) apply"
        unbound = [(o, reason) for o in binding.ctors if o not in casts]
        conversions = binding.conversions
        operators = members.operators
        implicit = tuple((o.params[0].type, o) for o in casts)
        binding = dataclasses.replace(
            binding, ctors=tuple(casts), implicit_from=implicit, conversions=conversions
        )
    skipped += [Skipped("member", o.cxx_signature, why) for o, why in unbound]
    return PlannedStruct(binding, operators, members.to_structs)


def _is_cast(overload: OverloadPlan, native: Scalar) -> bool:
    params = overload.params
    return len(params) == 1 and params[0].mode == "in" and value_type(params[0].type) != native


def plan_structs(
    config: Config, names: dict[str, StructName], known: KnownTypes, skipped: list[Skipped]
) -> tuple[list[StructBinding], list[OperatorOverloads]]:
    """Every bound struct, in dependency order, and their member operators."""
    structs: list[StructBinding] = []
    operators: list[OperatorOverloads] = []
    conversions: dict[str, list[tuple[OverloadPlan, str, bool]]] = {}
    for name in names.values():
        planned = plan_struct(config, name, known, skipped)
        structs.append(planned.binding)
        operators += planned.operators
        for target, overload, where in planned.conversions_to_structs:
            entry = (overload, where, not name.dependency)
            conversions.setdefault(target.cxx_name, []).append(entry)
    numbers = {s.cxx_name for s in structs if s.parent == "Number"}
    structs = [_with_conversions(s, conversions, skipped) for s in structs]
    structs = [_native_casts(s, numbers, skipped) for s in structs]
    return struct_order(structs), operators


def _native_casts(st: StructBinding, numbers: set[str], skipped: list[Skipped]) -> StructBinding:
    """numba-cuda casts to its own types (``float16(x)``) from numbers only: a cast from a struct
    whose Numba type is not a Number (config Types) could never be used."""
    if st.native is None:
        return st
    keep = [
        (source, o)
        for source, o in st.implicit_from
        if not isinstance(source, StructRef) or source.cxx_name in numbers
    ]
    dropped = [o for source, o in st.implicit_from if (source, o) not in keep]
    reason = f"`{st.native.name}(value)` takes numbers: the argument's type is not a Number"
    skipped += [Skipped("member", o.cxx_signature, reason) for o in dropped]
    return dataclasses.replace(
        st, implicit_from=tuple(keep), ctors=tuple(o for o in st.ctors if o not in dropped)
    )


def _with_conversions(
    st: StructBinding,
    conversions: dict[str, list[tuple[OverloadPlan, str, bool]]],
    skipped: list[Skipped],
) -> StructBinding:
    """Other structs' conversion operators to ``st`` become constructors of ``st``."""
    if st.cxx_name not in conversions:
        return st
    ctors: OverloadSets[str] = OverloadSets("member")
    ctors.add("", st.ctors, [])
    for overload, where, report in conversions[st.cxx_name]:
        ctors.add("", [overload], skipped if report else [], where)
    return dataclasses.replace(st, ctors=ctors.items()[0][1])
