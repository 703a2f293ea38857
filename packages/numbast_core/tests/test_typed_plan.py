"""The typed plan: type references and shim specs are data, spelled only by the renderers;
one overload set per callable, deduplicated by Numba signature; one walk over callables."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from ast_canopy.model import (
    Access,
    Declarations,
    ExecSpace,
    Function,
    Location,
    Method,
    MethodKind,
    Param,
    Struct,
    Type,
)
from numbast_core import Config, render
from numbast_core.check import calls_of
from numbast_core.plan import CallForm, OverloadPlan, ParamPlan, Skipped, build
from numbast_core.plan.operators import BINARY, GETITEM, INPLACE, UNARY, python_operator
from numbast_core.plan.overloads import OverloadSets, numba_signature
from numbast_core.plan.refs import (
    EnumRef,
    Pointer,
    Scalar,
    StructRef,
    UniTuple,
    Vector,
    VoidPointer,
)
from numbast_core.plan.shims import Passing, ShimArg, ShimKind, ShimSpec
from numbast_core.render.cxx import shim_text
from numbast_core.render.spelling import param_expression, type_expr

CONFIGS = Path(__file__).resolve().parents[3] / "conformance" / "configs"
LOC = Location("/virtual/t.cuh", 1, 1)
COLOR = EnumRef("ns::Color", "Color", Scalar("int32"))
VEC = StructRef("geo::Vec", "Vec")


# ---- type references -> Python -------------------------------------------------------------


@pytest.mark.parametrize(
    "ref, text",
    [
        (Scalar("float16"), "types.float16"),
        (Vector("float32", 2), '_vector_types["float32x2"]'),
        (Pointer(Scalar("float32")), "types.CPointer(types.float32)"),
        (Pointer(COLOR), "types.CPointer(types.int32)"),  # enums travel as their integers
        (VoidPointer(), "types.voidptr"),
        (VEC, "_type_Vec"),
        (COLOR, "types.int32"),
        (UniTuple(VEC, 3), "types.UniTuple(_type_Vec, 3)"),
        (None, "None"),
    ],
)
def test_type_references_are_spelled_by_the_renderer(ref, text):
    assert type_expr(ref) == text


def test_parameter_rows():
    def param(mode, ref):
        return param_expression(ParamPlan("x", "T", mode, ref))

    assert param("in", Scalar("int32")) == "_in(types.int32)"
    assert param("in", COLOR) == "_enum(Color, types.int32)"
    assert param("ptr", COLOR) == "_ptr(types.int32)"  # through a pointer: the integer
    assert param("out", Scalar("float32")) == "_out(types.float32)"
    assert param("inout", VEC) == "_inout(_type_Vec)"


# ---- shim specs -> C++ ---------------------------------------------------------------------

A0 = ShimArg("a0", "float", Passing.CONST_POINTER)
A1 = ShimArg("a1", "int", Passing.MUTABLE_POINTER)
SELF = ShimArg("self", "::geo::Vec", Passing.CONST_POINTER)
NEW = "::new (static_cast<void*>(r), __numbast_slot()) "  # results are built in place


@pytest.mark.parametrize(
    "spec, text",
    [
        (
            ShimSpec(ShimKind.CALL, "::ns::f", "float", (A0, A1)),
            "(float* r, float const* a0, int* a1) { " + NEW + "float(::ns::f(*a0, *a1)); }",
        ),
        (ShimSpec(ShimKind.CALL, "g", None, (A0,)), "(float const* a0) { g(*a0); }"),
        (
            ShimSpec(ShimKind.CALL, "h", None, (ShimArg("a0", "Big", Passing.MOVE),)),
            "(Big* a0) { h(static_cast<Big&&>(*a0)); }",
        ),
        (
            ShimSpec(ShimKind.METHOD, "norm", "float", (SELF,)),
            "(float* r, ::geo::Vec const* self) { " + NEW + "float((*self).norm()); }",
        ),
        (
            ShimSpec(ShimKind.CONSTRUCT, "::geo::Vec", "::geo::Vec", (A0,)),
            "(::geo::Vec* r, float const* a0) { " + NEW + "::geo::Vec(*a0); }",
        ),
        (
            ShimSpec(ShimKind.DEFAULT_CONSTRUCT, "::geo::Vec", "::geo::Vec", ()),
            "(::geo::Vec* r) { " + NEW + "::geo::Vec(); }",
        ),
        (
            ShimSpec(ShimKind.CONVERSION, "", "float", (SELF,)),
            "(float* r, ::geo::Vec const* self) { " + NEW + "float(static_cast<float>(*self)); }",
        ),
        (
            ShimSpec(ShimKind.UNARY, "-", "::geo::Vec", (SELF,)),
            "(::geo::Vec* r, ::geo::Vec const* self) { " + NEW + "::geo::Vec(-(*self)); }",
        ),
        (
            ShimSpec(ShimKind.BINARY, "+", "::geo::Vec", (SELF, A0)),
            "(::geo::Vec* r, ::geo::Vec const* self, float const* a0) { "
            + NEW
            + "::geo::Vec((*self) + (*a0)); }",
        ),
        (
            ShimSpec(ShimKind.COMPOUND, "*=", "::geo::Vec", (SELF, A0)),
            "(::geo::Vec* r, ::geo::Vec const* self, float const* a0) { "
            + NEW
            + "::geo::Vec(*self); (*r) *= *a0; }",
        ),
        (
            ShimSpec(ShimKind.INDEX, "", "float", (SELF, A1)),
            "(float* r, ::geo::Vec const* self, int* a1) { " + NEW + "float((*self)[*a1]); }",
        ),
        (
            ShimSpec(
                ShimKind.SET_ITEM,
                "",
                "::geo::Vec",
                (SELF, A1, ShimArg("value", "float", Passing.CONST_POINTER)),
            ),
            "(::geo::Vec* r, ::geo::Vec const* self, int* a1, float const* value) "
            "{ " + NEW + "::geo::Vec(*self); (*r)[*a1] = *value; }",
        ),
    ],
)
def test_shim_specs_are_spelled_by_the_glue_renderer(spec, text):
    assert shim_text("s", spec) == f'extern "C" __device__ void s{text}'


def test_operators_are_data():
    assert python_operator("+", 2) is BINARY["+"]
    assert BINARY["+"].label == "operator.add" and BINARY["+"].symbol == "+"
    assert python_operator("-", 1) is UNARY["-"] and UNARY["-"].function == "neg"
    assert python_operator("+=", 2) is INPLACE["+="] and INPLACE["+="].function == "iadd"
    assert python_operator("=", 2) is None and python_operator("~", 2) is None
    assert GETITEM.label == "operator.getitem"


# ---- overload sets -------------------------------------------------------------------------


def overload(sig: str, *types, mode="in") -> OverloadPlan:
    params = tuple(ParamPlan(f"p{i}", "T", mode, t) for i, t in enumerate(types))
    return OverloadPlan(sig, sig, sig, None, params, ShimSpec(ShimKind.CALL, "f", None, ()))


def test_an_overload_set_keeps_one_overload_per_numba_signature():
    skipped: list[Skipped] = []
    sets: OverloadSets[str] = OverloadSets("function")
    assert sets.add("f", [overload("f(long)", Scalar("int64"))], skipped, "h:1")
    assert sets.add("f", [overload("f(long long)", Scalar("int64"))], skipped, "h:2") == []
    # an enum is passed as its integer: same signature as an int32 overload
    assert sets.add("f", [overload("f(int)", Scalar("int32"))], skipped) != []
    assert sets.add("f", [overload("f(Color)", COLOR)], skipped, "h:4") == []
    # a pointer intent differs from a value
    assert sets.add("f", [overload("f(int&)", Scalar("int32"), mode="ptr")], skipped) != []
    assert [o.cxx_signature for o in dict(sets.items())["f"]] == ["f(long)", "f(int)", "f(int&)"]
    assert skipped == [
        Skipped("function", "f(long long)", "same Numba signature as `f(long)`", "h:2"),
        Skipped("function", "f(Color)", "same Numba signature as `f(int)`", "h:4"),
    ]


def test_a_declaration_with_one_variant_kept_is_not_reported():
    skipped: list[Skipped] = []
    sets: OverloadSets[str] = OverloadSets("member")
    sets.add("f", [overload("f()")], skipped)
    # f(int x = 0): its variant f() clashes, f(int) is new
    kept = sets.add("f", [overload("f(int)", Scalar("int32")), overload("f(int)")], skipped)
    assert [len(o.params) for o in kept] == [1] and skipped == []


def test_methods_compare_without_their_receiver():
    const = overload("v.f() const", VEC)
    mutable = dataclasses.replace(
        const, cxx_signature="v.f()", params=(dataclasses.replace(const.params[0], mode="inout"),)
    )
    assert numba_signature(const, receiver=False) == numba_signature(mutable, receiver=False)
    assert numba_signature(const) != numba_signature(mutable)


# ---- constructors and conversions are deduplicated like functions ---------------------------

LONG = Type("long", "long", "long", kind="LONG", size=8, align=8)
LLONG = Type("long long", "long long", "long long", kind="LONGLONG", size=8, align=8)
SCHAR = Type("signed char", "signed char", "signed char", kind="SCHAR", size=1, align=1)
CHAR = Type("char", "char", "char", kind="CHAR_S", size=1, align=1)
VOID = Type("void", "void", "void", kind="VOID")


def _member(name, kind, params=(), ret=VOID, mangled="", **kw) -> Method:
    fn = Function(
        name,
        f"S::{name}",
        (),
        ret,
        tuple(params),
        ExecSpace.HOST_DEVICE,
        mangled or f"_ZS{name}",
        LOC,
    )
    return Method(fn, kind, Access.PUBLIC, **kw)


def _conversion(name, ret, mangled) -> Method:
    kind = MethodKind.CONVERSION
    return _member(name, kind, ret=ret, is_const=True, is_explicit=True, mangled=mangled)


def _struct_plan():
    methods = (
        _member("S", MethodKind.CONVERTING_CONSTRUCTOR, [Param("v", LONG)], mangled="_ZSl"),
        _member("S", MethodKind.CONVERTING_CONSTRUCTOR, [Param("v", LLONG)], mangled="_ZSx"),
        _conversion("operator signed char", SCHAR, "_ZScva"),
        _conversion("operator char", CHAR, "_ZScvc"),
    )
    st = Struct("S", "S", (), False, 8, 8, (), methods, (), LOC)
    config = Config.from_dict(
        {"Entry Point": "nbt_funcs.cuh", "File List": ["nbt_funcs.cuh"], "GPU Arch": ["sm_90"]},
        Path(__file__).resolve().parent / "data",
    )
    return build(config, Declarations(structs=(st,)))


def test_constructors_and_conversions_with_one_numba_signature_are_bound_once():
    plan = _struct_plan()
    (st,) = plan.structs
    assert [o.cxx_signature for o in st.ctors] == ["void S::S(long v)"]
    assert [(t, o.cxx_signature) for t, o, _ in st.conversions] == [
        (Scalar("int8"), "signed char S::operator signed char()")
    ]
    reasons = {s.cxx_name: s.reason for s in plan.skipped}
    assert reasons == {
        "void S::S(long long v)": "same Numba signature as `void S::S(long v)`",
        "char S::operator char()": (
            "same Numba signature as `signed char S::operator signed char()`"
        ),
    }
    # the implicit conversion comes from the kept constructor only
    assert [(t, o.cxx_signature) for t, o in st.implicit_from] == [
        (Scalar("int64"), "void S::S(long v)")
    ]


# ---- one walk over callables ---------------------------------------------------------------


def test_callables_feed_the_renderer_check_and_rows(tmp_path):
    import _struct_helpers
    import numbast_core

    config = numbast_core.load_config(_struct_helpers.DATA / "nbt_structs.yml")
    plan = build(config, numbast_core.parse(config))
    calls = list(plan.callables())
    assert render.all_overloads(plan) == [c.overload for c in calls]
    assert calls_of(plan) == calls
    shims = [c.overload.shim for c in calls]
    assert len(shims) == len(set(shims))
    members = {"struct", "dependency struct", "enum", "typedef"}
    rows = [
        (r.kind, r.cxx_name, r.python_name)
        for r in plan.rows()
        if r.status == "bound" and r.kind not in members
    ]
    assert rows == [(c.kind, c.overload.cxx_signature, c.python_name) for c in calls]
    forms = {c.form for c in calls}
    assert forms == set(CallForm)  # the fixture header has every calling form
    labels = {render.spelling.call_label(c) for c in calls}
    assert {"Vec.dot", "Vec.make", "types.float32(Meters)", "Acc[] =", "operator.add"} <= labels


# ---- the real header -----------------------------------------------------------------------


def test_fp8_has_no_two_overloads_with_one_numba_signature(tmp_path):
    """Typing picks the first registration and lowering the last: every overload list
    (typing template) of the module must have distinct Numba signatures."""
    import numbast_core

    config = numbast_core.load_config(CONFIGS / "cuda_fp8.yml")
    plan = numbast_core.generate(config, tmp_path, format=False).plan

    def rows(overloads, receiver=True):
        skip = 0 if receiver else 1
        return [
            tuple(param_expression(p) for p in o.params[skip:] if p.mode != "out")
            for o in overloads
        ]

    lists = {f"function {f.python_name}": rows(f.overloads) for f in plan.functions}
    lists |= {f"operator {op.label}": rows(op.overloads) for op in plan.operators}
    for st in plan.structs:
        lists[f"{st.python_name}()"] = rows(st.ctors)
        lists |= {f"{st.python_name}.{n}": rows(o, False) for n, o in st.methods}
        lists |= {f"{st.python_name}.{n} (static)": rows(o) for n, o in st.statics}
        targets = [type_expr(t) for t, _, _ in st.conversions]
        lists[f"conversions of {st.python_name}"] = [(t,) for t in targets]
    duplicated = {name: r for name, r in lists.items() if len(r) != len(set(r))}
    assert duplicated == {}
    assert sum(len(r) for r in lists.values()) >= 150
    e4m3 = next(st for st in plan.structs if st.cxx_name == "__nv_fp8_e4m3")
    assert rows(e4m3.ctors).count(("_in(types.int64)",)) == 1
    assert any("same Numba signature as `" in s.reason for s in plan.skipped)
