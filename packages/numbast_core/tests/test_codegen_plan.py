"""plan.build on hand-built ast_canopy declarations (no parsing): names, reasons, intents."""

from __future__ import annotations

import dataclasses

import _codegen_helpers as helpers
import pytest
from ast_canopy.model import (
    Declarations,
    Enum,
    Enumerator,
    ExecSpace,
    Function,
    Location,
    Param,
    Type,
    Typedef,
)
from numbast_core import Config, render
from numbast_core.plan import build
from numbast_core.plan.refs import EnumRef, Scalar
from numbast_core.plan.shims import Passing, ShimArg

LOC = Location("/virtual/h.cuh", 1, 1)
INT = Type("int", "int", "int", kind="INT", size=4, align=4)
FLOAT = Type("float", "float", "float", kind="FLOAT", size=4, align=4)
VOID = Type("void", "void", "void", kind="VOID")
LDOUBLE = Type("long double", "long double", "long double", kind="LONGDOUBLE")


def ref(t: Type, const=False) -> Type:
    s = f"{'const ' if const else ''}{t.spelling} &"
    inner = (
        Type(f"const {t.spelling}", f"const {t.canonical}", t.spelling, is_const=True)
        if const
        else t
    )
    return Type(
        s, s, t.spelling, is_const=const, is_lvalue_ref=True, pointee=inner, kind="LVALUEREFERENCE"
    )


def fn(name, params=(), ret=INT, ns=(), space=ExecSpace.DEVICE, mangled=None, **kw) -> Function:
    qualified = "::".join((*ns, name))
    ps = tuple(p if isinstance(p, Param) else Param(p[0], p[1], *p[2:]) for p in params)
    return Function(
        name,
        qualified,
        tuple(ns),
        ret,
        ps,
        space,
        mangled or f"_Z{qualified}_" + "_".join(p.type.canonical for p in ps),
        LOC,
        **kw,
    )


def config(**extra) -> Config:
    data = {"Entry Point": "nbt_funcs.cuh", "File List": ["nbt_funcs.cuh"], "GPU Arch": ["sm_90"]}
    data.update(extra)
    return Config.from_dict(data, helpers.DATA)


def plan_of(functions=(), enums=(), typedefs=(), **extra):
    return build(
        config(**extra),
        Declarations(functions=tuple(functions), enums=tuple(enums), typedefs=tuple(typedefs)),
    )


def reasons(plan):
    return {s.cxx_name: s.reason for s in plan.skipped}


def test_prefix_removal_and_python_names():
    plan = plan_of(
        [
            fn("cu_add", [("a", INT)]),
            fn("cu_lambda", [("a", INT)]),  # keyword after prefix removal: left alone
            fn("cu_divmod", [("a", INT)]),  # a builtin the runtime does not use: kept
            fn("cu_len", [("a", INT)]),  # a builtin the runtime reads: suffixed
            fn("install", [("a", INT)]),  # module-reserved name: suffixed
            fn("cu_", [("a", INT)]),  # nothing left: prefix kept
        ],
        **{"API Prefix Removal": {"Function": ["cu_"]}},
    )
    assert [f.python_name for f in plan.functions] == [
        "add",
        "cu_lambda",
        "divmod",
        "len_",
        "install_",
        "cu_",
    ]


def test_same_name_in_two_namespaces_is_renamed_deterministically():
    decls = [fn("f", [("x", INT)], ns=("a",)), fn("f", [("x", FLOAT)], ns=("b", "c"))]
    plan = plan_of(decls)
    assert [(f.python_name, f.cxx_name) for f in plan.functions] == [
        ("f", "a::f"),
        ("b_c_f", "b::c::f"),
    ]
    assert plan.warnings == ("`b::c::f` is bound as `b_c_f`: `f` is already taken",)
    assert plan_of(decls) == plan
    glue = render.glue(plan.functions[1].overloads[0])
    assert "::b::c::f(*a0)" in glue


def test_overloads_share_a_name_and_defaults_make_variants():
    plan = plan_of(
        [
            fn("g", [("x", INT)]),
            fn("g", [("x", FLOAT)]),
            fn("h", [("x", INT), ("y", INT, "1"), ("z", INT, "2")]),
            fn("u", [(None, INT), ("b", INT), (None, FLOAT)]),
        ]
    )
    by = {f.python_name: f for f in plan.functions}
    assert len(by["g"].overloads) == 2
    assert [len(o.params) for o in by["h"].overloads] == [3, 2, 1]
    assert [p.name for p in by["u"].overloads[0].params] == ["arg0", "b", "arg2"]


