"""Function template instances bound ahead of time (config Template Instances): each becomes an
ordinary overload of the template's Python name, with its glue precompiled like the others.

Pure: NVRTC's answers (the result type of each instance's call, see ``template_probe``) come
in as data.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..config import Config
from .model import BindingPlan, FunctionTemplateBinding, OverloadPlan, ParamPlan
from .names import shim_name
from .refs import Pointer, Scalar, StructRef, TypeRef
from .shims import Passing, ShimArg, ShimKind, ShimSpec
from .typemap import _VECTOR_ELEMENTS, BUILTINS, NATIVE_TYPES, vector_type


@dataclass(frozen=True)
class ResolvedInstance:
    index: int  # in config Template Instances
    template: FunctionTemplateBinding
    arguments: tuple[tuple[str, TypeRef], ...]  # (C++ type, its Numba type)
    explicit: tuple[str, ...]  # explicit template arguments, in parameter order
    # how a kernel gives them: the Numba type of a type argument, a constant's C++ spelling
    keys: tuple[TypeRef | str, ...] = ()

    @property
    def callee(self) -> str:
        return self.template.cxx_name + (f"<{', '.join(self.explicit)}>" if self.explicit else "")


def candidate_types(plan: BindingPlan) -> list[tuple[str, TypeRef]]:
    """The C++ types an instance's result may have, with their Numba types: builtins, CUDA
    vector types, numba-cuda's own types where the module binds them, the module's structs."""
    table: list[tuple[str, TypeRef]] = [
        (c, Scalar(n)) for c, n in BUILTINS.items() if c not in NATIVE_TYPES
    ]
    vectors = [f"{e}{n}" for e in _VECTOR_ELEMENTS for n in range(1, 5)]
    table += [(v, ref) for v in vectors if (ref := vector_type(v)) is not None]
    native = {st.cxx_name for st in plan.structs if st.native is not None}
    table += [(c, Scalar(n)) for c, n in NATIVE_TYPES.items() if c in native]
    table += [(st.cxx_name, st.ref) for st in plan.structs if st.native is None]
    return table


def _argument(cxx: str, table: list[tuple[str, TypeRef]]) -> TypeRef | None:
    words = " ".join(w for w in cxx.replace("*", " * ").split() if w != "const")
    if words.endswith("*"):
        inner = _argument(words[:-1], table)
        return Pointer(inner) if inner is not None else None
    return dict(table).get(words.removeprefix("::"))


def _template_named(plan: BindingPlan, name: str) -> FunctionTemplateBinding | None:
    wanted = "::" + name.removeprefix("::")
    for t in plan.function_templates:
        if t.cxx_name == wanted or t.cxx_name.endswith(wanted):
            return t
    return None


def resolve(
    config: Config, plan: BindingPlan, table: list[tuple[str, TypeRef]]
) -> tuple[list[ResolvedInstance], list[str]]:
    """The instances checked against the headers, and the problems (with key paths)."""
    resolved, errors = [], []
    for k, inst in enumerate(config.template_instances):
        where = f"Template Instances[{k}]"
        template = _template_named(plan, inst.function)
        if template is None:
            errors.append(f"{where}.Function: no bound function template named `{inst.function}`")
            continue
        names = [p.name for p in template.params]
        given = dict(inst.template_arguments)
        unknown = [n for n in given if n not in names]
        for n in unknown:
            errors.append(f"{where}.Template Arguments.{n}: `{inst.function}` has no template "
                          f"parameter {n} (it has {', '.join(names) or 'none'})")  # fmt: skip
        if [n for n in names if n in given] != names[: len(given)]:
            errors.append(f"{where}.Template Arguments: give them in order, from {names[0]}")
        arguments = []
        for i, cxx in enumerate(inst.arguments):
            ref = _argument(cxx, table)
            if ref is None:
                errors.append(f"{where}.Arguments[{i}]: `{cxx}` has no Numba type in this module")
            arguments.append((cxx, ref))
        if not unknown and all(ref is not None for _, ref in arguments):
            explicit = tuple(given[n] for n in names if n in given)
            keys: list[TypeRef | str] = []
            for p in template.params[: len(explicit)]:
                key = _argument(given[p.name], table) if p.kind == "type" else given[p.name]
                if key is None:
                    errors.append(f"{where}.Template Arguments.{p.name}: `{given[p.name]}` has "
                                  "no Numba type in this module")  # fmt: skip
                keys.append(key if key is not None else given[p.name])
            typed = tuple((c, ref) for c, ref in arguments if ref is not None)
            resolved.append(ResolvedInstance(k, template, typed, explicit, tuple(keys)))
    return resolved, errors


def _overload(plan: BindingPlan, inst: ResolvedInstance, result: tuple[str, TypeRef] | None):
    args = ", ".join(c for c, _ in inst.arguments)
    shim = shim_name(f"instance_{inst.index}_{inst.template.python_name}", module=plan.output_name)
    spec = ShimSpec(
        ShimKind.CALL,
        inst.callee,
        result[0] if result else None,
        tuple(
            ShimArg(f"a{i}", c, Passing.MUTABLE_POINTER) for i, (c, _) in enumerate(inst.arguments)
        ),
    )
    # a bound struct at a position the template takes by non-const reference is written back
    writes = inst.template.writes
    params = tuple(
        ParamPlan(f"a{i}", c, "inout" if i in writes and isinstance(ref, StructRef) else "in", ref)
        for i, (c, ref) in enumerate(inst.arguments)
    )
    signature = f"{result[0] if result else 'void'} {inst.callee.lstrip(':')}({args})"
    return OverloadPlan(shim, inst.template.cxx_name, signature, result and result[1], params, spec)


def add_instances(
    plan: BindingPlan,
    resolved: list[ResolvedInstance],
    table: list[tuple[str, TypeRef]],
    answers: list[int | str],
) -> tuple[BindingPlan, list[str]]:
    """The plan with the instances bound ahead by their templates; ``answers``: per resolved
    instance, its result id (0 void, i: the i-th entry of ``table``, -1 no Numba type) or
    NVRTC's error."""
    ahead: dict[str, list[tuple[tuple[TypeRef | str, ...], OverloadPlan]]] = {}
    errors = []
    for inst, answer in zip(resolved, answers):
        where = f"Template Instances[{inst.index}]"
        call = f"{inst.callee.lstrip(':')}({', '.join(c for c, _ in inst.arguments)})"
        if isinstance(answer, str):
            errors.append(f"{where}: C++ rejects `{call}`: {answer}")
        elif answer < 0 or answer > len(table):
            errors.append(f"{where}: the result type of `{call}` has no Numba type in this module")
        else:
            result = table[answer - 1] if answer else None
            entry = (inst.keys, _overload(plan, inst, result))
            ahead.setdefault(inst.template.python_name, []).append(entry)
    templates = tuple(
        dataclasses.replace(t, ahead=(*t.ahead, *ahead.get(t.python_name, ())))
        for t in plan.function_templates
    )
    return dataclasses.replace(plan, function_templates=templates), errors
