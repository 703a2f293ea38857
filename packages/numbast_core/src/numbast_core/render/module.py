"""Render a BindingPlan as the text of a standalone Python module (numba-cuda backend).

The data rows it writes are read by the runtime sections (``runtime_sections/``) copied into it.

Deterministic: output depends only on the plan (no timestamps, no set/dict-hash ordering).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable

from ..glue_build import ModuleGlue
from ..plan.model import BindingPlan, FunctionBinding, OverloadPlan, ParamPlan, StructBinding
from ..plan.refs import Scalar, TypeRef, Vector, value_type
from ..plan.typemap import NATIVE_TYPES
from ..runtime import runtime_text
from ..stdcompat import nvrtc_headers
from .cxx import glue, prelude
from .spelling import (
    foreign_enum_args,
    operator_key,
    param_expression,
    struct_type_name,
    type_expr,
    typedef_target,
)
from .template_cxx import TEMPLATE_HELPERS


def _holds(value: object, found: Callable[[object], bool]) -> bool:
    """Whether a plan value (dataclasses, tuples) holds a value ``found`` accepts."""
    if found(value):
        return True
    if isinstance(value, (tuple, list)):
        return any(_holds(v, found) for v in value)
    if dataclasses.is_dataclass(value):
        return any(_holds(getattr(value, f.name), found) for f in dataclasses.fields(value))
    return False


def runtime_features(plan: BindingPlan, info: ModuleGlue | None = None) -> frozenset[str]:
    """The runtime sections ``plan``'s module uses (see ``runtime.SECTIONS``); ``info``: its
    glue (default: compiled at run time)."""
    bound = (plan.functions, plan.structs, plan.operators, plan.typedefs)
    mutators = _holds(bound, lambda v: isinstance(v, ParamPlan) and v.mode == "inout")
    # instances of class templates: fields written, non-const methods write the receiver back
    mutators = mutators or bool(plan.class_templates)
    mutators = mutators or any(t.writes for t in plan.function_templates)  # T& of a template
    writes = mutators or any(
        any(f.name for f in st.fields) or st.item_setters for st in plan.structs
    )
    foreign_enums = any(foreign_enum_args(o) for fn in plan.functions for o in fn.overloads)
    # the disk cache and bisection where the glue is compiled at run time, and where the
    # fallback compile of a large, chunked glue would cost seconds in every process
    compiled_at_run_time = info is None or not info.precompiled or info.chunk_size > 0
    # templates are instantiated at kernel compile: NVRTC through the disk cache
    templates = bool(plan.function_templates or plan.class_templates)
    used = {
        "registry": plan.separate_registry,
        "bisect": compiled_at_run_time or templates,
        "compile": compiled_at_run_time or templates,
        "archs": info is not None and info.only,
        "vectors": templates or _holds(bound, lambda v: isinstance(v, Vector)),
        "enums": plan.enums or foreign_enums,
        "structs": plan.structs or plan.class_templates,  # (instances are structs)
        "native": any(st.native is not None for st in plan.structs),
        "writes": writes,
        "mutators": mutators,
        "operators": plan.operators,
        "templates": templates,
        "class_templates": plan.class_templates,
    }
    return frozenset(name for name, present in used.items() if present)


def _overload_row(o: OverloadPlan) -> str:
    params = "".join(f"{param_expression(p)}, " for p in o.params)
    result = type_expr(o.result)
    return f"    ({o.shim!r}, {o.cxx_name!r}, {result}, ({params}), {o.cooperative}),\n"


def all_overloads(plan: BindingPlan) -> list[OverloadPlan]:
    """Every bound callable of the plan (each has one shim), and the template instances bound
    ahead (typed through their templates)."""
    ahead = [o for t in plan.function_templates for _, o in t.ahead]
    return [call.overload for call in plan.callables()] + ahead


def _rows(overloads: Iterable[OverloadPlan], indent: int = 4) -> str:
    return "".join(" " * indent + _overload_row(o).lstrip() for o in overloads)


def _native_line(st: StructBinding) -> str:
    """The C++ name bound to numba-cuda's own type; its casts, in a separate registry."""
    ty = type_expr(st.native)
    line = f"{st.python_name} = {ty}  # C++ {st.cxx_name}: numba-cuda's own type\n"
    if not (st.implicit_from or st.conversions):
        return line
    casts = "".join(
        f"    ({type_expr(source)}, {_overload_row(o).strip()[:-1]}),\n"
        for source, o in st.implicit_from
    )
    conversions = "".join(
        f"    ({type_expr(target)}, {_overload_row(o).strip()[:-1]}),\n"
        for target, o, _ in st.conversions
    )
    return line + (
        f"_bind_native(_registries, _glue, {ty},\n  casts=[\n{casts}  ],\n"
        f"  conversions=[\n{conversions}  ],\n)\n"
    )


