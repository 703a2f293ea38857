"""The binding plan: every parsed declaration becomes a bound entity or a Skipped(reason).

``build(config, declarations)`` is pure: plain data in, plain data out. The renderer only
formats the plan; ``numbast inspect`` prints it.
"""

from __future__ import annotations

import builtins
import dataclasses
import keyword
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ast_canopy.model import Access, Declarations, ExecSpace, Function, MethodKind, Struct, Type

from .config import Config, Intent
from .runtime import runtime_names
from .typemap import (
    BUILTINS,
    KnownTypes,
    Mapped,
    Unmapped,
    glue_spelling,
    map_value,
    vector_type,
)

# Names the generated module itself defines (the runtime's, and those the renderer adds), and
# Python's builtins (the runtime calls e.g. ``divmod`` and ``len`` through module globals, so a
# binding named ``divmod`` would break it); a binding that would shadow one gets a "_" suffix.
RESERVED_NAMES = frozenset(
    {"types", "install", "typing_registry", "target_registry", "_glue", "_registries", "_shared"}
    | {name for name in dir(builtins) if not name.startswith("_")}
    | runtime_names()
)


@dataclass(frozen=True)
class ParamPlan:
    name: str  # C++ parameter name, or a synthetic "arg<i>"
    cxx_type: str  # as declared
    mode: str  # "in" (by value), "ptr" (pointer intent), "out" (out_return), "inout" (see below)
    numba: str  # Numba type expression of the value (pointee for "ptr"/"out")
    enum: str | None = None  # Python enum name when the parameter is a bound enum


@dataclass(frozen=True)
class OverloadPlan:
    shim: str  # name of the extern "C" wrapper
    cxx_name: str  # qualified C++ name, for messages
    cxx_signature: str  # for docstrings: "__half __hadd(const __half a, const __half b)"
    result: str | None  # Numba type expression of the C++ result; None for void
    params: tuple[ParamPlan, ...]
    glue: str  # the C++ wrapper, one line
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
    underlying: str  # Numba integer type expression of the C++ underlying type
    members: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class TypedefBinding:
    python_name: str
    cxx_name: str
    target: str  # Python expression: a bound name or a Numba type


@dataclass(frozen=True)
class FieldPlan:
    name: str | None  # None: opaque bytes (private, bitfield, union, unmapped or padding)
    numba: str | None  # Numba type expression of a readable field
    offset: int  # bytes
    size: int  # bytes


@dataclass(frozen=True)
class StructBinding:
    python_name: str  # the handle: calling it constructs a value
    cxx_name: str
    numba_name: str  # module-level name of the Numba type
    size: int
    align: int
    parent: str  # Numba type class expression, e.g. "types.Type"
    model: str | None  # data model class expression when overridden
    fields: tuple[FieldPlan, ...]
    ctors: tuple[OverloadPlan, ...]
    # a non-const method's receiver has mode "inout": the shim updates it and the runtime
    # stores it back into the caller's variable (or array element)
    methods: tuple[tuple[str, tuple[OverloadPlan, ...]], ...]
    statics: tuple[tuple[str, tuple[OverloadPlan, ...]], ...]
    conversions: tuple[tuple[str, OverloadPlan, bool], ...]  # (target type, shim, explicit)
    implicit_from: tuple[tuple[str, OverloadPlan], ...]  # converting ctors usable implicitly
    # `v[i] = x` through a non-const `T& operator[]`: (self, index, value) -> updated self
    item_setters: tuple[OverloadPlan, ...] = ()
    # declared in a header outside the File List, used by this one's API: layout, fields and
    # constructors only (its own header's bindings bring the rest)
    dependency: bool = False


@dataclass(frozen=True)
class OperatorBinding:
    operator: str  # "operator.add", ...
    overloads: tuple[OverloadPlan, ...]


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


@dataclass(frozen=True)
class BindingPlan:
    arch: str
    glue_prelude: str
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
    metadata: tuple[tuple[str, str], ...] = field(default=())

    @property
    def public_names(self) -> tuple[str, ...]:
        return tuple(
            [e.python_name for e in self.enums]
            + [st.python_name for st in self.structs]
            + [f.python_name for f in self.functions]
            + [t.python_name for t in self.typedefs]
        )

    def rows(self) -> tuple[PlanRow, ...]:
        """One row per bound or skipped declaration, for tables and JSON."""
        rows = [PlanRow("enum", e.cxx_name, e.python_name, "bound", "") for e in self.enums]
        for fn in self.functions:
            rows += [
                PlanRow("function", o.cxx_signature, fn.python_name, "bound", "")
                for o in fn.overloads
            ]
        for st in self.structs:
            kind = "dependency struct" if st.dependency else "struct"  # declared elsewhere
            rows.append(PlanRow(kind, st.cxx_name, st.python_name, "bound", ""))
            members = [("constructor", o) for o in st.ctors]
            members += [("method", o) for _, ovs in st.methods + st.statics for o in ovs]
            members += [("conversion", o) for _, o, _ in st.conversions]
            members += [("operator", o) for o in st.item_setters]
            rows += [PlanRow(k, o.cxx_signature, st.python_name, "bound", "") for k, o in members]
        for op in self.operators:
            rows += [
                PlanRow("operator", o.cxx_signature, op.operator, "bound", "") for o in op.overloads
            ]
        rows += [PlanRow("typedef", t.cxx_name, t.python_name, "bound", "") for t in self.typedefs]
        rows += [PlanRow(s.kind, s.cxx_name, "", "skipped", s.reason) for s in self.skipped]
        return tuple(rows)


