"""Render a BindingPlan as a standalone Python module for numba-cuda-mlir.

The same plan, the same C++ glue (precompiled LTO-IR sidecars) and the same data rows as the
numba-cuda backend (``module.py``); what differs is the runtime (``mlir_runtime``): imports of
``numba_cuda_mlir`` only, MLIR lowerings, numba-cuda-mlir data models and registries.

What numba-cuda-mlir 0.6.0 gets differently, by feature (also in ``LIMITATIONS``):
numba-cuda-mlir's own ``float16``/``bfloat16`` conversions apply to ``__half`` and
``__nv_bfloat16`` (the C++ converting constructors and conversion operators are not rebound
over them); there is no simulator. Overloads declared on some GPU archs only type for kernels
compiled for those, as on numba-cuda (the runtime's arch section hands typing the target).
"""

from __future__ import annotations

import dataclasses

from ..glue_build import ModuleGlue
from ..mlir_runtime import features_of, runtime_text
from ..plan.model import BindingPlan, OperatorKey, Skipped, StructBinding
from ..plan.refs import Vector, value_type
from .module import (
    _all,
    _enum_classes,
    _function_block,
    _glue_call,
    _header,
    _rows,
    _separate_registry,
    _struct_block,
    _struct_types,
    _typedef_lines,
    runtime_features,
)
from .spelling import struct_type_name, type_expr

LIMITATIONS = (
    "__half and __nv_bfloat16 convert with numba-cuda-mlir's own float16/bfloat16 casts: the "
    "C++ converting constructors and conversion operators are not rebound over them",
    "no CUDA simulator: numba-cuda-mlir has none",
    "conversions to CUDA vector types (float32x2(value)) are not bound: numba-cuda-mlir types "
    "a vector type's constructor with a fixed template that extensions cannot add cases to",
)
VECTOR_CONVERSION = (
    "numba-cuda-mlir: a conversion to a CUDA vector type cannot be bound (its vector types' "
    "constructors take no extension cases)"
)


TEMPLATES = (
    "templates (and instances bound ahead) are bound by the numba-cuda backend only: the "
    "numba-cuda-mlir runtime has no template instantiation yet"
)


def adapt(plan: BindingPlan) -> BindingPlan:
    """``plan`` as the numba-cuda-mlir backend binds it: what numba-cuda-mlir cannot take moves
    to ``skipped`` with the reason (conversions to CUDA vector types, templates)."""
    skipped = [  # (with the functions that take class template instances)
        Skipped("function template" if sig.startswith("template") else "function", sig, TEMPLATES)
        for t in plan.function_templates
        for sig in (*t.signatures, *(o.cxx_signature for _, o in t.ahead))
    ]
    skipped += [Skipped("class template", t.signature, TEMPLATES) for t in plan.class_templates]
    skipped += [Skipped("tag type", t.cxx_name.lstrip(":"), TEMPLATES) for t in plan.tags]
    skipped += [
        Skipped("operator", o.cxx_signature, VECTOR_CONVERSION)
        for op in plan.operators
        if isinstance(op.operator, Vector)
        for o in op.overloads
    ]
    structs = []
    for st in plan.structs:
        vectors = [c for c in st.conversions if isinstance(c[0], Vector)]
        skipped += [
            Skipped("conversion", o.cxx_signature, VECTOR_CONVERSION) for _, o, _ in vectors
        ]
        kept = tuple(c for c in st.conversions if not isinstance(c[0], Vector))
        structs.append(dataclasses.replace(st, conversions=kept) if vectors else st)
    return dataclasses.replace(
        plan,
        function_templates=(),
        class_templates=(),
        tags=(),
        template_natives=(),
        structs=tuple(structs),
        operators=tuple(op for op in plan.operators if not isinstance(op.operator, Vector)),
        skipped=(*plan.skipped, *skipped),
    )


def operator_key(key: OperatorKey) -> str:
    """``_operator.add``; a conversion to a CUDA vector type is keyed by numba-cuda-mlir's
    vector type itself (what a kernel calls: ``float32x2(value)``)."""
    if isinstance(key, Vector):
        return type_expr(key)
    return f"_operator.{key.function}"


def _struct_lines(st: StructBinding) -> str:
    if st.native is not None:  # numba-cuda-mlir's own type; its own casts apply
        return f"{st.python_name} = {type_expr(st.native)}  # C++ {st.cxx_name}\n"
    fields = "".join(
        f"({f.name!r}, {type_expr(f.type)}, {f.offset}, {f.size}), " for f in st.fields
    )
    extra = f", model={st.model!r}" if st.model else ""
    extra += ", dependency=True" if st.dependency else ""
    note = "# used by this API, declared elsewhere: layout, fields, constructors\n"
    return (note if st.dependency else "") + (
        f"{struct_type_name(st.ref)} = _struct_type({st.python_name!r}, {st.cxx_name!r}, "
        f"{st.size}, ({fields}), _shared, parent=types.{st.parent}{extra})\n"
    )


def _operators_call(plan: BindingPlan) -> str:
    """The operators apply when an operand is one of the module's structs, a CUDA vector type,
    or numba-cuda-mlir's own type where this module binds operators on it."""
    operands = {value_type(p.type) for op in plan.operators for o in op.overloads for p in o.params}
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
    return f"_operators(_registries, _glue, {{{owned}}}, [\n{rows}])\n"


def python(plan: BindingPlan, info: ModuleGlue | None = None) -> str:
    """The numba-cuda-mlir module text for ``plan`` (``info`` as for the numba-cuda backend)."""
    info = info or ModuleGlue((plan.arch,), plan.include_dirs)
    notes = "".join(f"\n- {note}" for note in LIMITATIONS)
    doc = f"numba-cuda-mlir bindings generated by Numbast.\n\nOn numba-cuda-mlir:{notes}\n"
    out = [_header(plan), f'"""{doc}"""\n\n']
    out += [f"{statement}\n" for statement in plan.additional_imports]
    out += [runtime_text(features_of(runtime_features(plan, info))), "\n\n"]
    out.append(
        _glue_call(plan, info) + f"_registries = _Registries(separate={plan.separate_registry})\n"
    )
    extra_public = _separate_registry(plan, out, "")
    out += _enum_classes(plan)
    out += _struct_types(plan, _struct_lines)
    out += [_struct_block(st) for st in plan.structs if st.native is None]
    out += [_function_block(fn) for fn in plan.functions]
    if plan.operators:
        out.append(_operators_call(plan))
    out += _typedef_lines(plan)
    out.append("# fmt: on\n_registries.refresh()  # numba-cuda-mlir sees the new registrations\n")
    out.append(_all([*plan.public_names, *extra_public]))
    return "".join(out)