def _struct_type_line(st: StructBinding) -> str:
    if st.native is not None:
        return ""
    fields = "".join(
        f"({f.name!r}, {type_expr(f.type)}, {f.offset}, {f.size}), " for f in st.fields
    )
    extra = f", model=_models.{st.model}" if st.model else ""
    extra += ", dependency=True" if st.dependency else ""
    note = "# used by this API, declared elsewhere: layout, fields, constructors\n"
    return (note if st.dependency else "") + (
        f"{struct_type_name(st.ref)} = _struct_type({st.python_name!r}, {st.cxx_name!r}, "
        f"{st.size}, ({fields}), _shared, parent=types.{st.parent}{extra})\n"
    )


def _struct_block(st: StructBinding) -> str:
    if st.native is not None:
        return _native_line(st)
    doc = f"C++ {st.cxx_name}: " + "; ".join(dict.fromkeys(o.cxx_signature for o in st.ctors))
    head = f"{st.python_name} = _function(_registries, _glue, {st.python_name!r}, {doc!r}, ["
    out = [f"{head}\n{_rows(st.ctors)}])\n"]
    statics = "".join(
        f"    ({name!r}, _function(_registries, _glue, {st.python_name + '.' + name!r}, "
        f"{overloads[0].cxx_signature!r}, [\n{_rows(overloads, 8)}    ])),\n"
        for name, overloads in st.statics
    )
    methods = "".join(
        f"    ({name!r}, [\n{_rows(overloads, 8)}    ]),\n" for name, overloads in st.methods
    )
    conversions = "".join(
        f"    ({type_expr(target)}, {_overload_row(o).strip()[:-1]}, {explicit}),\n"
        for target, o, explicit in st.conversions
    )
    implicit = "".join(
        f"    ({type_expr(source)}, {_overload_row(o).strip()[:-1]}),\n"
        for source, o in st.implicit_from
    )
    setitem = f"  setitem=[\n{_rows(st.item_setters)}  ],\n" if st.item_setters else ""
    out.append(
        f"_bind_struct(_registries, _glue, {struct_type_name(st.ref)}, {st.python_name},\n"
        f"  statics=[\n{statics}  ],\n  methods=[\n{methods}  ],\n"
        f"  conversions=[\n{conversions}  ],\n  implicit=[\n{implicit}  ],\n{setitem})\n"
    )
    return "".join(out)


def _function_block(fn: FunctionBinding) -> str:
    doc = "\n".join(dict.fromkeys(o.cxx_signature for o in fn.overloads))
    rows = "".join(_overload_row(o) for o in fn.overloads)
    writes = any(p.mode == "inout" for o in fn.overloads for p in o.params)
    function = "_writing_function" if writes else "_function"
    rows_of = "[" if writes else "lambda: ["  # (a plain function's rows: read when first typed)
    head = f"{fn.python_name} = {function}(_registries, _glue, {fn.python_name!r}, {doc!r}, "
    head += rows_of
    enums = [foreign_enum_args(o) for o in fn.overloads]
    # IntEnum members checked by name (not for overloads that write structs back)
    named = f", enums={enums!r}" if any(enums) and not writes else ""
    return f"{head}\n{rows}]{named})\n"


def _explicit(key: TypeRef | str) -> str:
    """A template argument as a kernel gives it: a Numba type, or a constant's spelling."""
    return repr(key) if isinstance(key, str) else type_expr(key)


