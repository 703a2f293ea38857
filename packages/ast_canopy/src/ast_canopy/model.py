"""The declaration model: frozen, JSON-serialisable dataclasses describing parsed C++.

Everything here is plain data (strings, ints, bools, tuples, nested dataclasses), so a
``Declarations`` value pickles, compares by value and round-trips exactly through JSON.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import types
import typing
from dataclasses import dataclass, field
from typing import Any


class ExecSpace(str, enum.Enum):
    HOST = "host"
    DEVICE = "device"
    HOST_DEVICE = "host_device"
    GLOBAL = "global"


class MethodKind(str, enum.Enum):
    DEFAULT_CONSTRUCTOR = "default_constructor"
    COPY_CONSTRUCTOR = "copy_constructor"
    MOVE_CONSTRUCTOR = "move_constructor"
    CONVERTING_CONSTRUCTOR = "converting_constructor"
    OTHER_CONSTRUCTOR = "other_constructor"
    DESTRUCTOR = "destructor"
    CONVERSION = "conversion"
    OPERATOR = "operator"
    REGULAR = "regular"


class Access(str, enum.Enum):
    PUBLIC = "public"
    PROTECTED = "protected"
    PRIVATE = "private"


class TemplateParamKind(str, enum.Enum):
    TYPE = "type"
    NON_TYPE = "non_type"
    TEMPLATE = "template"


@dataclass(frozen=True)
class Location:
    file: str  # realpath of the expansion-location file
    line: int
    column: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Type:
    spelling: str  # as written, e.g. "const __half &"
    canonical: str  # canonical spelling, typedefs resolved, e.g. "const __half &"
    unqualified_non_ref_type_name: str  # "__half" for "const __half &"
    is_const: bool = False  # const-qualified after stripping one reference
    is_pointer: bool = False
    is_lvalue_ref: bool = False
    is_rvalue_ref: bool = False
    array_extent: int | None = None  # N for T[N]
    size: int | None = None  # bytes, None when unknown (incomplete or dependent)
    align: int | None = None
    pointee: Type | None = None  # for pointers and references: the referred type
    element: Type | None = None  # for fixed arrays: the element type
    kind: str = ""  # clang TypeKind name of the canonical type, e.g. "RECORD", "FLOAT", "ENUM"


@dataclass(frozen=True)
class Param:
    name: str | None  # None for an unnamed parameter
    type: Type
    default: str | None = None  # default-argument text as written, None if none


@dataclass(frozen=True)
class Function:
    name: str
    qualified_name: str  # "ns::f"
    namespace: tuple[str, ...]  # ("ns",)
    return_type: Type
    params: tuple[Param, ...]
    exec_space: ExecSpace
    mangled_name: str  # Itanium name; a stable fallback id when clang gives none
    location: Location
    is_constexpr: bool = False
    is_inline: bool = False
    is_variadic: bool = False
    is_deleted: bool = False
    operator: str | None = None  # "+", "==", "[]", "()", ... when the function is an operator
    # a definition is in the translation unit, or the declaration is in a CUDA toolkit header,
    # whose declared-only functions NVRTC's built-ins library defines (cuda_fp16.h's under NVRTC)
    is_defined: bool = True
    is_specialization: bool = False  # an explicit specialization of a function template
    is_invalid: bool = False  # clang recovered from an error in it (--bypass-parse-error)


@dataclass(frozen=True)
class Field:
    name: str
    type: Type
    access: Access
    offset_bits: int
    bitfield_width: int | None = None
    is_anonymous: bool = False  # an unnamed struct/union member


@dataclass(frozen=True)
class Method:
    function: Function  # name, params, return type, mangled name, exec space, operator
    kind: MethodKind
    access: Access
    is_static: bool = False
    is_const: bool = False
    is_explicit: bool = False
    is_deleted: bool = False
    is_defaulted: bool = False
    is_virtual: bool = False


@dataclass(frozen=True)
class Struct:
    name: str  # "" for an anonymous record
    qualified_name: str
    namespace: tuple[str, ...]
    is_union: bool
    size: int | None
    align: int | None
    fields: tuple[Field, ...]
    methods: tuple[Method, ...]
    nested: tuple[Struct, ...]
    location: Location
    is_class: bool = False  # declared with "class" (default access private)
    # member function templates (types as written, dependent); constructor templates included
    member_templates: tuple[Method, ...] = ()
    # qualified names of the public base classes (of a base template: the template's name)
    bases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Enumerator:
    name: str
    value: int


@dataclass(frozen=True)
class Enum:
    name: str
    qualified_name: str
    namespace: tuple[str, ...]
    is_scoped: bool
    underlying: Type
    enumerators: tuple[Enumerator, ...]
    location: Location


@dataclass(frozen=True)
class Typedef:
    name: str
    qualified_name: str
    namespace: tuple[str, ...]
    underlying: Type
    location: Location


@dataclass(frozen=True)
class TemplateParam:
    kind: TemplateParamKind
    name: str
    default: str | None = None
    is_pack: bool = False
    type: str | None = None  # spelling of a non-type parameter's type


@dataclass(frozen=True)
class FunctionTemplate:
    template_params: tuple[TemplateParam, ...]
    function: Function  # the templated function, types as written (dependent)


@dataclass(frozen=True)
class ClassTemplate:
    template_params: tuple[TemplateParam, ...]
    record: Struct  # the templated record, types as written (dependent)
    # False: the primary template is declared and never defined (wmma's ``fragment``): its
    # instances are its explicit and partial specialisations
    is_defined: bool = True


@dataclass(frozen=True)
class ClassTemplateSpecialization:
    template_name: str  # qualified name of the primary template
    template_args: tuple[str, ...]
    record: Struct


@dataclass(frozen=True)
class ConstExprVar:
    name: str
    qualified_name: str
    type: Type
    value: Any  # int, float or bool, or None when clang cannot evaluate it
    location: Location


@dataclass(frozen=True)
class Diagnostic:
    severity: str  # "warning", "error", "fatal"
    location: Location
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.severity}: {self.message}"


@dataclass(frozen=True)
class Declarations:
    structs: tuple[Struct, ...] = ()
    functions: tuple[Function, ...] = ()
    function_templates: tuple[FunctionTemplate, ...] = ()
    class_templates: tuple[ClassTemplate, ...] = ()
    class_template_specializations: tuple[ClassTemplateSpecialization, ...] = ()
    typedefs: tuple[Typedef, ...] = ()
    enums: tuple[Enum, ...] = ()
    constexpr_vars: tuple[ConstExprVar, ...] = ()
    # Records declared outside the retained files that retained declarations use (by value,
    # reference or pointer; transitively through their fields and constructors): their layout,
    # fields and constructors only, so a binding can build and pass them.
    dependencies: tuple[Struct, ...] = ()
    # records declared and defined nowhere in the translation unit (tag types such as wmma's
    # ``struct row_major;``): they only name a type, e.g. as a template argument
    declared_only: tuple[Struct, ...] = ()
    # inline namespaces of the retained declarations ("cuda::std::__4"): C++ names may omit them
    inline_namespaces: tuple[str, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = field(default=(), compare=False)

    def to_json(self, **dumps_kwargs: Any) -> str:
        return json.dumps(_to_plain(self), **dumps_kwargs)

    @classmethod
    def from_json(cls, text: str) -> Declarations:
        return _from_plain(cls, json.loads(text))


def _to_plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value):
        return {f.name: _to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple):
        return [_to_plain(v) for v in value]
    return value


def _from_plain(hint: Any, data: Any) -> Any:
    """Rebuild a value of type ``hint`` (a class or a typing annotation) from JSON data."""
    if data is None:
        return None
    origin = typing.get_origin(hint)
    if origin is tuple:
        (item, _ellipsis) = typing.get_args(hint)
        return tuple(_from_plain(item, v) for v in data)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        return _from_plain(options[0], data)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint(data)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        hints = typing.get_type_hints(hint)
        return hint(**{name: _from_plain(hints[name], v) for name, v in data.items()})
    return data
