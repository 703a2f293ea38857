"""Struct and operator bindings on tests/data/structs/nbt_structs.cuh (CPU: plan, layout,
compile+link for sm_90). Results on a GPU against native CUDA C++: test_gpu_structs.py."""

from __future__ import annotations

import warnings

import _codegen_helpers as helpers
import _struct_helpers
import pytest
from numbast_core.check import check_module
from numbast_core.plan.refs import Scalar, StructRef, UniTuple
from numbast_core.render import glue, type_expr
from numbast_core.render.spelling import struct_type_name

F32 = Scalar("float32")

GLOBAL, SEPARATE = "nbt_structs_bindings", "nbt_structs_separate"


def _typing_errors():
    import numba.core.errors
    import numba.cuda.core.errors

    return (numba.core.errors.TypingError, numba.cuda.core.errors.TypingError)


TYPING_ERRORS = _typing_errors()


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    return _struct_helpers.generate_all(tmp_path_factory.mktemp("structs"))


@pytest.fixture(scope="module")
def plan(generated):
    return generated[GLOBAL].plan


@pytest.fixture(scope="module")
def module(generated):
    return helpers.import_module(generated[GLOBAL].path)


def _structs(plan):
    return {s.python_name: s for s in plan.structs}


def _kernel(module, source, argtypes, name="f"):
    """Compile+link (sm_90, CPU) a kernel ``def f(...)`` written against the module's globals."""
    from numba.cuda import types

    env = dict(vars(module))
    exec("from numba.cuda import float32, float64, int8, int32, uint32\n" + source, env)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return helpers.compile_and_link(env[name], argtypes, types.void)


# ---- plan -------------------------------------------------------------------------------------


def test_bound_structs_and_members(plan):
    s = _structs(plan)
    assert list(s) == ["Inner", "Vec", "Acc", "Padded", "Bits", "Guard", "Meters", "Odd", "Poly"]
    vec = s["Vec"]
    assert vec.cxx_name == "geo::Vec"
    assert [(f.name, f.type, f.offset, f.size) for f in vec.fields] == [
        ("x", F32, 0, 4),
        ("y", F32, 4, 4),
        ("inner", StructRef("geo::Inner", "Inner"), 8, 8),
        ("arr", UniTuple(F32, 3), 16, 12),
    ]
    assert type_expr(vec.fields[3].type) == "types.UniTuple(types.float32, 3)"
    # Vec(), Vec(x, y), and Vec(x) from the default of y
    assert [len(o.params) for o in vec.ctors] == [0, 2, 1]
    assert [name for name, _ in vec.methods] == ["dot", "norm2", "scale"]
    assert [name for name, _ in vec.statics] == ["make"]
    # Vec(float x, float y = 10) is callable with one float: an implicit converting ctor
    assert [t for t, _ in vec.implicit_from] == [F32]
    assert vec.parent == "Type"
    meters = s["Meters"]
    assert meters.parent == "Number"  # it converts to builtins
    assert [(t, explicit) for t, _, explicit in meters.conversions] == [
        (F32, False),
        (Scalar("float64"), True),
    ]
    # Meters(float) is implicit, `explicit Meters(int)` is not
    assert [t for t, _ in meters.implicit_from] == [F32]
    assert len(meters.ctors) == 2
    assert [(f.name, f.offset, f.size) for f in s["Padded"].fields] == [
        ("c", 0, 1),
        ("d", 8, 8),
        (None, 16, 6),  # private `int secret; short tail;` as opaque bytes
    ]
    assert [name for name, _ in s["Padded"].methods] == ["get_secret", "get_tail"]
    assert [(f.name, f.offset, f.size) for f in s["Bits"].fields] == [
        (None, 0, 3),
        ("after", 4, 4),
    ]
    assert [name for name, _ in s["Bits"].methods] == ["sum"]  # attributes never shadow builtins
    assert [name for name, _ in s["Guard"].methods] == ["get"]
    assert [(f.name, f.offset, f.size) for f in s["Odd"].fields] == [
        ("tag", 0, 4),
        (None, 4, 8),
    ]
    assert [name for name, _ in s["Odd"].methods] == ["twice_tag"]
    assert [name for name, _ in s["Poly"].methods] == ["plain"]
    assert [(f.name, f.offset) for f in s["Poly"].fields] == [("p", 8)]  # after the vptr
    assert [f.python_name for f in plan.functions] == [
        "make_acc",
        "free_fn",
        "vec_sum",
        "meters_value",
        "twice_f",
    ]


