"""Function and class templates: which are bound (instantiated by NVRTC when a kernel is
compiled) and which are skipped, with the form that stops them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from ast_canopy.model import (
    Access,
    ClassTemplate,
    Declarations,
    ExecSpace,
    Function,
    FunctionTemplate,
    Method,
    MethodKind,
    Struct,
    TemplateParam,
    TemplateParamKind,
    Type,
)

from ..config import Config
from .model import (
    ClassTemplateBinding,
    FunctionBinding,
    FunctionTemplateBinding,
    Skipped,
    TagBinding,
    TemplateParamPlan,
)
from .names import attribute_name, python_identifier, strip_prefix
from .typemap import NATIVE_TYPES
from .usable import unusable_reason


def portable_name(qualified: str, inline: tuple[str, ...]) -> str:
    """``::`` + ``qualified`` without its inline namespaces (``cuda::std::__4::complex`` is
    ``::cuda::std::complex``): CCCL names them per version and, for CUB, per arch."""
    parts = qualified.split("::")
    kept = [p for i, p in enumerate(parts) if "::".join(parts[: i + 1]) not in inline]
    return "::" + "::".join(kept)


def _param_plan(p: TemplateParam) -> TemplateParamPlan:
    kind = "type" if p.kind is TemplateParamKind.TYPE else "value"
    return TemplateParamPlan(p.name, kind, p.type or "", p.default is not None)


def _unsupported_form(params: tuple[TemplateParam, ...]) -> str | None:
    for p in params:
        if p.is_pack:
            return f"template parameter pack `{p.name}...`"
        if p.kind is TemplateParamKind.TEMPLATE:
            return f"template template parameter `{p.name}`"
        if not p.name:
            return "unnamed template parameter (cannot be given by keyword)"
    return None


def template_head(params: tuple[TemplateParam, ...]) -> str:
    """``template <typename T, int N>``."""
    spelled = [
        f"{'typename' if p.kind is TemplateParamKind.TYPE else p.type} {p.name}" for p in params
    ]
    return f"template <{', '.join(spelled)}>"


def _function_signature(t: FunctionTemplate) -> str:
    fn = t.function
    params = ", ".join(f"{p.type.spelling} {p.name or ''}".strip() for p in fn.params)
    head = template_head(t.template_params) + " " if t.template_params else ""
    return f"{head}{fn.return_type.spelling} {fn.qualified_name}({params})"


def _instance_of(t: Type, inline: tuple[str, ...]) -> str:
    """The portable name of the class template whose instance ``t`` is (under references,
    pointers and const), or "". (clang may spell it without inline namespaces:
    ``cuda::barrier<...>`` for ``cuda::__4::barrier``.)"""
    name = t.unqualified_non_ref_type_name
    return portable_name(name.partition("<")[0].strip().lstrip(":"), inline) if "<" in name else ""


def bindable_class_templates(config: Config, decls: Declarations) -> frozenset[str]:
    """Portable names of the class templates that have instances to bind: defined ones, and
    declared-only ones that are specialised (wmma's ``fragment``)."""
    specialised = {s.template_name for s in decls.class_template_specializations}
    return frozenset(
        portable_name(t.record.qualified_name, decls.inline_namespaces)
        for t in decls.class_templates
        if _class_skip_reason(config, t) is None
        and (t.is_defined or t.record.qualified_name in specialised)
    )


def takes_instances(fn: Function, classes: frozenset[str], inline: tuple[str, ...]) -> bool:
    """Whether ``fn`` takes or returns an instance of one of ``classes``: Numba has no type for
    it before a kernel is compiled, so C++ resolves the call then, as for a template."""
    types = [p.type for p in fn.params] + [fn.return_type]
    return any(_instance_of(t, inline) in classes for t in types)


def _written(overloads: Iterable[FunctionTemplate]) -> tuple[int, ...]:
    """Positions where some overload takes a non-const reference to a class (or to a type
    parameter, which may be one): what the callee writes there is written back to the kernel's
    variable when it holds a bound struct or instance."""

    def to_class(t: Type, params: set[str]) -> bool:
        if not t.is_lvalue_ref or t.is_const or t.pointee is None:
            return False
        pointee = t.pointee.spelling
        return t.pointee.kind == "RECORD" or "<" in pointee or pointee in params

    return tuple(sorted({
        i
        for o in overloads
        for i, p in enumerate(o.function.params)
        if to_class(p.type, {t.name for t in o.template_params if t.kind is TemplateParamKind.TYPE})
    }))  # fmt: skip


def _function_skip_reason(config: Config, t: FunctionTemplate) -> str | None:
    fn = t.function
    if fn.exec_space is ExecSpace.HOST:
        return "host-only"
    if fn.exec_space is ExecSpace.GLOBAL:
        return "__global__ kernel template"
    if fn.name in config.exclude.functions or fn.qualified_name in config.exclude.functions:
        return "excluded by config Exclude.Function"
    if config.skip_prefix and fn.name.startswith(config.skip_prefix):
        return f"name starts with config Skip Prefix `{config.skip_prefix}`"
    if fn.operator is not None:
        return (
            "operator template: not bound by name (C++ picks it when a kernel applies the "
            "operator to instances of the bound class templates)"
        )
    if fn.is_variadic:
        return "variadic"
    return _unsupported_form(t.template_params)


def plan_function_templates(
    config: Config,
    decls: Declarations,
    functions: list[FunctionBinding],
    taken: set[str],
    skipped: list[Skipped],
    instance_calls: Sequence[Function] = (),
) -> list[FunctionTemplateBinding]:
    """One binding per qualified name. Where the same name also has non-template overloads,
    they join the template binding (C++ overload resolution chooses among all of them, as it
    would in C++: ``f(1.5f)`` picks ``template f<float>`` over ``f(int)``), and the caller
    drops their ``FunctionBinding``. ``instance_calls``: functions that take class template
    instances (:func:`takes_instances`), resolved the same way (templates of no parameters)."""
    plain = {f.cxx_name.lstrip(":"): f for f in functions}
    groups: dict[str, list[FunctionTemplate]] = {}
    pseudo = [FunctionTemplate((), fn) for fn in instance_calls]
    for t in (*decls.function_templates, *pseudo):
        fn = t.function
        kind = "function template" if t.template_params else "function"
        reason = _function_skip_reason(config, t)
        if reason is None and not t.template_params:
            reason = "deleted" if fn.is_deleted else unusable_reason(fn, config.gpu_arch[0])
        if reason:
            skipped.append(Skipped(kind, fn.qualified_name, reason, str(fn.location)))
            continue
        groups.setdefault(fn.qualified_name, []).append(t)
    # where two templates want one Python name, the less nested keeps it (`cg::reduce`, not
    # `cg::details::reduce`); the other is named after its namespaces
    names: dict[str, str] = {}
    for cxx, group in sorted(groups.items(), key=lambda g: len(g[1][0].function.namespace)):
        fn = group[0].function
        if cxx in plain:
            names[cxx] = plain[cxx].python_name
            continue
        py = python_identifier(strip_prefix(fn.name, config.prefix_removal.functions))
        if py in taken:
            py = python_identifier("_".join((*fn.namespace, py)))
        taken.add(py)
        names[cxx] = py
    bound = []
    for cxx, group in groups.items():
        also, py = cxx in plain, names[cxx]
        callee = portable_name(cxx, decls.inline_namespaces)
        params = tuple(_param_plan(p) for p in group[0].template_params)
        signatures = tuple(dict.fromkeys(_function_signature(t) for t in group))
        if also:
            signatures += tuple(dict.fromkeys(o.cxx_signature for o in plain[cxx].overloads))
        same = [f for f in decls.functions if f.qualified_name == cxx] if also else []
        writes = _written([*group, *(FunctionTemplate((), f) for f in same)])
        bound.append(FunctionTemplateBinding(py, callee, params, signatures, also,
                                             writes=writes))  # fmt: skip
    return bound


def plan_tags(decls: Declarations, taken: set[str]) -> list[TagBinding]:
    """The records declared and defined nowhere: names for template arguments."""
    tags: dict[str, TagBinding] = {}
    for st in decls.declared_only:
        py = python_identifier(st.name)
        if py in taken:
            py = python_identifier("_".join((*st.namespace, py)))
        if py in taken or st.qualified_name in tags:
            continue
        taken.add(py)
        cxx = portable_name(st.qualified_name, decls.inline_namespaces)
        tags[st.qualified_name] = TagBinding(py, cxx)
    return list(tags.values())


def declared_natives(decls: Declarations) -> tuple[str, ...]:
    """numba-cuda's own types (``__half``...) that the retained declarations mention: C++ knows
    them wherever those compile, so instances can take and return them."""
    spelled = " ".join(
        t.canonical
        for fn in (*decls.functions, *(t.function for t in decls.function_templates))
        for t in (fn.return_type, *(p.type for p in fn.params))
    )
    return tuple(c for c in NATIVE_TYPES if re.search(rf"\b{c}\b", spelled))


def _class_skip_reason(config: Config, t: ClassTemplate) -> str | None:
    st = t.record
    if not st.name:
        return "anonymous record"
    if st.is_union:
        return "union template"
    if st.name in config.exclude.structs or st.qualified_name in config.exclude.structs:
        return "excluded by config Exclude.Struct"
    return _unsupported_form(t.template_params)


def _inherited(st: Struct, records: dict[str, list[Struct]]) -> list[Method]:
    """The methods ``st`` inherits from its public bases among ``records`` (qualified name ->
    the record and, of a template, its partial and explicit specialisations: which one a given
    instance derives from is C++'s to decide, so all of their names are offered; C++ types each
    call), nearest base first."""
    found, seen, todo = [], {st.qualified_name}, list(st.bases)
    while todo:
        name = todo.pop(0)
        if name in seen:
            continue
        seen.add(name)
        for base in records.get(name, ()):
            found += [*base.methods, *base.member_templates]
            todo += base.bases
    return found


def plan_class_templates(
    config: Config, decls: Declarations, taken: set[str], skipped: list[Skipped]
) -> list[ClassTemplateBinding]:
    bound: dict[str, ClassTemplateBinding] = {}
    records: dict[str, list[Struct]] = {}
    for name, record in (
        *((r.qualified_name, r) for r in decls.structs),
        *((t.record.qualified_name, t.record) for t in decls.class_templates),
        *((s.template_name, s.record) for s in decls.class_template_specializations),
    ):
        records.setdefault(name, []).append(record)
    specialised = {s.template_name for s in decls.class_template_specializations}
    for t in decls.class_templates:
        st = t.record
        reason = _class_skip_reason(config, t)
        if reason is None and not t.is_defined and st.qualified_name not in specialised:
            reason = "declared and never defined or specialised: it has no instances"
        if reason is None and st.qualified_name in bound:
            reason = "duplicate declaration"
        if reason:
            skipped.append(Skipped("class template", st.qualified_name or "(anonymous)", reason,
                                   str(st.location)))  # fmt: skip
            continue
        py = python_identifier(strip_prefix(st.name, config.prefix_removal.structs))
        if py in taken:
            py = python_identifier("_".join((*st.namespace, py)))
        taken.add(py)
        public = [
            m
            for m in (*st.methods, *st.member_templates, *_inherited(st, records))
            if m.access is Access.PUBLIC and not m.is_deleted
        ]
        # by their C++ names, which kernels use as attributes (a keyword could not be); C++
        # calls a static member through an object too (`tile.thread_rank()`), leaving it as is
        regular = [
            m
            for m in public
            if m.kind is MethodKind.REGULAR
            and m.function.operator is None
            and attribute_name(m.function.name) == m.function.name
        ]
        methods = tuple(dict.fromkeys(m.function.name for m in regular))
        const = {m.function.name for m in regular if m.is_const or m.is_static}
        mutating = tuple(name for name in methods if name not in const)
        # fields are read where the layout follows from them (all public, named, whole)
        plain = all(
            f.access is Access.PUBLIC and f.name and not f.is_anonymous and f.bitfield_width is None
            for f in st.fields
        )
        fields = tuple(f.name for f in st.fields) if plain else ()
        params = tuple(_param_plan(p) for p in t.template_params)
        signature = f"{template_head(t.template_params)} {'class' if st.is_class else 'struct'} "
        bound[st.qualified_name] = ClassTemplateBinding(
            py,
            portable_name(st.qualified_name, decls.inline_namespaces),
            params,
            fields,
            methods,
            mutating,
            signature + st.qualified_name,
        )
    return list(bound.values())


def skip_member_templates(decls: Declarations, skipped: list[Skipped]) -> None:
    """Member function templates of ordinary structs are not bound (those of class templates
    are): each is listed with the reason."""
    for st in decls.structs:
        for m in st.member_templates:
            reason = "member function template of a struct that is not a class template"
            name = f"{st.qualified_name}::{m.function.name}"
            skipped.append(Skipped("member template", name, reason, str(m.function.location)))
