"""A grammar of C++ declarations for the property-based test of generated bindings.

``headers()`` is a hypothesis strategy that draws a :class:`Header`: the text of a CUDA C++
header (typedefs, enums of every width, structs with random fields, arrays, padding and
bitfields, free ``__device__`` functions taking values, pointers and references, ``const``,
namespaces, overloads, default arguments) plus what the test needs to know about it (every
declaration's qualified name, each struct's fields, each enum's members).

The grammar only writes C++ that clang and NVRTC both accept: names are unique, overloads of a
name never make a call ambiguous (cstdint aliases and ``long``/``long long`` count as one type
here, since clang with glibc and NVRTC with libcu++ disagree on which one ``int64_t`` is), an
``alignas`` is never below the natural alignment, and default arguments are trailing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import strategies as st


@dataclass(frozen=True)
class Scalar:
    spelling: str
    key: str  # one key per C++ type that overload resolution could confuse
    size: int
    integral: bool = True
    signed: bool = True

    @property
    def align(self) -> int:
        return self.size

    @property
    def bits(self) -> int:
        return 1 if self.spelling == "bool" else 8 * self.size

    def literal(self, value: int) -> str:
        if self.spelling == "bool":
            return "true" if value % 2 else "false"
        if not self.integral:
            return f"{value}.5f" if self.size == 4 else f"{value}.25"
        return str(value)


_INTEGER_SPELLINGS = (  # (bits, signed spellings, unsigned spellings)
    (8, ("signed char", "int8_t", "std::int8_t"), ("unsigned char", "uint8_t", "std::uint8_t")),
    (16, ("short", "int16_t", "std::int16_t"), ("unsigned short", "uint16_t", "std::uint16_t")),
    (32, ("int", "int32_t", "std::int32_t"), ("unsigned int", "uint32_t", "std::uint32_t")),
    (
        64,
        ("long", "long long", "int64_t", "std::int64_t"),
        ("unsigned long", "unsigned long long", "uint64_t", "std::uint64_t", "size_t"),
    ),
)


INTEGERS: tuple[Scalar, ...] = (
    Scalar("char", "char", 1),
    *(Scalar(n, f"s{b}", b // 8) for b, signed, _ in _INTEGER_SPELLINGS for n in signed),
    *(Scalar(n, f"u{b}", b // 8, signed=False) for b, _, uns in _INTEGER_SPELLINGS for n in uns),
)
BOOL = Scalar("bool", "bool", 1, signed=False)
FLOATS = (Scalar("float", "f32", 4, integral=False), Scalar("double", "f64", 8, integral=False))
SCALARS: tuple[Scalar, ...] = (BOOL, *INTEGERS, *FLOATS)


@dataclass(frozen=True)
class Enum:
    qualified: str
    underlying: Scalar | None  # None: a plain enum without a fixed type (int-sized values)
    scoped: bool
    members: tuple[tuple[str, int], ...]  # (qualified spelling of the enumerator, value)

    key = property(lambda self: "E:" + self.qualified)
    size = property(lambda self: self.underlying.size if self.underlying else 4)
    align = property(lambda self: self.size)
    spelling = property(lambda self: self.qualified)


@dataclass(frozen=True)
class Struct:
    qualified: str
    align: int  # at least the natural alignment (used only to keep alignas valid)
    probe: tuple[str, Scalar | Enum] | None  # a writable non-array field of a scalar/enum type
    holds_bool: bool = False  # a bool member (not a bitfield), here or in a member struct
    holds_const: bool = False  # a const member, here or in a member struct
    key = property(lambda self: "S:" + self.qualified)
    spelling = property(lambda self: self.qualified)


@dataclass(frozen=True)
class Typedef:
    qualified: str
    target: Scalar | Enum | Struct | Typedef
    key = property(lambda self: self.target.key)
    align = property(lambda self: self.target.align)
    spelling = property(lambda self: self.qualified)

    @property
    def resolved(self) -> Scalar | Enum | Struct:
        target = self.target
        return target.resolved if isinstance(target, Typedef) else target


ValueType = Scalar | Enum | Struct | Typedef


def resolve(t: ValueType) -> Scalar | Enum | Struct:
    return t.resolved if isinstance(t, Typedef) else t


@dataclass(frozen=True)
class FieldSpec:
    name: str | None  # None: an unnamed zero-width bitfield
    bitfield: bool


@dataclass(frozen=True)
class StructSpec:
    qualified: str
    fields: tuple[FieldSpec, ...]
    holds_bool: bool
    holds_const: bool


@dataclass(frozen=True)
class ParamSpec:
    function: str  # the qualified name of the function it belongs to
    scalar: str  # the spelling of the scalar type the parameter's type resolves to, or ""
    form: str  # one of FORMS


@dataclass(frozen=True)
class Header:
    text: str
    structs: tuple[StructSpec, ...]
    enums: tuple[Enum, ...]
    typedefs: tuple[str, ...]
    functions: tuple[tuple[str, int], ...]  # (qualified name, number of its declarations)
    params: tuple[ParamSpec, ...]  # of every function declaration


# ---- the drawing ---------------------------------------------------------------------------


@dataclass
class _Scope:
    """What has been declared so far (so later declarations can use it)."""

    types: list[ValueType] = field(default_factory=list)
    namespaces: list[tuple[str, ...]] = field(default_factory=lambda: [()])
    units: list[tuple[tuple[str, ...], str]] = field(default_factory=list)
    structs: list[StructSpec] = field(default_factory=list)
    enums: list[Enum] = field(default_factory=list)
    typedefs: list[str] = field(default_factory=list)
    functions: dict[str, int] = field(default_factory=dict)
    params: list[ParamSpec] = field(default_factory=list)
    counter: int = 0

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"


def _qualify(ns: tuple[str, ...], name: str) -> str:
    return "::".join((*ns, name))


def _namespace(draw, scope: _Scope) -> tuple[str, ...]:
    choice = draw(st.integers(0, len(scope.namespaces)))
    if choice < len(scope.namespaces):
        return scope.namespaces[choice]
    parent = draw(st.sampled_from(scope.namespaces))
    ns = (*parent, scope.fresh("ns"))
    scope.namespaces.append(ns)
    return ns


def _value_type(draw, scope: _Scope, structs: bool = True) -> ValueType:
    pool = [t for t in scope.types if structs or not isinstance(resolve(t), Struct)]
    if pool and draw(st.booleans()):
        return draw(st.sampled_from(pool))
    return draw(st.sampled_from(SCALARS))


def _enum_literal(value: int) -> str:
    if value == -(2**63):
        return "(-9223372036854775807LL - 1)"
    if value > 2**63 - 1:
        return f"{value}ULL"
    if value > 2**31 - 1 or value < -(2**31):
        return f"{value}LL"
    return str(value)


def _draw_enum(draw, scope: _Scope, ns: tuple[str, ...]) -> None:
    name = scope.fresh("E")
    underlying = draw(st.one_of(st.none(), st.sampled_from(INTEGERS)))
    scoped = underlying is not None and draw(st.booleans())
    if underlying is None:
        low, high = -(2**31), 2**31 - 1
    elif underlying.signed:
        low, high = -(2 ** (underlying.bits - 1)), 2 ** (underlying.bits - 1) - 1
    else:
        low, high = 0, 2**underlying.bits - 1
    values = draw(
        st.lists(
            st.one_of(st.integers(low, high), st.sampled_from((low, high, 0))),
            min_size=1,
            max_size=4,
        )
    )
    members = [(f"{name}_m{i}", v) for i, v in enumerate(values)]
    base = f" : {underlying.spelling}" if underlying else ""
    body = ", ".join(f"{m} = {_enum_literal(v)}" for m, v in members)
    scope.units.append((ns, f"enum {'class ' if scoped else ''}{name}{base} {{ {body} }};"))
    owner = _qualify(ns, name) if scoped else "::".join(ns)
    spelled = tuple((f"{owner}::{m}" if owner else m, v) for m, v in members)
    enum = Enum(_qualify(ns, name), underlying, scoped, spelled)
    scope.types.append(enum)
    scope.enums.append(enum)


def _draw_typedef(draw, scope: _Scope, ns: tuple[str, ...]) -> None:
    name = scope.fresh("t")
    target = _value_type(draw, scope)
    if draw(st.booleans()):
        text = f"typedef {target.spelling} {name};"
    else:
        text = f"using {name} = {target.spelling};"
    scope.units.append((ns, text))
    scope.types.append(Typedef(_qualify(ns, name), target))
    scope.typedefs.append(_qualify(ns, name))


def _alignas(draw, natural: int) -> int | None:
    """``alignas(n)`` with n >= ``natural`` (a smaller one is ill-formed), or None."""
    if draw(st.integers(0, 3)) != 0:
        return None
    return draw(st.sampled_from([a for a in (1, 2, 4, 8, 16, 32) if a >= natural]))


NO_FLAGS = (False, False)


def _draw_field(draw, scope: _Scope, index: int, self_name: str):
    """One member declaration: (text, FieldSpec, alignment, probe-able type or None,
    (holds bool, holds const))."""
    name = f"f{index}"
    kind = draw(
        st.sampled_from(
            ("value", "value", "value", "array", "bitfield", "pointer", "const", "zero")
        )
    )
    if kind in ("bitfield", "zero"):
        base = draw(st.sampled_from(INTEGERS if kind == "zero" else (BOOL, *INTEGERS)))
        if kind == "zero":
            return f"{base.spelling} : 0;", FieldSpec(None, True), base.align, None, NO_FLAGS
        width = draw(st.integers(1, base.bits))
        text = f"{base.spelling} {name} : {width};"
        return text, FieldSpec(name, True), base.align, base, NO_FLAGS
    if kind == "pointer":
        pointee = draw(st.sampled_from(("self", "other")))
        spelled = self_name if pointee == "self" else _value_type(draw, scope).spelling
        return f"{spelled}* {name};", FieldSpec(name, False), 8, None, NO_FLAGS
    t = _value_type(draw, scope)
    align = t.align
    declarator = name
    if kind == "array":
        dims = draw(st.lists(st.integers(1, 4), min_size=1, max_size=2))
        declarator += "".join(f"[{d}]" for d in dims)
    extra = _alignas(draw, align)
    prefix = f"alignas({extra}) " if extra else ""
    align = max(align, extra or 1)
    r = resolve(t)
    flags = (
        r == BOOL or (isinstance(r, Struct) and r.holds_bool),
        kind == "const" or (isinstance(r, Struct) and r.holds_const),
    )
    if kind == "const":  # needs an initializer to keep the struct default-constructible
        init = r.literal(1) if isinstance(r, Scalar) else "{}"
        text = f"{prefix}const {t.spelling} {declarator} = {init};"
        return text, FieldSpec(name, False), align, None, flags
    probe = r if kind == "value" and isinstance(r, (Scalar, Enum)) else None
    return f"{prefix}{t.spelling} {declarator};", FieldSpec(name, False), align, probe, flags


def _draw_struct(draw, scope: _Scope, ns: tuple[str, ...]) -> None:
    name = scope.fresh("S")
    members, specs, align, probe = [], [], 1, None
    holds_bool = holds_const = False
    for i in range(draw(st.integers(0, 6))):
        text, spec, field_align, field_probe, flags = _draw_field(draw, scope, i, name)
        holds_bool, holds_const = holds_bool or flags[0], holds_const or flags[1]
        members.append(text)
        specs.append(spec)
        align = max(align, field_align)
        if probe is None and field_probe is not None:
            probe = (spec.name, field_probe)
    extra = _alignas(draw, align)
    head = f"struct alignas({extra}) {name}" if extra else f"struct {name}"
    body = "".join(f"  {m}\n" for m in members)
    scope.units.append((ns, f"{head} {{\n{body}}};"))
    struct = Struct(_qualify(ns, name), max(align, extra or 1), probe, holds_bool, holds_const)
    scope.types.append(struct)
    scope.structs.append(StructSpec(struct.qualified, tuple(specs), holds_bool, holds_const))


# a parameter: (type, form); forms: value, const value, ref, const ref, ptr, const ptr
FORMS = ("value", "const value", "ref", "const ref", "ptr", "const ptr")


def _param_spelling(t: ValueType, form: str, name: str) -> str:
    const = "const " if form.startswith("const") else ""
    suffix = {"value": " ", "ref": "& ", "ptr": "* "}[form.split()[-1]]
    return f"{const}{t.spelling}{suffix}{name}".rstrip()


def _call_key(t: ValueType, form: str) -> str:
    """Types that overload resolution could not tell apart for an lvalue argument share a key."""
    return f"ptr({t.key})" if form.endswith("ptr") else t.key


def _default(t: ValueType, form: str, draw) -> str | None:
    r = resolve(t)
    if form.endswith("ptr"):
        return "nullptr"
    if form == "ref":
        return None  # a non-const reference cannot bind a default temporary
    if isinstance(r, Scalar):
        return r.literal(draw(st.integers(0, 9)))
    if isinstance(r, Enum):
        return r.members[0][0]
    return f"{t.spelling}()"


def _read(t: ValueType, form: str, name: str) -> str | None:
    """A ``long long`` expression reading the parameter, or None."""
    r = resolve(t)
    value = f"(*{name})" if form.endswith("ptr") else name
    if isinstance(r, Struct):
        return f"(long long){value}.{r.probe[0]}" if r.probe else f"(long long)sizeof({value})"
    return f"(long long){value}"


def _write(t: ValueType, form: str, name: str) -> str | None:
    """A statement storing ``acc`` through a non-const reference or pointer, or None."""
    if form not in ("ref", "ptr"):
        return None
    r = resolve(t)
    target = f"(*{name})" if form == "ptr" else name
    if isinstance(r, Struct):
        if r.probe is None:
            return None
        target, r = f"{target}.{r.probe[0]}", r.probe[1]
    return f"{target} = static_cast<{r.spelling}>(acc);"


def _draw_function(draw, ns: tuple[str, ...], scope: _Scope, name: str, taken: set) -> str | None:
    """One overload of ``name`` whose calls cannot be confused with those in ``taken``."""
    params = []
    for i in range(draw(st.integers(0, 4))):
        t = _value_type(draw, scope)
        params.append((t, draw(st.sampled_from(FORMS)), f"p{i}"))
    n_defaults = draw(st.integers(0, len(params)))
    defaults: list[str | None] = [None] * len(params)
    for i in range(len(params) - n_defaults, len(params)):
        defaults[i] = _default(params[i][0], params[i][1], draw)
        if defaults[i] is None:  # defaults stay trailing
            defaults[: i + 1] = [None] * (i + 1)
    required = sum(d is None for d in defaults)
    keys = [_call_key(t, form) for t, form, _ in params]
    calls = {tuple(keys[:n]) for n in range(required, len(params) + 1)}
    if calls & taken:
        return None
    taken |= calls
    for t, form, _ in params:
        r = resolve(t)
        scalar = r.spelling if isinstance(r, Scalar) else ""
        scope.params.append(ParamSpec(_qualify(ns, name), scalar, form))
    result = _value_type(draw, scope) if draw(st.booleans()) else None
    unnamed = draw(st.integers(0, 7)) == 0
    spelled = []
    body = ["  long long acc = 1;"]
    for (t, form, pname), default in zip(params, defaults):
        shown = "" if unnamed else pname
        text = _param_spelling(t, form, shown)
        spelled.append(text + (f" = {default}" if default is not None else ""))
        if not unnamed:
            body.append(f"  acc = acc * 3 + {_read(t, form, pname)};")
    if not unnamed:
        body += [f"  {w}" for t, form, p in params if (w := _write(t, form, p))]
    r = resolve(result) if result is not None else None
    if result is None:
        body.append("  (void)acc;")
    elif isinstance(r, Struct):
        body.append(f"  {result.spelling} r{{}};")
        if r.probe:
            body.append(f"  r.{r.probe[0]} = static_cast<{r.probe[1].spelling}>(acc);")
        body.append("  return r;")
    else:
        body.append(f"  return static_cast<{result.spelling}>(acc);")
    space = draw(st.sampled_from(("__device__", "__host__ __device__")))
    returns = result.spelling if result is not None else "void"
    head = f"{space} inline {returns} {name}({', '.join(spelled)})"
    return head + " {\n" + "\n".join(body) + "\n}"


# valid C++ names that are Python keywords or builtins, or names a generated module imports
PYTHON_NAMES = (
    "None", "def", "from", "is", "lambda", "pass", "yield", "len", "next", "print", "sum",
    "type", "numba", "types", "math", "ir",  # (not cuda: libcu++ has a namespace cuda)
)  # fmt: skip


def _draw_function_group(draw, scope: _Scope, ns: tuple[str, ...]) -> None:
    unused = [n for n in PYTHON_NAMES if all(not q.endswith(n) for q in scope.functions)]
    if unused and draw(st.integers(0, 4)) == 0:
        name = draw(st.sampled_from(unused))
    else:
        name = scope.fresh("fn")
    taken: set = set()
    count = 0
    for _ in range(draw(st.integers(1, 3))):
        text = _draw_function(draw, ns, scope, name, taken)
        if text is not None:
            scope.units.append((ns, text))
            count += 1
    if count:
        scope.functions[_qualify(ns, name)] = count


def _render(units: list[tuple[tuple[str, ...], str]]) -> str:
    lines = ["#pragma once", "#include <cstdint>", "#include <cstddef>", ""]
    for ns, text in units:
        opening = " ".join(f"namespace {n} {{" for n in ns)
        closing = "}" * len(ns)
        lines.append(f"{opening}\n{text}\n{closing}" if ns else text)
    return "\n".join(lines) + "\n"


DRAWERS = (_draw_typedef, _draw_enum, _draw_struct, _draw_struct, _draw_function_group)


@st.composite
def headers(draw, max_declarations: int = 8) -> Header:
    scope = _Scope()
    for _ in range(draw(st.integers(1, max_declarations))):
        drawer = draw(st.sampled_from(DRAWERS))
        drawer(draw, scope, _namespace(draw, scope))
    return Header(
        _render(scope.units),
        tuple(scope.structs),
        tuple(scope.enums),
        tuple(scope.typedefs),
        tuple(scope.functions.items()),
        tuple(scope.params),
    )
