"""The binding plan: every parsed declaration becomes a bound entity or a Skipped(reason).

``build(config, declarations)`` is pure: plain data in, plain data out. The renderer only
formats the plan; ``numbast inspect`` prints it.
"""

from __future__ import annotations

import builtins
import keyword
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from ast_canopy.model import Declarations, ExecSpace, Function, Type

from .config import Config, Intent
from .typemap import KnownTypes, Mapped, Unmapped, glue_spelling, map_value

# Names the generated module itself defines, and Python's builtins (the runtime calls e.g.
# ``divmod`` and ``len`` through module globals, so a binding named ``divmod`` would break it);
# a binding that would shadow one gets a "_" suffix.
RESERVED_NAMES = frozenset(
    {"types", "install", "typing_registry", "target_registry"}
    | {name for name in dir(builtins) if not name.startswith("_")}
)


@dataclass(frozen=True)
class ParamPlan:
    name: str  # C++ parameter name, or a synthetic "arg<i>"
    cxx_type: str  # as declared
    mode: str  # "in" (by value), "ptr" (pointer intent), "out" (out_return)
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
    name = re.sub(r"\W", "_", name)
    if keyword.iskeyword(name) or name in RESERVED_NAMES or name[:1].isdigit():
        name += "_"
    return name


def shim_name(mangled: str, arity: int | None = None) -> str:
    base = "__numbast_" + re.sub(r"\W", "_", mangled)
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
            (_python_identifier(strip_prefix(m.name, prefixes)), m.value) for m in e.enumerators
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
    bare = spelled if value_type.is_pointer else _drop_const(spelled)
    arg = f"a{index}"
    if intent is Intent.IN:
        mode = "in"
        decl = f"{bare}* {arg}" if p.type.is_rvalue_ref else f"{bare} const* {arg}"
        use = f"static_cast<{bare}&&>(*{arg})" if p.type.is_rvalue_ref else f"*{arg}"
    else:
        if value_type.is_const:
            raise _Skip(f"intent {intent.value} on parameter {index + 1} `{name}`, which is const")
        mode = "out" if intent is Intent.OUT_RETURN else "ptr"
        decl = f"{bare}* {arg}"
        use = f"static_cast<{bare}&&>(*{arg})" if p.type.is_rvalue_ref else f"*{arg}"
    plan = ParamPlan(name, p.type.spelling, mode, mapped.numba, mapped.enum)
    return plan, decl, use


def _plan_overloads(config: Config, fn: Function, known: KnownTypes, cooperative: bool):
    """All overload variants of one C++ function: one per number of defaulted args omitted."""
    if fn.return_type.canonical.strip() == "void":
        result, result_decl = None, []
    else:
        ret = fn.return_type
        ret_value = ret.pointee if (ret.is_lvalue_ref or ret.is_rvalue_ref) and ret.pointee else ret
        try:
            result = map_value(ret_value, known).numba
        except Unmapped as err:
            raise _Skip(f"return type {err} has no Numba mapping") from None
        spelled = glue_spelling(ret)
        result_decl = [f"{spelled if ret_value.is_pointer else _drop_const(spelled)}* r"]
    planned = [_plan_param(config, fn, i, known) for i in range(len(fn.params))]
    first_default = len(fn.params)
    while first_default > 0 and fn.params[first_default - 1].default is not None:
        first_default -= 1
    callee = "::" + fn.qualified_name if fn.namespace else fn.name
    signature = (
        f"{fn.return_type.spelling} {fn.qualified_name}("
        + ", ".join(f"{p.type.spelling} {_param_name(i, p.name)}" for i, p in enumerate(fn.params))
        + ")"
    )
    variants = []
    for arity in range(len(fn.params), first_default - 1, -1):
        used = planned[:arity]
        shim = shim_name(fn.mangled_name, None if arity == len(fn.params) else arity)
        params = ", ".join(result_decl + [decl for _, decl, _ in used])
        call = f"{callee}({', '.join(use for _, _, use in used)})"
        body = f"*r = {call};" if result is not None else f"{call};"
        glue = f'extern "C" __device__ void {shim}({params}) {{ {body} }}'
        variants.append(
            OverloadPlan(
                shim,
                fn.qualified_name,
                signature,
                result,
                tuple(p for p, _, _ in used),
                glue,
                cooperative,
            )
        )
    return variants


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
                raise _Skip("operator functions are not bound yet")
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
        if (
            (py_name in owner
            and owner[py_name] != set_owner)
            or (py_name in taken
            and py_name not in owner)
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


def build(
    config: Config, decls: Declarations, metadata: tuple[tuple[str, str], ...] = ()
) -> BindingPlan:
    """Plan the bindings of ``decls`` under ``config``. Pure: no I/O, no numba."""
    skipped: list[Skipped] = []
    warnings: list[str] = list(config.warnings)
    errors: list[str] = []
    _check_config_against_headers(config, decls, warnings, errors)
    enums = _plan_enums(config, decls, skipped)
    known = KnownTypes({e.cxx_name: (e.python_name, e.underlying) for e in enums}, {})
    taken = {e.python_name for e in enums}
    functions = _plan_functions(config, decls, known, taken, skipped, warnings)
    typedefs = _plan_typedefs(config, decls, known, taken, skipped)
    for s in decls.structs:
        skipped.append(
            Skipped(
                "struct",
                s.qualified_name or "(anonymous struct)",
                "structs are not bound yet",
                str(s.location),
            )
        )
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
        warnings=tuple(warnings),
        errors=tuple(errors),
        additional_imports=tuple(config.additional_imports),
        setup_callback=config.module_callbacks.setup,
        teardown_callback=config.module_callbacks.teardown,
        separate_registry=config.use_separate_registry,
        output_name=config.output_name,
        metadata=metadata,
    )