def test_skipped_members_and_reasons(plan):
    reasons = {(s.kind, s.cxx_name): s.reason for s in plan.skipped}
    assert reasons == {
        ("member", "geo::Vec::operator="): "operator= has no Python equivalent",
        ("field", "Bits::a"): "bitfield: kept as opaque bytes, not readable",
        ("field", "Bits::b"): "bitfield: kept as opaque bytes, not readable",
        ("field", "Bits::c"): "bitfield: kept as opaque bytes, not readable",
        ("member", "Guard::~Guard"): (
            "destructor: bound structs are plain values, the destructor is not called"
        ),
        ("field", "Odd::(anonymous)"): (
            "anonymous union/struct member: kept as opaque bytes, not readable"
        ),
        ("field", "Odd::pair"): reasons[("field", "Odd::pair")],
        ("member", "Odd::nope"): "deleted",
        ("member", "Poly::value"): "virtual",
    }
    assert reasons[("field", "Odd::pair")].startswith("type `struct (unnamed at ")
    assert reasons[("field", "Odd::pair")].endswith("has no Numba mapping")


def test_operators_plan(plan):
    ops = {o.label: [x.cxx_signature for x in o.overloads] for o in plan.operators}
    assert ops == {
        "operator.sub": ["Vec geo::Vec::operator-(const Vec & o)"],
        "operator.neg": ["Vec geo::Vec::operator-()"],
        "operator.iadd": ["Vec & geo::Vec::operator+=(const Vec & o)"],
        "operator.eq": ["bool geo::Vec::operator==(const Vec & o)"],
        # reads: the first operator[] of each struct (Acc's const and non-const read alike)
        "operator.getitem": [
            "float geo::Vec::operator[](int i)",
            "const float & geo::Acc::operator[](int i)",
        ],
        "operator.add": ["Vec geo::operator+(const Vec & a, const Vec & b)"],
        "operator.mul": ["Vec geo::operator*(const Vec & a, float s)"],
        "operator.ne": ["bool geo::operator!=(const Vec & a, const Vec & b)"],
        "operator.imul": ["Vec & geo::operator*=(Vec & a, float s)"],
    }
    # a compound assignment returns the updated left operand, so `v += w` rebinds v
    iadd = next(o for o in plan.operators if o.label == "operator.iadd").overloads[0]
    assert iadd.result == StructRef("geo::Vec", "Vec")
    assert "__numbast_slot()) ::geo::Vec(*self); (*r) += *a0;" in glue(iadd)


def test_rows_list_every_member(plan):
    rows = plan.rows()
    bound = {(r.kind, r.cxx_name) for r in rows if r.status == "bound"}
    assert ("struct", "geo::Vec") in bound
    assert ("method", "Vec geo::Vec::make(float v)") in bound
    assert ("conversion", "float Meters::operator float()") in bound
    assert {r.cxx_name for r in rows if r.status == "skipped"} >= {"Guard::~Guard", "Odd::nope"}


# ---- every bound member compiles and links --------------------------------------------------


@pytest.mark.parametrize("name", [GLOBAL, SEPARATE])
def test_every_bound_member_compiles_and_links(generated, name):
    result = generated[name]
    report = check_module(result.path, result.plan, "sm_90")
    assert report.failed == ()
    # ctors, statics, methods, conversions and operators: all of them were checked
    assert len(report.results) == 48  # incl. the implicit default ctor of Inner


# ---- layout -----------------------------------------------------------------------------------


def test_layout_equals_clang(generated, module):
    from numba.cuda.descriptor import cuda_target
    from numbast_core import load_config, parse

    decls = parse(load_config(_struct_helpers.DATA / "nbt_structs.yml"))
    by_name = {s.qualified_name: s for s in decls.structs}
    context = cuda_target.target_context
    checked = 0
    for st in generated[GLOBAL].plan.structs:
        cxx = by_name[st.cxx_name]
        ty = getattr(module, struct_type_name(st.ref))
        model = context.data_model_manager[ty]
        data = model.get_data_type()
        assert context.get_abi_sizeof(data) == cxx.size, st.cxx_name
        assert context.get_abi_alignment(data) <= cxx.align, st.cxx_name
        offsets = {
            name: data.get_element_offset(context.target_data, i)
            for i, name in enumerate(model._fields)
        }
        for f in cxx.fields:
            if f.name in offsets and f.bitfield_width is None:
                assert offsets[f.name] == f.offset_bits // 8, (st.cxx_name, f.name)
                checked += 1
    assert checked == 16