# ---------------------------------------------------------------------------------------------
# names


def strip_prefix(name: str, prefixes: Iterable[str]) -> str:
    """Remove the first matching prefix, unless that leaves no valid identifier."""
    for prefix in prefixes:
        if prefix and name.startswith(prefix):
            rest = name[len(prefix) :]
            if rest.isidentifier() and not keyword.iskeyword(rest):
                return rest
    return name


def _python_identifier(name: str) -> str:
    """A module-level name: never a keyword, nor a name the module or the runtime relies on."""
    name = _attribute_name(name)
    return name + "_" if name in RESERVED_NAMES else name


def _attribute_name(name: str) -> str:
    """A field, method or enumerator name: only keywords and invalid characters are changed."""
    name = re.sub(r"\W", "_", name)
    if keyword.iskeyword(name) or name[:1].isdigit():
        name += "_"
    return name


def shim_name(mangled: str, arity: int | None = None, module: str = "") -> str:
    """The shim's C symbol. It names the module: two modules binding the same C++ entity
    (cuda_fp16 and cuda_fp8 both build ``__half2``) are linked into one kernel side by side."""
    tag = re.sub(r"\W", "_", module.removesuffix(".py"))
    base = f"__numbast_{tag}_" + re.sub(r"\W", "_", mangled)
    return base if arity is None else f"{base}__{arity}"


# ---------------------------------------------------------------------------------------------
# enums and typedefs


def _integer_numba(ty: Type) -> str | None:
    try:
        mapped = map_value(ty, KnownTypes({}, {}))
    except Unmapped:
        return None
    return mapped.numba if re.fullmatch(r"types\.u?int\d+", mapped.numba) else None


def _plan_enums(config: Config, decls: Declarations, skipped: list[Skipped]):
    enums: list[EnumBinding] = []
    seen: set[str] = set()
    prefixes = config.prefix_removal.enums
    for e in decls.enums:
        cxx = e.qualified_name
        where = str(e.location)
        if not e.name:
            skipped.append(Skipped("enum", "(anonymous enum)", "anonymous enum", where))
            continue
        if cxx in seen:
            skipped.append(Skipped("enum", cxx, "duplicate declaration", where))
            continue
        if e.name in config.exclude.enums or cxx in config.exclude.enums:
            skipped.append(Skipped("enum", cxx, "excluded by config Exclude.Enum", where))
            continue
        underlying = _integer_numba(e.underlying)
        if underlying is None:
            reason = f"underlying type `{e.underlying.spelling}` is not an integer"
            skipped.append(Skipped("enum", cxx, reason, where))
            continue
        seen.add(cxx)
        members = tuple(
            (_attribute_name(strip_prefix(m.name, prefixes)), m.value) for m in e.enumerators
        )
        py_name = _python_identifier(strip_prefix(e.name, prefixes))
        enums.append(EnumBinding(py_name, cxx, underlying, members))
    return enums


def _plan_typedefs(
    config: Config, decls: Declarations, known: KnownTypes, taken: set[str], skipped: list[Skipped]
):
    typedefs: list[TypedefBinding] = []
    for t in decls.typedefs:
        where = str(t.location)
        target_name = " ".join(t.underlying.canonical.replace("const", " ").split())
        if target_name in known.enums:
            target = known.enums[target_name][0]
        else:
            try:
                mapped = map_value(t.underlying, known)
            except Unmapped as err:
                skipped.append(
                    Skipped(
                        "typedef", t.qualified_name, f"target {err} has no Numba mapping", where
                    )
                )
                continue
            target = mapped.numba
        py_name = _python_identifier(strip_prefix(t.name, config.prefix_removal.structs))
        if py_name in taken or py_name == target:
            skipped.append(
                Skipped("typedef", t.qualified_name, f"name `{py_name}` already bound", where)
            )
            continue
        taken.add(py_name)
        typedefs.append(TypedefBinding(py_name, t.qualified_name, target))
    return typedefs


# ---------------------------------------------------------------------------------------------
# functions


class _Skip(Exception):
    pass


def _drop_const(spelling: str) -> str:
    return re.sub(r"^const\s+|\s+const$", "", spelling.strip())


def _param_name(index: int, name: str | None) -> str:
    return name if name else f"arg{index}"


