"""The binding plan: every parsed declaration becomes a bound entity or a Skipped(reason).

``build(config, declarations)`` is pure: plain data in, plain data out. The plan is typed data
(``refs`` for Numba types, ``shims`` for the C++ wrappers): the renderers own all spelling;
``numbast inspect`` prints its rows.
"""

from __future__ import annotations

from dataclasses import replace

from ast_canopy.model import Declarations

from ..config import Config
from .enums import plan_enums, plan_typedefs
from .functions import check_config_against_headers, plan_functions
from .members import native_operands, plan_structs
from .model import (
    BindingPlan,
    BoundCallable,
    CallForm,
    EnumBinding,
    FieldPlan,
    FunctionBinding,
    Operator,
    OperatorBinding,
    OperatorForm,
    OverloadPlan,
    ParamPlan,
    PlanRow,
    Skipped,
    StructBinding,
    TypedefBinding,
)
from .names import RESERVED_NAMES, shim_name, strip_prefix
from .operators import free_operators, merge_operators
from .refs import StructRef
from .structs import primitive_model_errors, struct_names
from .templates import (
    bindable_class_templates,
    declared_natives,
    plan_class_templates,
    plan_function_templates,
    plan_tags,
    skip_member_templates,
    takes_instances,
)
from .typemap import KnownTypes

__all__ = [
    "RESERVED_NAMES",
    "BindingPlan",
    "BoundCallable",
    "CallForm",
    "EnumBinding",
    "FieldPlan",
    "FunctionBinding",
    "Operator",
    "OperatorBinding",
    "OperatorForm",
    "OverloadPlan",
    "ParamPlan",
    "PlanRow",
    "Skipped",
    "StructBinding",
    "TypedefBinding",
    "build",
    "shim_name",
    "strip_prefix",
]


def build(
    config: Config, decls: Declarations, metadata: tuple[tuple[str, str], ...] = ()
) -> BindingPlan:
    """Plan the bindings of ``decls`` under ``config``. Pure: no I/O, no numba."""
    skipped: list[Skipped] = []
    warnings: list[str] = list(config.warnings)
    errors: list[str] = []
    check_config_against_headers(config, decls, warnings, errors)
    enums = plan_enums(config, decls, skipped)
    taken = {e.python_name for e in enums}
    names = struct_names(config, decls, taken, skipped)
    bound = {c: n.ref for c, n in names.items() if isinstance(n.ref, StructRef)}
    known = KnownTypes({e.cxx_name: e.ref for e in enums}, bound)
    structs, struct_operators = plan_structs(config, names, known, skipped)
    errors += primitive_model_errors(config, structs)
    classes = bindable_class_templates(config, decls)
    by_instance = [takes_instances(f, classes, decls.inline_namespaces) for f in decls.functions]
    instance_calls = [f for f, yes in zip(decls.functions, by_instance) if yes]
    plain = replace(
        decls, functions=tuple(f for f, y in zip(decls.functions, by_instance) if not y)
    )
    functions = plan_functions(config, plain, known, taken, skipped, warnings)
    own = native_operands(config, names.values())
    operators = merge_operators(
        struct_operators + free_operators(config, decls, known, skipped, own), skipped
    )
    typedefs = plan_typedefs(config, decls, known, taken, skipped)
    function_templates = plan_function_templates(
        config, decls, functions, taken, skipped, instance_calls
    )
    class_templates = plan_class_templates(config, decls, taken, skipped)
    tags = plan_tags(decls, taken) if class_templates else []  # (for their type arguments)
    skip_member_templates(decls, skipped)
    joined = {t.python_name for t in function_templates if t.also_function}
    functions = [f for f in functions if f.python_name not in joined]
    return BindingPlan(
        arch=config.gpu_arch[0],
        macros=tuple(config.predefined_macros),
        entry_point_include=config.entry_point_include,
        entry_point_include_quoted=config.entry_point_include_quoted,
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
        function_templates=tuple(function_templates),
        class_templates=tuple(class_templates),
        tags=tuple(tags),
        template_natives=declared_natives(decls) if function_templates or class_templates else (),
    )