def test_private_and_bitfield_bytes_are_opaque(module):
    from numba.cuda.descriptor import cuda_target

    model = cuda_target.target_context.data_model_manager[module._type_Padded]
    assert model._fields == ("c", "_pad1", "d", "_opaque16", "_pad22")
    model = cuda_target.target_context.data_model_manager[module._type_Bits]
    assert model._fields == ("_opaque0", "_pad3", "after")


# ---- kernels ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [GLOBAL, SEPARATE])
def test_kernel_using_every_struct_feature(generated, name):
    from numba.cuda import types

    mod = helpers.import_module(generated[name].path)
    if name == SEPARATE:
        mod.install()
    cres = _kernel(mod, _struct_helpers.NUMBA_OPS, (types.float32[:],))
    assert cres.signature.args == (types.float32[:],)


def test_operators_type_as_struct(module):
    from numba.cuda import types

    cres = helpers.compile_and_link(
        _device(module, "def f(a, b):\n    a += b\n    return a - b"),
        (module._type_Vec, module._type_Vec),
    )
    assert cres.signature.return_type == module._type_Vec
    cres = helpers.compile_and_link(
        _device(module, "def f(a, b):\n    return a == b"), (module._type_Vec, module._type_Vec)
    )
    assert cres.signature.return_type == types.boolean


@pytest.mark.parametrize("op, symbol", [("operator.iadd", "+="), ("operator.imul", "*=")])
def test_compound_assignment_calls_the_cxx_compound_operator(plan, module, op, symbol):
    """numba lowers `v op= w` on immutable types with the plain `op` (C++ `op=` differs)."""
    from numba.cuda import types

    shim = next(o for o in plan.operators if o.label == op).overloads[0].shim
    other = module._type_Vec if symbol == "+=" else types.float32
    cres = helpers.compile_and_link(
        _device(module, f"def f(a, b):\n    a {symbol} b\n    return a"),
        (module._type_Vec, other),
    )
    # the C++ compound operator's shim (of this module, or of the separate-registry module
    # of the same header, which shares the struct types)
    assert shim.removeprefix(f"__numbast_{GLOBAL}_") in cres.library.get_llvm_str()


def _device(module, source):
    env = dict(vars(module))
    exec(source, env)
    return env["f"]


# ---- not implemented: reported, never silently wrong -------------------------------------------


def test_field_write_on_a_local_compiles(module):
    from numba.cuda import types

    source = (
        "def f(out):\n    v = Vec(float32(1.0))\n    v.x = float32(3.0)\n"
        "    w = v\n    w.y = v.x + float32(1.0)\n    out[0] = v.x + w.y\n"
    )
    _kernel(module, source, (types.float32[:],))


@pytest.mark.parametrize(
    "statement, field",
    [("Vec(float32(1.0)).x = float32(2.0)", "x"), ("(v, v)[0].x = float32(2.0)", "x")],
)
def test_field_write_through_a_temporary_is_refused(module, statement, field):
    """(``v.inner.y = e`` is stored back through v's setter: see test_struct_mutation.py)"""
    from numba.cuda import types

    source = f"def f(out):\n    v = Vec(float32(1.0))\n    {statement}\n    out[0] = v.x\n"
    with pytest.raises(Exception, match=f"cannot assign field '{field}' of a temporary struct"):
        _kernel(module, source, (types.float32[:],))


@pytest.mark.parametrize(
    "expression, message",
    [
        ("Bits(uint32(1), uint32(2), uint32(3)).a", "Unknown attribute 'a' of type Bits"),
        ("Padded(int8(1), 2.0, int32(5)).secret", "Unknown attribute 'secret' of type Padded"),
        ("Odd(int32(1)).i", "Unknown attribute 'i' of type Odd"),
        ("Odd(int32(1)).nope()", "Unknown attribute 'nope' of type Odd"),
        ("Poly(int32(1)).value()", "Unknown attribute 'value' of type Poly"),
        # `explicit Meters(int)` does not convert implicitly
        ("meters_value(int32(2))", "meters_value"),
    ],
)
def test_unbound_members_are_typing_errors(module, expression, message):
    from numba.cuda import types

    source = f"def f(out):\n    out[0] = {expression}\n"
    with pytest.raises(TYPING_ERRORS, match=message):
        _kernel(module, source, (types.float32[:],))
