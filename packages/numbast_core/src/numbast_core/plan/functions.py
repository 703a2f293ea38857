"""Free functions (operators are planned in ``operators``), and config keys checked against
the headers."""

from __future__ import annotations

import re

from ast_canopy.model import Declarations, ExecSpace

from ..config import Config
from .model import FunctionBinding, Skipped
from .names import python_identifier, strip_prefix
from .overloads import OverloadSets
from .params import Skip, variants
from .shims import ShimKind
from .typemap import KnownTypes
from .usable import unusable_reason


def plan_functions(
    config: Config,
    decls: Declarations,
    known: KnownTypes,
    taken: set[str],
    skipped: list[Skipped],
    warnings: list[str],
) -> list[FunctionBinding]:
    sets: OverloadSets[str] = OverloadSets("function")
    owner: dict[str, str] = {}  # python name -> qualified C++ name of the overload set
    seen_mangled: dict[str, str] = {}
    cooperative_patterns = [re.compile(r) for r in config.cooperative_regexes]
    for fn in decls.functions:
        where = str(fn.location)
        cxx = fn.qualified_name
        try:
            if fn.exec_space is ExecSpace.HOST:
                raise Skip("host-only")
            if fn.exec_space is ExecSpace.GLOBAL:
                raise Skip("__global__ kernel")
            if fn.name in config.exclude.functions or cxx in config.exclude.functions:
                raise Skip("excluded by config Exclude.Function")
            if config.skip_prefix and fn.name.startswith(config.skip_prefix):
                raise Skip(f"name starts with config Skip Prefix `{config.skip_prefix}`")
            if fn.operator is not None:
                continue  # planned with the operators
            if fn.is_variadic:
                raise Skip("variadic")
            if fn.is_deleted:
                raise Skip("deleted")
            unusable = unusable_reason(fn, config.gpu_arch[0])
            if unusable:
                raise Skip(unusable)
            if fn.mangled_name in seen_mangled:
                raise Skip(f"duplicate declaration (first at {seen_mangled[fn.mangled_name]})")
            seen_mangled[fn.mangled_name] = where
            cooperative = any(p.match(fn.name) or p.match(cxx) for p in cooperative_patterns)
            callee = "::" + cxx if fn.namespace else fn.name
            planned = variants(
                config, fn, known, ShimKind.CALL, callee, cooperative=cooperative, write_back="refs"
            )
            # a T* to a bound struct takes a pointer, and (these variants) a struct variable
            by_ref = variants(
                config, fn, known, ShimKind.CALL, callee, cooperative=cooperative,
                write_back="refs and pointers", shim_tag="_byref",
            )  # fmt: skip
            if [p.mode for o in by_ref for p in o.params] != [
                p.mode for o in planned for p in o.params
            ]:
                planned += by_ref
        except Skip as skip:
            skipped.append(Skipped("function", cxx, str(skip), where))
            continue
        py_name = python_identifier(strip_prefix(fn.name, config.prefix_removal.functions))
        set_owner = "::".join((*fn.namespace, fn.name))
        if (py_name in owner and owner[py_name] != set_owner) or (
            py_name in taken and py_name not in owner
        ):
            renamed = python_identifier("_".join((*fn.namespace, py_name)))
            warnings.append(f"`{set_owner}` is bound as `{renamed}`: `{py_name}` is already taken")
            py_name = renamed
        owner.setdefault(py_name, set_owner)
        sets.add(py_name, planned, skipped, where)
        if py_name not in sets:
            del owner[py_name]
    bound = sets.items()
    taken.update(name for name, _ in bound)
    return [FunctionBinding(name, owner[name], overloads) for name, overloads in bound]


def check_config_against_headers(
    config: Config, decls: Declarations, warnings: list[str], errors: list[str]
) -> None:
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