def _intent_for(config: Config, fn: Function, index: int, name: str | None) -> Intent:
    intents = config.function_argument_intents.get(fn.name) or config.function_argument_intents.get(
        fn.qualified_name
    )
    if not intents:
        return Intent.IN
    if name and name in intents:
        return intents[name]
    return intents.get(index, Intent.IN)


def _plan_param(
    config: Config, fn: Function, index: int, known: KnownTypes
) -> tuple[ParamPlan, str, str]:
    """Returns the param plan, the glue parameter declaration, and the glue argument expression."""
    p = fn.params[index]
    name = _param_name(index, p.name)
    intent = _intent_for(config, fn, index, p.name)
    is_ref = p.type.is_lvalue_ref or p.type.is_rvalue_ref
    value_type = p.type.pointee if is_ref and p.type.pointee else p.type
    if intent is not Intent.IN and not is_ref:
        raise _Skip(
            f"intent {intent.value} on parameter {index + 1} `{name}`, which is not a reference"
        )
    try:
        mapped: Mapped = map_value(value_type, known)
    except Unmapped as err:
        raise _Skip(f"parameter {index + 1} type {err} has no Numba mapping") from None
    spelled = glue_spelling(p.type)
    # a top-level const of a pointer parameter (`T *const p`) would be doubled by `const*` below
    bare = re.sub(r"\s*\bconst$", "", spelled) if value_type.is_pointer else _drop_const(spelled)
    arg = f"a{index}"
    if intent is Intent.IN:
        mode = "in"
        # `in` on a non-const T& passes the shim's own copy (a slot): it must not be const
        mutable = p.type.is_rvalue_ref or (
            p.type.is_lvalue_ref and not (p.type.is_const or value_type.is_const)
        )
        decl = f"{bare}* {arg}" if mutable else f"{bare} const* {arg}"
        use = f"static_cast<{bare}&&>(*{arg})" if p.type.is_rvalue_ref else f"*{arg}"
    else:
        if value_type.is_const:
            raise _Skip(f"intent {intent.value} on parameter {index + 1} `{name}`, which is const")
        mode = "out" if intent is Intent.OUT_RETURN else "ptr"
        decl = f"{bare}* {arg}"
        use = f"static_cast<{bare}&&>(*{arg})" if p.type.is_rvalue_ref else f"*{arg}"
    plan = ParamPlan(name, p.type.spelling, mode, mapped.numba, mapped.enum)
    return plan, decl, use


def _result_of(fn: Function, known: KnownTypes) -> tuple[str | None, list[str]]:
    """Numba type of the C++ result and the glue's result-pointer declaration."""
    if fn.return_type.canonical.strip() == "void":
        return None, []
    ret = fn.return_type
    ret_value = ret.pointee if (ret.is_lvalue_ref or ret.is_rvalue_ref) and ret.pointee else ret
    try:
        result = map_value(ret_value, known).numba
    except Unmapped as err:
        raise _Skip(f"return type {err} has no Numba mapping") from None
    spelled = glue_spelling(ret)
    return result, [f"{spelled if ret_value.is_pointer else _drop_const(spelled)}* r"]


def _variants(
    config: Config,
    fn: Function,
    known: KnownTypes,
    body: Callable[[list[str]], str],
    *,
    result: tuple[str | None, list[str]] | None = None,
    receiver: tuple[ParamPlan, str] | None = None,
    cooperative: bool = False,
    shim_tag: str = "",
) -> list[OverloadPlan]:
    """Overload variants of one C++ callable: one per number of trailing defaulted args omitted.

    ``body(args)`` gives the C++ statement of the wrapper from the argument expressions
    (the receiver first, when there is one); it assigns ``*r`` when there is a result.
    """
    result_type, result_decl = result if result is not None else _result_of(fn, known)
    planned = [_plan_param(config, fn, i, known) for i in range(len(fn.params))]
    if receiver is not None:
        planned.insert(0, (receiver[0], receiver[1], "*self"))
    first_default = len(fn.params)
    while first_default > 0 and fn.params[first_default - 1].default is not None:
        first_default -= 1
    signature = (
        f"{fn.return_type.spelling} {fn.qualified_name}("
        + ", ".join(f"{p.type.spelling} {_param_name(i, p.name)}" for i, p in enumerate(fn.params))
        + ")"
    )
    extra = 0 if receiver is None else 1
    variants = []
    for arity in range(len(fn.params), first_default - 1, -1):
        used = planned[: arity + extra]
        shim = shim_name(
            fn.mangled_name + shim_tag,
            None if arity == len(fn.params) else arity,
            config.output_name,
        )
        params = ", ".join(result_decl + [decl for _, decl, _ in used])
        glue = f'extern "C" __device__ void {shim}({params}) {{ {body([u for _, _, u in used])} }}'
        variants.append(
            OverloadPlan(
                shim,
                fn.qualified_name,
                signature,
                result_type,
                tuple(p for p, _, _ in used),
                glue,
                cooperative,
            )
        )
    return variants


