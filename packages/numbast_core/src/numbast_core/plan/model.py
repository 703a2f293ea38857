"""The plan's data: frozen dataclasses, no Numba or C++ source text (the renderers spell it)."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TypeAlias

from .refs import EnumRef, Scalar, StructRef, TypeRef, Vector
from .shims import ShimSpec


class OperatorForm(enum.Enum):
    UNARY = "unary"  # -x
    BINARY = "binary"  # x + y
    INPLACE = "inplace"  # x += y (the updated left operand is the result)
    INDEX = "index"  # x[i]


@dataclass(frozen=True)
class Operator:
    """A Python operator: ``function`` names it in the ``operator`` module; ``symbol`` is its
    token, the same in Python and C++ (``+``, ``+=``, ``~``; ``[]`` for indexing)."""

    function: str
    symbol: str
    form: OperatorForm

    @property
    def label(self) -> str:
        return f"operator.{self.function}"


@dataclass(frozen=True)
class ParamPlan:
    name: str  # C++ parameter name, or a synthetic "arg<i>"
    cxx_type: str  # as declared
    mode: str  # "in" (by value), "ptr" (pointer intent), "out" (out_return), "inout" (receiver)
    type: TypeRef  # the value's Numba type (the pointee's for "ptr"/"out")


@dataclass(frozen=True)
class OverloadPlan:
    shim: str  # the C symbol of the extern "C" wrapper
    cxx_name: str  # qualified C++ name, for messages
    cxx_signature: str  # for docstrings: "__half __hadd(const __half a, const __half b)"
    result: TypeRef | None  # Numba type of the result; None for void
    params: tuple[ParamPlan, ...]
    spec: ShimSpec  # what the wrapper does
    cooperative: bool = False


@dataclass(frozen=True)
class FunctionBinding:
    python_name: str
    cxx_name: str
    overloads: tuple[OverloadPlan, ...]


@dataclass(frozen=True)
class EnumBinding:
    python_name: str
    cxx_name: str
    underlying: Scalar
    members: tuple[tuple[str, int], ...]

    @property
    def ref(self) -> EnumRef:
        return EnumRef(self.cxx_name, self.python_name, self.underlying)


@dataclass(frozen=True)
class TypedefBinding:
    python_name: str
    cxx_name: str
    target: TypeRef  # an EnumRef names the bound enum class itself


@dataclass(frozen=True)
class FieldPlan:
    name: str | None  # None: opaque bytes (private, bitfield, union, unmapped or padding)
    type: TypeRef | None  # Numba type of a readable field
    offset: int  # bytes
    size: int  # bytes


@dataclass(frozen=True)
class StructBinding:
    python_name: str  # the handle: calling it constructs a value
    cxx_name: str
    size: int
    align: int
    parent: str  # the Numba type's base class in numba.cuda.types ("Type", "Number", ...)
    model: str | None  # data model class in numba.cuda.datamodel.models, when overridden
    fields: tuple[FieldPlan, ...]
    ctors: tuple[OverloadPlan, ...]
    # a non-const method's receiver has mode "inout": the shim updates it and the runtime
    # stores it back into the caller's variable (or array element)
    methods: tuple[tuple[str, tuple[OverloadPlan, ...]], ...]
    statics: tuple[tuple[str, tuple[OverloadPlan, ...]], ...]
    conversions: tuple[tuple[TypeRef, OverloadPlan, bool], ...]  # (target, shim, explicit)
    implicit_from: tuple[tuple[TypeRef, OverloadPlan], ...]  # converting ctors used implicitly
    # `v[i] = x` through a non-const `T& operator[]`: (self, index, value) -> updated self
    item_setters: tuple[OverloadPlan, ...] = ()
    # declared in a header outside the File List, used by this one's API: layout, fields and
    # constructors only (its own header's bindings bring the rest)
    dependency: bool = False
    # numba-cuda's own type represents it (``__nv_bfloat16``: bfloat16): the module names that
    # type; ``implicit_from`` and ``conversions`` are casts to and from it
    native: Scalar | None = None

    @property
    def ref(self) -> StructRef:
        return StructRef(self.cxx_name, self.python_name)


@dataclass(frozen=True)
class TemplateParamPlan:
    """One template parameter: a kernel passes it by keyword (``T=np.float32``, ``N=4``)."""

    name: str
    kind: str  # "type" or "value" (a non-type parameter)
    cxx_type: str = ""  # a non-type parameter's C++ type, as declared
    has_default: bool = False


@dataclass(frozen=True)
class FunctionTemplateBinding:
    """A function template (or a set of them, with any non-template overloads of the same
    name): C++ overload resolution and deduction pick the instantiation when a kernel is
    compiled, through NVRTC."""

    python_name: str
    cxx_name: str  # qualified C++ name: the callee the instantiation's shim calls
    params: tuple[TemplateParamPlan, ...]  # the first template's, for explicit arguments
    signatures: tuple[str, ...]  # C++ declarations, for docstrings and tables
    also_function: bool = False  # non-template overloads of the same name resolve through it
    # instances bound ahead (config Template Instances), glue precompiled: (the explicit
    # template arguments as a kernel gives them: a type's Numba type, a constant's spelling;
    # the overload): a kernel's call with the same arguments uses it, with no NVRTC compile
    ahead: tuple[tuple[tuple[TypeRef | str, ...], OverloadPlan], ...] = ()
    # argument positions that are non-const references to classes in some overload: a bound
    # struct or class template instance passed there is written back, as by a ``T&`` function
    writes: tuple[int, ...] = ()


@dataclass(frozen=True)
class ClassTemplateBinding:
    """A class template: an instance (``Box(v, T=np.int32)``, or deduced from the constructor's
    arguments) gets its Numba type, layout and members from NVRTC when a kernel is compiled."""

    python_name: str
    cxx_name: str  # qualified C++ name of the template
    params: tuple[TemplateParamPlan, ...]
    fields: tuple[str, ...]  # public data members
    methods: tuple[str, ...]  # public non-static member functions (and member templates)
    mutating: tuple[str, ...]  # the methods without a const overload (run on the receiver)
    signature: str  # the template's head, for docstrings and tables


@dataclass(frozen=True)
class TagBinding:
    """A record declared and defined nowhere (wmma's ``struct row_major;``): a Python name that
    a kernel gives as a template argument (``Layout=wmma.row_major``)."""

    python_name: str
    cxx_name: str  # qualified, as C++ is given it


# a Vector: a conversion to that CUDA vector type, spelled with its constructor
OperatorKey: TypeAlias = Operator | Vector


@dataclass(frozen=True)
class OperatorBinding:
    operator: OperatorKey
    overloads: tuple[OverloadPlan, ...]

    @property
    def label(self) -> str:
        op = self.operator
        return op.label if isinstance(op, Operator) else f"vector.{op.name}"


@dataclass(frozen=True)
class Skipped:
    kind: str  # "function", "enum", "typedef", "struct", ...
    cxx_name: str
    reason: str
    location: str = ""


@dataclass(frozen=True)
class PlanRow:
    kind: str
    cxx_name: str
    python_name: str
    status: str  # "bound" or "skipped"
    reason: str


class CallForm(enum.Enum):
    """How a kernel calls a bound callable."""

    CALL = "call"  # callee(args): a function, constructor or static member
    METHOD = "method"  # args[0].member(args[1:])
    OPERATOR = "operator"  # -a, a + b, a += b
    INDEX = "index"  # a[i]
    SETITEM = "setitem"  # a[i] = v
    CONVERSION = "conversion"  # target(a): to a builtin or a CUDA vector type


@dataclass(frozen=True)
class BoundCallable:
    """One bound C++ callable (one shim) with the Python form that calls it."""

    kind: str  # its plan row's kind: "function", "constructor", "method", "operator", ...
    python_name: str  # its plan row's Python name: function, struct handle or operator label
    form: CallForm
    overload: OverloadPlan
    callee: str = ""  # CALL: the module-level name called ("f", "Vec", "Vec.make")
    member: str = ""  # METHOD: the method's name
    target: TypeRef | None = None  # CONVERSION: the type converted to
    operator: Operator | None = None  # OPERATOR, INDEX


def _bound_row(kind: str, cxx_name: str, python_name: str) -> PlanRow:
    return PlanRow(kind, cxx_name, python_name, "bound", "")


def _function_callables(fn: FunctionBinding) -> Iterator[BoundCallable]:
    for o in fn.overloads:
        yield BoundCallable("function", fn.python_name, CallForm.CALL, o, callee=fn.python_name)


def _struct_callables(st: StructBinding) -> Iterator[BoundCallable]:
    py = st.python_name
    for o in st.ctors:
        yield BoundCallable("constructor", py, CallForm.CALL, o, callee=py)
    for name, overloads in st.methods:
        for o in overloads:
            yield BoundCallable("method", py, CallForm.METHOD, o, member=name)
    for name, overloads in st.statics:
        for o in overloads:
            yield BoundCallable("method", py, CallForm.CALL, o, callee=f"{py}.{name}")
    for target, o, _ in st.conversions:
        yield BoundCallable("conversion", py, CallForm.CONVERSION, o, target=target)
    for o in st.item_setters:
        yield BoundCallable("operator", py, CallForm.SETITEM, o)


def _operator_callables(op: OperatorBinding) -> Iterator[BoundCallable]:
    key = op.operator
    for o in op.overloads:
        if isinstance(key, Vector):
            yield BoundCallable("operator", op.label, CallForm.CONVERSION, o, target=key)
        else:
            form = CallForm.INDEX if key.form is OperatorForm.INDEX else CallForm.OPERATOR
            yield BoundCallable("operator", op.label, form, o, operator=key)


@dataclass(frozen=True)
class BindingPlan:
    arch: str
    macros: tuple[tuple[str, str | None], ...]  # predefined before the entry point's include
    entry_point_include: str  # the header name the glue includes
    include_dirs: tuple[str, ...]
    functions: tuple[FunctionBinding, ...]
    enums: tuple[EnumBinding, ...]
    typedefs: tuple[TypedefBinding, ...]
    skipped: tuple[Skipped, ...]
    structs: tuple[StructBinding, ...] = ()
    operators: tuple[OperatorBinding, ...] = ()
    warnings: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()  # config problems found against the headers (key path: msg)
    additional_imports: tuple[str, ...] = ()
    setup_callback: str | None = None
    teardown_callback: str | None = None
    separate_registry: bool = False
    output_name: str = ""
    entry_point_include_quoted: bool = False  # #include "x.h" rather than <x.h>
    metadata: tuple[tuple[str, str], ...] = field(default=())
    function_templates: tuple[FunctionTemplateBinding, ...] = ()
    class_templates: tuple[ClassTemplateBinding, ...] = ()
    tags: tuple[TagBinding, ...] = ()
    # numba-cuda's own types (``__half``: float16) the headers declare: template arguments and
    # results of instances
    template_natives: tuple[str, ...] = ()

    @property
    def public_names(self) -> tuple[str, ...]:
        # (a function template's instances bound ahead share its name)
        return tuple(dict.fromkeys(
            [e.python_name for e in self.enums]
            + [st.python_name for st in self.structs]
            + [f.python_name for f in self.functions]
            + [t.python_name for t in self.typedefs]
            + [t.python_name for t in self.function_templates]
            + [t.python_name for t in self.class_templates]
            + [t.python_name for t in self.tags]
        ))  # fmt: skip

    def _callables_by_owner(self) -> Iterator[tuple[PlanRow | None, Iterator[BoundCallable]]]:
        """The one walk over bound callables: per function, struct (with its own row) and
        operator, in module order."""
        for fn in self.functions:
            yield None, _function_callables(fn)
        for st in self.structs:
            kind = "dependency struct" if st.dependency else "struct"  # declared elsewhere
            kind = "native type" if st.native else kind  # numba-cuda's own type represents it
            yield _bound_row(kind, st.cxx_name, st.python_name), _struct_callables(st)
        for op in self.operators:
            yield None, _operator_callables(op)

    def callables(self) -> Iterator[BoundCallable]:
        """Every bound callable (each has one shim): functions, struct members, operators."""
        for _, calls in self._callables_by_owner():
            yield from calls

    def rows(self) -> tuple[PlanRow, ...]:
        """One row per bound or skipped declaration, for tables and JSON."""
        rows = [_bound_row("enum", e.cxx_name, e.python_name) for e in self.enums]
        for owner, calls in self._callables_by_owner():
            rows += [owner] if owner is not None else []
            rows += [_bound_row(c.kind, c.overload.cxx_signature, c.python_name) for c in calls]
        rows += [_bound_row("typedef", t.cxx_name, t.python_name) for t in self.typedefs]
        rows += [  # (non-template functions that take class template instances join them)
            _bound_row(
                "function template" if sig.startswith("template") else "function",
                sig,
                t.python_name,
            )
            for t in self.function_templates
            for sig in t.signatures
        ]
        rows += [
            _bound_row("template instance", o.cxx_signature, t.python_name)
            for t in self.function_templates
            for _, o in t.ahead
        ]
        rows += [
            _bound_row("class template", t.signature, t.python_name) for t in self.class_templates
        ]
        rows += [_bound_row("tag type", t.cxx_name.lstrip(":"), t.python_name) for t in self.tags]
        rows += [PlanRow(s.kind, s.cxx_name, "", "skipped", s.reason) for s in self.skipped]
        return tuple(rows)