def _templates_block(plan: BindingPlan) -> str:
    """The templates: each a Python name whose calls NVRTC instantiates when a kernel is
    compiled (``_Templates`` in the runtime's templates section)."""
    if not (plan.function_templates or plan.class_templates):
        return ""
    structs = "".join(
        f"{st.cxx_name!r}: {type_expr(st.native) if st.native else struct_type_name(st.ref)}, "
        for st in plan.structs
    )
    bound = {st.cxx_name for st in plan.structs}
    structs += "".join(
        f"{c!r}: {type_expr(Scalar(NATIVE_TYPES[c]))}, "
        for c in plan.template_natives
        if c not in bound
    )
    handles = "".join(
        f"({st.python_name}, {struct_type_name(st.ref)}), "
        for st in plan.structs
        if st.native is None
    )
    enums = "".join(f"{e.python_name}: {'::' + e.cxx_name!r}, " for e in plan.enums)
    out = [
        f"_templates = _Templates(_glue, _registries, {{{structs}}}, [{handles}],\n"
        f"    helpers={TEMPLATE_HELPERS!r}, enums={{{enums}}})\n"
    ]
    out += [
        f"{t.python_name} = _tag_type(_templates, {t.python_name!r}, {t.cxx_name!r})\n"
        for t in plan.tags
    ]
    for t in plan.function_templates:
        params = tuple((p.name, p.kind, p.cxx_type) for p in t.params)
        doc = "\n".join(t.signatures)
        # instances bound ahead (config Template Instances): (explicit arguments, row)
        ahead = "".join(
            f"    (({''.join(_explicit(k) + ', ' for k in keys)}), "
            f"{_overload_row(o).strip()[:-1]}),\n"
            for keys, o in t.ahead
        )
        ahead = f", ahead=[\n{ahead}]" if ahead else ""
        ahead += f", writes={t.writes!r}" if t.writes else ""
        out.append(
            f"{t.python_name} = _function_template(_templates, {t.python_name!r}, {doc!r}, "
            f"{t.cxx_name!r}, {params!r}{ahead})\n"
        )
    for c in plan.class_templates:
        params = tuple((p.name, p.kind, p.cxx_type) for p in c.params)
        out.append(
            f"{c.python_name} = _class_template(_templates, {c.python_name!r}, {c.signature!r}, "
            f"{c.cxx_name!r}, {params!r}, {c.fields!r}, {c.methods!r}, {c.mutating!r})\n"
        )
    if plan.class_templates:
        out.append("_template_members(_templates)  # fields, methods, operators of instances\n")
    return "".join(out)


def _header(plan: BindingPlan) -> str:
    lines = ["# Generated by Numbast. Do not edit: regenerate from the config instead."]
    lines += [f"# {key}: {value}" for key, value in plan.metadata]
    return "\n".join(lines) + "\n"


def _glue_call(plan: BindingPlan, info: ModuleGlue) -> str:
    shims = "".join(f"        {o.shim!r}: {glue(o)!r},\n" for o in all_overloads(plan))
    only = "".join(f"        {shim!r}: {archs!r},\n" for shim, archs in info.only)
    precompiled = "".join(
        f"        {arch!r}: ({name!r}, {sha!r}, {sizes!r}, {dropped!r}),\n"
        for arch, name, sha, sizes, dropped in info.precompiled
    )
    sources = "".join(f"        {path!r}: {sha!r},\n" for path, sha in info.sources)
    return (
        "_glue = _Glue(\n"
        f"    {info.prelude or prelude(plan)!r},\n"
        f"    {{\n{shims}    }},\n"
        f"    {info.archs!r},\n"
        # relative to this file's folder, or cuda:<dir> under the CUDA include dirs
        f"    include_dirs={info.include_dirs!r},\n"
        f"    setup={plan.setup_callback or 'None'},\n"
        f"    teardown={plan.teardown_callback or 'None'},\n"
        # C++ standard headers (libcu++ forwarders) and NVRTC's built-in crt headers by name
        f"    headers={nvrtc_headers()!r},\n"
        "    origin=__file__,\n"
        f"    suffix={info.suffix!r},\n"
        f"    chunk_size={info.chunk_size!r},\n"
        f"    only={{\n{only}    }},\n"
        f"    precompiled={{\n{precompiled}    }},\n"
        f"    nvrtc={info.nvrtc!r},\n"
        f"    sources={{\n{sources}    }},\n"
        ")\n"
    )