def _plan_overloads(config: Config, fn: Function, known: KnownTypes, cooperative: bool):
    callee = "::" + fn.qualified_name if fn.namespace else fn.name
    void = fn.return_type.canonical.strip() == "void"

    def body(args: list[str]) -> str:
        call = f"{callee}({', '.join(args)})"
        return f"{call};" if void else f"*r = {call};"

    return _variants(config, fn, known, body, cooperative=cooperative)


def _python_signature(overload: OverloadPlan) -> tuple[str, ...]:
    return tuple(
        p.numba if p.mode == "in" else f"ptr:{p.numba}" for p in overload.params if p.mode != "out"
    )


def _plan_functions(
    config: Config,
    decls: Declarations,
    known: KnownTypes,
    taken: set[str],
    skipped: list[Skipped],
    warnings: list[str],
):
    by_name: dict[str, list[OverloadPlan]] = {}
    owner: dict[str, str] = {}  # python name -> qualified C++ name of the overload set
    seen_mangled: dict[str, str] = {}
    cooperative_patterns = [re.compile(r) for r in config.cooperative_regexes]
    for fn in decls.functions:
        where = str(fn.location)
        cxx = fn.qualified_name
        try:
            if fn.exec_space is ExecSpace.HOST:
                raise _Skip("host-only")
            if fn.exec_space is ExecSpace.GLOBAL:
                raise _Skip("__global__ kernel")
            if fn.name in config.exclude.functions or cxx in config.exclude.functions:
                raise _Skip("excluded by config Exclude.Function")
            if config.skip_prefix and fn.name.startswith(config.skip_prefix):
                raise _Skip(f"name starts with config Skip Prefix `{config.skip_prefix}`")
            if fn.operator is not None:
                continue  # planned with the operators
            if fn.is_variadic:
                raise _Skip("variadic")
            if fn.is_deleted:
                raise _Skip("deleted")
            if fn.mangled_name in seen_mangled:
                raise _Skip(f"duplicate declaration (first at {seen_mangled[fn.mangled_name]})")
            seen_mangled[fn.mangled_name] = where
            cooperative = any(p.match(fn.name) or p.match(cxx) for p in cooperative_patterns)
            variants = _plan_overloads(config, fn, known, cooperative)
        except _Skip as skip:
            skipped.append(Skipped("function", cxx, str(skip), where))
            continue
        py_name = _python_identifier(strip_prefix(fn.name, config.prefix_removal.functions))
        set_owner = "::".join((*fn.namespace, fn.name))
        if (py_name in owner and owner[py_name] != set_owner) or (
            py_name in taken and py_name not in owner
        ):
            renamed = _python_identifier("_".join((*fn.namespace, py_name)))
            warnings.append(f"`{set_owner}` is bound as `{renamed}`: `{py_name}` is already taken")
            py_name = renamed
        owner.setdefault(py_name, set_owner)
        existing = by_name.setdefault(py_name, [])
        signatures = {_python_signature(o) for o in existing}
        for variant in variants:
            sig = _python_signature(variant)
            if sig in signatures:
                if variant.params == () or len(variant.params) == len(fn.params):
                    skipped.append(
                        Skipped(
                            "function",
                            variant.cxx_signature,
                            "same Numba signature as an earlier overload",
                            where,
                        )
                    )
                continue
            signatures.add(sig)
            existing.append(variant)
        if not existing:
            del by_name[py_name]
            del owner[py_name]
    taken.update(by_name)
    return [FunctionBinding(name, owner[name], tuple(ovs)) for name, ovs in by_name.items()]


def _check_config_against_headers(
    config: Config, decls: Declarations, warnings: list[str], errors: list[str]
):
    function_names = {f.name for f in decls.functions} | {f.qualified_name for f in decls.functions}
    for name in config.exclude.functions:
        if name not in function_names:
            warnings.append(f"Exclude.Function: `{name}` matches no function in the headers")
    enum_names = {e.name for e in decls.enums} | {e.qualified_name for e in decls.enums}
    for name in config.exclude.enums:
        if name not in enum_names:
            warnings.append(f"Exclude.Enum: `{name}` matches no enum in the headers")
    for fn_name, intents in config.function_argument_intents.items():
        overloads = [f for f in decls.functions if fn_name in (f.name, f.qualified_name)]
        if not overloads:
            errors.append(
                f"Function Argument Intents.{fn_name}: no function of that name in the headers"
            )
            continue
        for key in intents:
            if isinstance(key, int):
                ok = any(key < len(f.params) for f in overloads)
            else:
                ok = any(p.name == key for f in overloads for p in f.params)
            if not ok:
                errors.append(
                    f"Function Argument Intents.{fn_name}.{key}: no overload has that parameter"
                )


# ---------------------------------------------------------------------------------------------
# structs and operators