def test_skip_reasons():
    plan = plan_of(
        [
            fn("host", [("x", INT)], space=ExecSpace.HOST),
            fn("kern", [("x", INT)], ret=VOID, space=ExecSpace.GLOBAL),
            fn("gone", [("x", INT)]),
            fn("__hidden_f", [("x", INT)]),
            fn("va", [("x", INT)], is_variadic=True),
            fn("del", [("x", INT)], is_deleted=True),
            fn("dup", [("x", INT)], mangled="_Zdup"),
            fn("dup", [("x", INT)], mangled="_Zdup"),
            fn("ld", [("x", INT), ("y", LDOUBLE)]),
            fn("ldret", [("x", INT)], ret=LDOUBLE),
            fn("operator+", [("x", INT), ("y", INT)], operator="+"),
        ],
        Exclude={"Function": ["gone"]},
        **{"Skip Prefix": "__hidden_"},
    )
    got = reasons(plan)
    assert got["host"] == "host-only"
    assert got["kern"] == "__global__ kernel"
    assert got["gone"] == "excluded by config Exclude.Function"
    assert got["__hidden_f"] == "name starts with config Skip Prefix `__hidden_`"
    assert got["va"] == "variadic"
    assert got["del"] == "deleted"
    assert got["dup"].startswith("duplicate declaration")
    assert got["ld"] == "parameter 2 type `long double` has no Numba mapping"
    assert got["ldret"] == "return type `long double` has no Numba mapping"
    assert "operator" in got["operator+"]
    assert [f.python_name for f in plan.functions] == ["dup"]


def test_intents_by_name_and_index_name_wins():
    decls = [
        fn("p", [("a", ref(INT)), ("b", ref(INT)), ("c", ref(INT)), ("d", ref(INT))], ret=VOID),
    ]
    intents = {"p": {"a": "out_return", "0": "inout_ptr", "1": "out_ptr", "3": "out_return"}}
    plan = plan_of(decls, **{"Function Argument Intents": intents})
    (o,) = plan.functions[0].overloads
    assert [p.mode for p in o.params] == ["out", "ptr", "in", "out"]
    # `in` on a non-const int& still hands the callee a mutable lvalue (the shim's own copy)
    text = render.glue(o)
    assert "int* a0" in text and "int* a2" in text and "const" not in text
    passing = [arg.passing for arg in o.spec.args]
    assert passing == [Passing.MUTABLE_POINTER] * 4
    const_in = plan_of([fn("k", [("x", ref(INT, const=True))])]).functions[0].overloads[0]
    assert "int const* a0" in render.glue(const_in)
    assert const_in.spec.args == (ShimArg("a0", "int", Passing.CONST_POINTER),)


def test_intent_problems():
    decls = [fn("v", [("x", INT)]), fn("c", [("x", ref(INT, const=True))])]
    plan = plan_of(
        decls, **{"Function Argument Intents": {"v": {"x": "out_ptr"}, "c": {"x": "out_return"}}}
    )
    got = reasons(plan)
    assert got["v"] == "intent out_ptr on parameter 1 `x`, which is not a reference"
    assert got["c"] == "intent out_return on parameter 1 `x`, which is const"


@pytest.mark.parametrize(
    ("intents", "message"),
    [
        (
            {"v": {"nope": "out_ptr"}},
            "Function Argument Intents.v.nope: no overload has that parameter",
        ),
        ({"v": {"5": "out_ptr"}}, "Function Argument Intents.v.5: no overload has that parameter"),
        (
            {"w": {"x": "out_ptr"}},
            "Function Argument Intents.w: no function of that name in the headers",
        ),
    ],
)
def test_intents_errors(intents, message):
    plan = plan_of([fn("v", [("x", ref(INT))])], **{"Function Argument Intents": intents})
    assert plan.errors == (message,)