def python(plan: BindingPlan, info: ModuleGlue | None = None) -> str:
    """The module text for ``plan``; ``info``: its glue's archs, include dirs and precompiled
    LTO-IR (default: the plan's arch and include dirs, compiled at run time)."""
    info = info or ModuleGlue((plan.arch,), plan.include_dirs)
    out = [_header(plan), '"""Numba-CUDA bindings generated by Numbast."""\n\n']
    out += [f"{statement}\n" for statement in plan.additional_imports]
    out.append(runtime_text(runtime_features(plan, info)))
    out.append("\n\n")
    out.append(_glue_call(plan, info) + "_registries = _Registries()\n")
    extra_public = _separate_registry(plan, out, " in numba-cuda")
    out += _enum_classes(plan)
    out += _struct_types(plan, _struct_type_line)
    out += [_struct_block(st) for st in plan.structs]
    out += [_function_block(fn) for fn in plan.functions]
    if plan.operators:
        # the operators apply when an operand is one of the module's structs, a CUDA vector type
        # (numba-cuda types no operator on those), or one of numba-cuda's own types where this
        # module binds operators on it
        operands = {
            value_type(p.type) for op in plan.operators for o in op.overloads for p in o.params
        }
        owned = "".join(
            f"{type_expr(st.native) if st.native else struct_type_name(st.ref)}, "
            for st in plan.structs
            if st.native is None or st.native in operands
        )
        vectors = sorted((t for t in operands if isinstance(t, Vector)), key=lambda v: v.name)
        owned += "".join(f"{type_expr(v)}, " for v in vectors)
        rows = "".join(
            f"    ({operator_key(op.operator)}, [\n{_rows(op.overloads, 8)}    ]),\n"
            for op in plan.operators
        )
        out.append(f"_operators(_registries, _glue, {{{owned}}}, [\n{rows}])\n")
    out.append(_templates_block(plan))
    out += _typedef_lines(plan)
    out.append("# fmt: on\n")
    out.append("if _gc_resume:  # (see the runtime's start)\n    _gc.enable()\n")
    if plan.function_templates or plan.class_templates:
        extra_public.append("raw_storage")  # (the templates section's)
    out.append(_all([*plan.public_names, *extra_public]))
    return "".join(out)


def _separate_registry(plan: BindingPlan, out: list[str], where: str) -> list[str]:
    """Append the public names of a separate registry (``install`` activates the bindings
    ``where``); return them for ``__all__``."""
    if not plan.separate_registry:
        return []
    out.append(
        "typing_registry = _registries.typing\n"
        "target_registry = _registries.target\n"
        f"install = _registries.install  # activates this module's bindings{where}\n"
    )
    return ["typing_registry", "target_registry", "install"]


def _enum_classes(plan: BindingPlan) -> list[str]:
    """The enums as ``IntEnum`` classes, then the start of the one-line-per-row data."""
    out = []
    for e in plan.enums:
        members = "".join(f"    {name} = {value}\n" for name, value in e.members) or "    pass\n"
        out.append(
            f"\n\nclass {e.python_name}(_pyenum.IntEnum):\n    # C++ {e.cxx_name}\n{members}"
        )
    out.append("\n\n# fmt: off\n")  # one data row per overload: keep them one line each
    return out


def _struct_types(plan: BindingPlan, line: Callable[[StructBinding], str]) -> list[str]:
    """One Numba type per C++ struct (``line`` spells one), and the table that shares them with
    modules of the same runtime ABI."""
    own = [st for st in plan.structs if st.native is None]
    out = ["_shared = _shared_structs()\n"] if own else []  # made by other modules: looked up once
    out += [line(st) for st in plan.structs]
    if own:
        shared = "".join(f"(_ABI, {st.cxx_name!r}): {struct_type_name(st.ref)}, " for st in own)
        out.append(f"__numbast_structs__ = {{{shared}}}\n")
    return out


def _typedef_lines(plan: BindingPlan) -> list[str]:
    return [
        f"{t.python_name} = {typedef_target(t.target)}  # C++ typedef {t.cxx_name}\n"
        for t in plan.typedefs
    ]


def _all(names: list[str]) -> str:
    return "\n__all__ = [\n" + "".join(f"    {n!r},\n" for n in names) + "]\n"