BINARY_OPERATORS = {
    "+": "add", "-": "sub", "*": "mul", "/": "truediv", "%": "mod", "&": "and_", "|": "or_",
    "^": "xor", "<<": "lshift", ">>": "rshift", "==": "eq", "!=": "ne", "<": "lt", "<=": "le",
    ">": "gt", ">=": "ge",
}  # fmt: skip
UNARY_OPERATORS = {"-": "neg", "+": "pos", "~": "invert"}
COMPOUND_OPERATORS = {f"{op}=": f"i{name}" for op, name in BINARY_OPERATORS.items()
                      if op not in ("==", "!=", "<", "<=", ">", ">=")}  # fmt: skip


# Structs of other headers larger than this are not bound as dependencies: values of that
# size (curandStateMtgp32: 4 KiB of tuples) make every Numba kernel that touches them compile
# for minutes, and such states are meant to be used in place through pointers anyway.
MAX_DEPENDENCY_SIZE = 1024


@dataclass(frozen=True)
class _StructName:
    struct: Struct
    python_name: str
    numba_name: str
    dependency: bool = False


def _struct_names(config: Config, decls: Declarations, taken: set[str], skipped: list[Skipped]):
    """Pass 1: which structs are bound, and their names (other types may refer to them)."""
    names: dict[str, _StructName] = {}
    dependencies = {id(st) for st in decls.dependencies}
    for st in (*decls.structs, *decls.dependencies):
        cxx, where = st.qualified_name, str(st.location)
        dependency = id(st) in dependencies
        reason = None
        if not st.name:
            reason = "anonymous record"
        elif st.is_union:
            reason = "union"
        elif st.name in config.exclude.structs or cxx in config.exclude.structs:
            reason = "excluded by config Exclude.Struct"
        elif cxx in BUILTINS:
            reason = f"represented by numba-cuda's native `{BUILTINS[cxx]}`"
        elif st.size is None or st.size <= 0:
            reason = "incomplete type"
        elif cxx in names:
            reason = "duplicate declaration"
        elif dependency and vector_type(cxx):
            reason = "a CUDA vector type: numba-cuda's own type applies"
        elif dependency and st.size > MAX_DEPENDENCY_SIZE:
            reason = "too large to pass by value"
        if reason:
            if not dependency:  # not this header's API: nothing to report
                skipped.append(Skipped("struct", cxx or "(anonymous)", reason, where))
            continue
        py = _python_identifier(strip_prefix(st.name, config.prefix_removal.structs))
        if py in taken:
            py = _python_identifier("_".join((*st.namespace, py)))
        taken.add(py)
        names[cxx] = _StructName(st, py, f"_type_{py}", dependency)
    return names


def _plan_fields(st: Struct, known: KnownTypes, skipped: list[Skipped]) -> tuple[FieldPlan, ...]:
    readable: list[FieldPlan] = []
    opaque: list[tuple[int, int]] = []
    for f in st.fields:
        start = f.offset_bits // 8
        if f.bitfield_width is not None:
            end = (f.offset_bits + f.bitfield_width + 7) // 8
            opaque.append((start, end))
            what = f"{st.qualified_name}::{f.name}"
            skipped.append(Skipped("field", what, "bitfield: kept as opaque bytes, not readable"))
            continue
        size = f.type.size or 0
        try:
            if f.is_anonymous or not f.name:
                what = f"{st.qualified_name}::(anonymous)"
                reason = "anonymous union/struct member: kept as opaque bytes, not readable"
                skipped.append(Skipped("field", what, reason))
                raise Unmapped("")
            if f.access is not Access.PUBLIC:
                raise Unmapped("")
            if f.type.array_extent is not None and f.type.element is not None:
                element = map_value(f.type.element, known).numba
                numba = f"types.UniTuple({element}, {f.type.array_extent})"
            else:
                numba = map_value(f.type, known).numba
            if f.type.is_pointer and "_type_" in numba:
                # a pointer to a bound struct (possibly this one: a linked list) is kept as an
                # untyped address, so struct types never depend on each other through pointers
                numba = "types.voidptr"
        except Unmapped as err:
            opaque.append((start, start + size))
            if str(err):
                what = f"{st.qualified_name}::{f.name}"
                skipped.append(Skipped("field", what, f"type {err} has no Numba mapping"))
            continue
        readable.append(FieldPlan(_attribute_name(f.name), numba, start, size))
    merged: list[list[int]] = []
    for start, end in sorted(opaque):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    fields = readable + [FieldPlan(None, None, a, b - a) for a, b in merged if b > a]
    return tuple(sorted(fields, key=lambda f: f.offset))


def _operator_key(symbol: str, operands: int) -> tuple[str, str] | None:
    """("operator.add", kind) for a C++ operator with that many operands; None if unmapped."""
    if operands == 2 and symbol in BINARY_OPERATORS:
        return f"operator.{BINARY_OPERATORS[symbol]}", "binary"
    if operands == 1 and symbol in UNARY_OPERATORS:
        return f"operator.{UNARY_OPERATORS[symbol]}", "unary"
    if operands == 2 and symbol in COMPOUND_OPERATORS:
        return f"operator.{COMPOUND_OPERATORS[symbol]}", "compound"
    return None