def test_enums_and_typedefs():
    small = Type("unsigned char", "unsigned char", "unsigned char", kind="UCHAR", size=1)
    short = Type("short", "short", "short", kind="SHORT", size=2)
    enum_t = Type("e_small", "e_small", "e_small", kind="ENUM", size=1)
    enums = [
        Enum(
            "e_small",
            "e_small",
            (),
            False,
            small,
            (Enumerator("E_A", 1), Enumerator("E_B", 200)),
            LOC,
        ),
        Enum("e_neg", "e_neg", (), True, short, (Enumerator("E_N", -3),), LOC),
        Enum("e_float", "e_float", (), False, FLOAT, (), LOC),
        Enum("", "", (), False, INT, (), LOC),
        Enum("e_gone", "e_gone", (), False, INT, (), LOC),
    ]
    typedefs = [
        Typedef("t_alias", "t_alias", (), enum_t, LOC),
        Typedef("t_int", "t_int", (), INT, LOC),
        Typedef("t_ld", "t_ld", (), LDOUBLE, LOC),
        Typedef("t_int2", "t_int2", (), INT, LOC),
        Typedef("t_small", "t_small", (), INT, LOC),
    ]
    plan = plan_of(
        [fn("t_int2", [("x", INT)])],
        enums,
        typedefs,
        Exclude={"Enum": ["e_gone"]},
        **{"API Prefix Removal": {"Enum": ["e_", "E_"], "Struct": "t_"}},
    )
    assert [(e.python_name, e.underlying, e.members) for e in plan.enums] == [
        ("small", Scalar("uint8"), (("A", 1), ("B", 200))),
        ("neg", Scalar("int16"), (("N", -3),)),
    ]
    assert [(t.python_name, t.target) for t in plan.typedefs] == [
        ("alias", EnumRef("e_small", "small", Scalar("uint8"))),  # the enum class itself
        ("int_", Scalar("int32")),  # `int` would shadow the builtin the runtime reads
        ("int2", Scalar("int32")),
    ]
    # rendered: an alias of an enum names the enum's Python name
    assert [render.spelling.typedef_target(t.target) for t in plan.typedefs] == [
        "small",
        "types.int32",
        "types.int32",
    ]
    assert reasons(plan)["t_small"] == "name `small` already bound"
    got = reasons(plan)
    assert got["e_float"] == "underlying type `float` is not an integer"
    assert got["(anonymous enum)"] == "anonymous enum"
    assert got["e_gone"] == "excluded by config Exclude.Enum"
    assert got["t_ld"] == "target `long double` has no Numba mapping"


def test_bindings_never_shadow_the_runtime():
    """A C++ function named like a runtime helper (``_function``, ``_glue``) gets a suffix."""
    plan = plan_of([fn("_function", [("a", INT)]), fn("_glue", [("a", INT)]),
                    fn("_curand_box_muller", [("a", INT)])])  # fmt: skip
    names = {f.python_name for f in plan.functions}
    assert names == {"_function_", "_glue_", "_curand_box_muller"}


@pytest.mark.parametrize("arch, bound", [("sm_60", True), ("sm_70", False), ("sm_90", False)])
def test_legacy_warp_intrinsics_are_skipped_where_ptxas_rejects_them(arch, bound):
    plan = plan_of(
        [fn("__any", [("p", INT)]), fn("__any_sync", [("m", INT), ("p", INT)])],
        **{"GPU Arch": [arch]},
    )
    assert [f.python_name for f in plan.functions] == (
        ["__any", "__any_sync"] if bound else ["__any_sync"]
    )
    if not bound:
        assert reasons(plan)["__any"] == (
            f"legacy warp intrinsic: ptxas rejects it for {arch}; use `__any_sync`"
        )


def test_libcuxx_unsupported_arch_markers_and_undefined_functions_are_skipped():
    marker = "__cuda_ptx_barrier_arrive_tx_is_not_supported_before_SM_90__"
    plan = plan_of(
        [
            fn(marker, ret=VOID),
            fn("nowhere", [("x", INT)], is_defined=False),
            fn("somewhere", [("x", INT)]),
        ]
    )
    assert [f.python_name for f in plan.functions] == ["somewhere"]
    assert reasons(plan) == {
        marker: "libcu++'s unsupported-arch marker: declared, never defined, on purpose",
        "nowhere": "declared but never defined in the headers: nothing to link against",
    }


def test_cuda_bool_wrappers_of_legacy_votes_are_skipped_but_a_users_any_is_not():
    cuda = Location("/cuda/include/device_atomic_functions.hpp", 9, 1)
    decls = [
        dataclasses.replace(fn("any", [("c", INT)]), location=cuda),
        fn("all", [("c", INT)]),  # a user's own `all` (LOC is /virtual/h.cuh)
    ]
    plan = plan_of(decls)
    assert [f.python_name for f in plan.functions] == ["all"]
    assert reasons(plan)["any"] == (
        "legacy warp intrinsic: ptxas rejects it for sm_90; use `__any_sync`"
    )