def _operator_body(symbol: str, kind: str) -> Callable[[list[str]], str]:
    if kind == "unary":
        return lambda a: f"*r = {symbol}({a[0]});"
    if kind == "compound":
        return lambda a: f"*r = {a[0]}; (*r) {symbol} {a[1]};"
    return lambda a: f"*r = ({a[0]}) {symbol} ({a[1]});"


def _compound_result(config, fn, known, receiver_numba=None, receiver_cxx=None):
    """A compound assignment yields the updated left operand (Python rebinds it)."""
    if receiver_numba is not None:
        return receiver_numba, [f"{receiver_cxx}* r"]
    left = fn.params[0].type
    value = left.pointee if left.pointee is not None else left
    return map_value(value, known).numba, [f"{_drop_const(value.canonical)}* r"]


def _plan_struct(config: Config, name: _StructName, known: KnownTypes, skipped: list[Skipped]):
    if name.dependency:  # its members are its own header's API: not reported here
        skipped = []
    st, cxx = name.struct, "::" + name.struct.qualified_name
    fields = _plan_fields(st, known, skipped)
    receiver = (ParamPlan("self", st.qualified_name, "in", name.numba_name), f"{cxx} const* self")
    # a non-const member called on the shim's own copy of the receiver
    copy = (receiver[0], f"{cxx}* self")
    updated = (ParamPlan("self", st.qualified_name, "inout", name.numba_name), f"{cxx}* self")
    as_struct = (name.numba_name, [f"{cxx}* r"])
    ctors: list[OverloadPlan] = []
    methods: dict[str, list[OverloadPlan]] = {}
    statics: dict[str, list[OverloadPlan]] = {}
    conversions: list[tuple[str, OverloadPlan, bool]] = []
    conversions_to_structs: list[tuple[str, OverloadPlan]] = []
    structs = set(known.structs.values())
    implicit: list[tuple[str, OverloadPlan]] = []
    operators: list[tuple[str, OverloadPlan]] = []
    item_setters: list[OverloadPlan] = []
    if not any(m.kind.value.endswith("constructor") for m in st.methods):
        # no user-declared constructor: C++ gives it an implicit default one (value-initialized)
        default, body = _implicit_default_ctor(st), f"*r = {cxx}();"
        ctors += _variants(
            config, default, known, lambda a: body, result=as_struct, shim_tag="_ctor"
        )
    for m in st.methods:
        fn = m.function
        what = f"{st.qualified_name}::{fn.name}"
        try:
            if m.is_deleted:
                raise _Skip("deleted")
            if m.access is not Access.PUBLIC:
                raise _Skip(f"{m.access.value} member")
            if fn.exec_space is ExecSpace.HOST:
                raise _Skip("host-only")
            if m.is_virtual:
                raise _Skip("virtual")
            if m.kind is MethodKind.DESTRUCTOR:
                raise _Skip(
                    "destructor: bound structs are plain values, the destructor is not called"
                )
            if m.kind is MethodKind.MOVE_CONSTRUCTOR:
                raise _Skip("move constructor: values are copied")
            if m.kind.value.endswith("constructor"):
                variants = _variants(
                    config,
                    fn,
                    known,
                    lambda a: f"*r = {cxx}({', '.join(a)});",
                    result=as_struct,
                    shim_tag="_ctor",
                )
                ctors += variants
                # callable with one argument (the rest defaulted): C++ converts implicitly
                single = next((v for v in variants if len(v.params) == 1), None)
                if (
                    m.kind is MethodKind.CONVERTING_CONSTRUCTOR
                    and not m.is_explicit
                    and single is not None
                    and single.params[0].numba != name.numba_name
                ):
                    implicit.append((single.params[0].numba, single))
            elif m.kind is MethodKind.CONVERSION:
                target = _result_of(fn, known)
                cxx_target = target[1][0][:-3]  # "T* r" -> "T"
                vector = vector_type(cxx_target)
                if target[0] not in structs and not vector and target[0] not in BUILTINS.values():
                    raise _Skip(
                        f"conversion to `{fn.return_type.spelling}`: Numba has no call that "
                        "spells an explicit conversion to it"
                    )
                variant = _variants(
                    config,
                    fn,
                    known,
                    lambda a, t=cxx_target: f"*r = static_cast<{t}>({a[0]});",
                    receiver=receiver,
                    result=target,
                    shim_tag="_conv" if target[0] in structs or vector else "",
                )[0]
                if target[0] in structs:  # spelled Target(value): a constructor of Target
                    conversions_to_structs.append((target[0], variant))
                elif vector:  # spelled with numba-cuda's constructor: float32x2(value)
                    vector_name = re.search(r'"(\w+)"', vector).group(1)
                    operators.append((f"vector.{vector_name}", variant))
                else:
                    conversions.append((target[0], variant, m.is_explicit))
            elif m.kind is MethodKind.OPERATOR and fn.operator == "[]" and len(fn.params) == 1:
                reads = _variants(
                    config,
                    fn,
                    known,
                    lambda a: f"*r = ({a[0]})[{a[1]}];",
                    receiver=receiver if m.is_const else copy,
                )
                operators += [("operator.getitem", v) for v in reads]
                ret = fn.return_type
                if (
                    not m.is_const
                    and ret.is_lvalue_ref
                    and ret.pointee
                    and not ret.pointee.is_const
                ):
                    item_setters.append(_item_setter(config, fn, known, cxx, name, reads[0]))
            elif m.kind is MethodKind.OPERATOR:
                mapped = _operator_key(fn.operator or "", len(fn.params) + 1)
                if mapped is None:
                    raise _Skip(f"operator{fn.operator} has no Python equivalent")
                key, kind = mapped
                result = (
                    _compound_result(config, fn, known, name.numba_name, cxx)
                    if kind == "compound"
                    else None
                )
                for v in _variants(
                    config,
                    fn,
                    known,
                    _operator_body(fn.operator, kind),
                    receiver=receiver if m.is_const else copy,
                    result=result,
                ):
                    operators.append((key, v))
            elif m.is_static:
                call = f"{cxx}::{fn.name}"
                statics.setdefault(_attribute_name(fn.name), []).extend(
                    _variants(
                        config,
                        fn,
                        known,
                        lambda a, c=call, fn=fn: _call_body(c, a, fn),
                        shim_tag="_static",
                    )
                )
            else:
                variants = _variants(
                    config,
                    fn,
                    known,
                    lambda a, fn=fn: _call_body(f"(*self).{fn.name}", a[1:], fn),
                    receiver=receiver if m.is_const else updated,
                )
                if not m.is_const and any(p.mode == "out" for p in variants[0].params):
                    raise _Skip("non-const method with an out_return parameter")
                overloads = methods.setdefault(_attribute_name(fn.name), [])
                taken_signatures = {_python_signature(o)[1:] for o in overloads}
                for v in variants:
                    if _python_signature(v)[1:] in taken_signatures:
                        skipped.append(
                            Skipped(
                                "member",
                                v.cxx_signature,
                                "same Numba signature as an earlier overload",
                                str(fn.location),
                            )
                        )
                    else:
                        overloads.append(v)
        except (_Skip, Unmapped) as err:
            reason = str(err) if isinstance(err, _Skip) else f"type {err} has no Numba mapping"
            skipped.append(Skipped("member", what, reason, str(fn.location)))
    has_operators = bool(operators)
    parent = "types.Type"
    numeric = {BUILTINS[k] for k in BUILTINS}
    if any(t in numeric for t, _, _ in conversions):
        parent = "types.Number"
    override = config.types.get(st.name) or config.types.get(st.qualified_name)
    if override:
        parent = f"types.{override}"
    model = config.data_models.get(st.name) or config.data_models.get(st.qualified_name)
    binding = StructBinding(
        python_name=name.python_name,
        cxx_name=st.qualified_name,
        numba_name=name.numba_name,
        size=st.size or 0,
        align=st.align or 1,
        parent=parent,
        model=f"_models.{model}" if model else None,
        fields=fields,
        ctors=tuple(ctors),
        methods=tuple((k, tuple(v)) for k, v in methods.items()),
        statics=tuple((k, tuple(v)) for k, v in statics.items()),
        # Implicit conversions to builtins are only offered by structs without operators, so
        # a builtin operator can never win over the struct's own (numba tries builtins first).
        conversions=tuple((t, o, explicit or has_operators) for t, o, explicit in conversions),
        implicit_from=tuple(implicit),
        item_setters=tuple(item_setters),
        dependency=name.dependency,
    )
    return binding, operators, conversions_to_structs


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


def _item_setter(config, fn, known, cxx, name, read: OverloadPlan) -> OverloadPlan:
    """`v[i] = x` through `T& operator[](I)`: returns the updated copy of the receiver."""
    _, index_decl, index_use = _plan_param(config, fn, 0, known)
    value = _drop_const(glue_spelling(fn.return_type))
    shim = shim_name(fn.mangled_name + "_set", module=config.output_name)
    params = f"{cxx}* r, {cxx} const* self, {index_decl}, {value} const* value"
    body = f"*r = *self; (*r)[{index_use}] = *value;"
    return OverloadPlan(
        shim,
        fn.qualified_name,
        read.cxx_signature,
        name.numba_name,
        (*read.params, ParamPlan("value", value, "in", read.result or "")),
        f'extern "C" __device__ void {shim}({params}) {{ {body} }}',
    )


def _call_body(callee: str, args: list[str], fn: Function) -> str:
    call = f"{callee}({', '.join(args)})"
    return f"{call};" if fn.return_type.canonical.strip() == "void" else f"*r = {call};"


def _struct_order(structs: list[StructBinding]) -> list[StructBinding]:
    """Structs whose fields use other structs come after them."""
    by_type = {s.numba_name: s for s in structs}
    ordered: list[StructBinding] = []
    seen: set[str] = set()

    def visit(s: StructBinding) -> None:
        if s.numba_name in seen:
            return
        seen.add(s.numba_name)
        for f in s.fields:
            for dep in re.findall(r"_type_\w+", f.numba or ""):
                if dep in by_type:
                    visit(by_type[dep])
        ordered.append(s)

    for s in structs:
        visit(s)
    return ordered


def _plan_structs(
    config: Config, names: dict[str, _StructName], known: KnownTypes, skipped: list[Skipped]
):
    structs, operators, extra_ctors = [], [], {}
    for name in names.values():
        binding, ops, to_structs = _plan_struct(config, name, known, skipped)
        structs.append(binding)
        operators += ops
        for target, overload in to_structs:
            extra_ctors.setdefault(target, []).append(overload)
    structs = [
        dataclasses.replace(s, ctors=s.ctors + tuple(extra_ctors.get(s.numba_name, ())))
        for s in structs
    ]
    return _struct_order(structs), operators


def _free_operators(
    config: Config, decls: Declarations, known: KnownTypes, skipped: list[Skipped]
) -> list[tuple[str, OverloadPlan]]:
    owned = set(known.structs.values())
    out: list[tuple[str, OverloadPlan]] = []
    for fn in decls.functions:
        if fn.operator is None:
            continue
        where = str(fn.location)
        try:
            if fn.exec_space is ExecSpace.HOST:
                raise _Skip("host-only")
            if fn.name in config.exclude.functions or fn.qualified_name in config.exclude.functions:
                raise _Skip("excluded by config Exclude.Function")
            mapped = _operator_key(fn.operator, len(fn.params))
            if mapped is None:
                raise _Skip(f"operator{fn.operator} has no Python equivalent")
            key, kind = mapped
            result = _compound_result(config, fn, known) if kind == "compound" else None
            variants = _variants(
                config, fn, known, _operator_body(fn.operator, kind), result=result
            )
            if not any(p.numba in owned for p in variants[0].params):
                raise _Skip(
                    "operands are numba-cuda native types: numba-cuda's own operator applies"
                )
        except (_Skip, Unmapped) as err:
            reason = str(err) if isinstance(err, _Skip) else f"type {err} has no Numba mapping"
            skipped.append(Skipped("operator", fn.qualified_name, reason, where))
            continue
        out += [(key, v) for v in variants]
    return out


def _merge_operators(pairs: list[tuple[str, OverloadPlan]]) -> list[OperatorBinding]:
    by_key: dict[str, list[OverloadPlan]] = {}
    for key, overload in pairs:
        existing = by_key.setdefault(key, [])
        if _python_signature(overload) not in {_python_signature(o) for o in existing}:
            existing.append(overload)
    return [OperatorBinding(k, tuple(v)) for k, v in by_key.items()]


def build(
    config: Config, decls: Declarations, metadata: tuple[tuple[str, str], ...] = ()
) -> BindingPlan:
    """Plan the bindings of ``decls`` under ``config``. Pure: no I/O, no numba."""
    skipped: list[Skipped] = []
    warnings: list[str] = list(config.warnings)
    errors: list[str] = []
    _check_config_against_headers(config, decls, warnings, errors)
    enums = _plan_enums(config, decls, skipped)
    taken = {e.python_name for e in enums}
    struct_names = _struct_names(config, decls, taken, skipped)
    known = KnownTypes(
        {e.cxx_name: (e.python_name, e.underlying) for e in enums},
        {cxx: n.numba_name for cxx, n in struct_names.items()},
    )
    structs, struct_ops = _plan_structs(config, struct_names, known, skipped)
    functions = _plan_functions(config, decls, known, taken, skipped, warnings)
    operators = _merge_operators(struct_ops + _free_operators(config, decls, known, skipped))
    typedefs = _plan_typedefs(config, decls, known, taken, skipped)
    prelude = (
        "".join(
            f"#define {name} {value}\n" if value is not None else f"#define {name}\n"
            for name, value in config.predefined_macros
        )
        + f"#include <{config.entry_point_include}>\n"
    )
    return BindingPlan(
        arch=config.gpu_arch[0],
        glue_prelude=prelude,
        include_dirs=tuple(config.clang_include_paths),
        functions=tuple(functions),
        enums=tuple(enums),
        typedefs=tuple(typedefs),
        skipped=tuple(skipped),
        structs=tuple(structs),
        operators=tuple(operators),
        warnings=tuple(warnings),
        errors=tuple(errors),
        additional_imports=tuple(config.additional_imports),
        setup_callback=config.module_callbacks.setup,
        teardown_callback=config.module_callbacks.teardown,
        separate_registry=config.use_separate_registry,
        output_name=config.output_name,
        metadata=metadata,
    )
