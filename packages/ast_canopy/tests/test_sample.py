"""Every declaration kind and attribute, on tests/data/sample.cuh."""

from __future__ import annotations

import pytest
from _canopy_sample import data, parse_sample
from ast_canopy import Access, ExecSpace, MethodKind, TemplateParamKind


def by_name(items, name):
    found = [x for x in items if x.name == name]
    assert found, name
    return found[0]


def funcs(decls, name):
    return [f for f in decls.functions if f.name == name]


@pytest.fixture
def vec(sample):
    return by_name(sample.structs, "Vec")


def method(struct, name, kind=None):
    found = [m for m in struct.methods if m.function.name == name and kind in (None, m.kind)]
    assert found, name
    return found[0]


def test_source_order_and_counts(sample):
    assert [s.name for s in sample.structs] == ["Vec", "Box", "Bits", "anon_td", "Sm90Only"]
    assert [e.name for e in sample.enums] == ["Small", "Wide", "Plain"]
    assert [t.name for t in sample.typedefs] == ["index_t", "small_t", "anon_td", "real"]
    assert [f.name for f in sample.functions][:3] == ["operator+", "operator==", "dot"]
    assert sample.diagnostics == ()


def test_struct_layout(vec):
    assert vec.qualified_name == "geo::Vec"
    assert vec.namespace == ("geo",)
    assert vec.size == 48 and vec.align == 16
    assert not vec.is_union and not vec.is_class
    f = {x.name: x for x in vec.fields}
    assert f["x"].offset_bits == 64 and f["y"].offset_bits == 96  # after the vtable pointer
    assert f["data"].type.array_extent == 2
    assert f["data"].type.element.spelling == "float"
    assert f["flags"].bitfield_width == 3 and f["mode"].bitfield_width == 5
    assert f["mode"].offset_bits == f["flags"].offset_bits + 3
    assert f["x"].bitfield_width is None
    assert f["secret"].access == Access.PRIVATE
    assert f["meta"].type.unqualified_non_ref_type_name == "geo::Vec::Meta"


def test_anonymous_and_nested_records(vec):
    anon = [x for x in vec.fields if x.is_anonymous]
    assert len(anon) == 1 and anon[0].name == ""
    union = [n for n in vec.nested if n.is_union]
    assert len(union) == 1 and union[0].name == ""
    assert [x.name for x in union[0].fields] == ["as_int", "as_float"]
    assert anon[0].offset_bits == 224  # vptr, x, y, data[2], then flags/mode share a word
    meta = by_name(vec.nested, "Meta")
    assert meta.qualified_name == "geo::Vec::Meta"
    assert meta.size == 2


def test_constructor_kinds(vec):
    ctors = [m for m in vec.methods if m.function.name == "Vec"]
    kinds = [m.kind for m in ctors]
    assert kinds == [
        MethodKind.DEFAULT_CONSTRUCTOR,
        MethodKind.COPY_CONSTRUCTOR,
        MethodKind.MOVE_CONSTRUCTOR,
        MethodKind.CONVERTING_CONSTRUCTOR,
        MethodKind.CONVERTING_CONSTRUCTOR,
        MethodKind.OTHER_CONSTRUCTOR,
    ]
    default, copy, _move, conv, explicit_conv, _other = ctors
    assert default.is_defaulted and default.function.exec_space == ExecSpace.HOST_DEVICE
    assert copy.is_defaulted and copy.function.exec_space == ExecSpace.DEVICE
    assert conv.function.exec_space == ExecSpace.HOST_DEVICE and not conv.is_explicit
    assert explicit_conv.is_explicit
    assert explicit_conv.function.params[1].default == "2.F"
    assert conv.function.mangled_name == "_ZN3geo3VecC1Ef"


def test_method_kinds_and_flags(vec):
    assert method(vec, "~Vec").kind == MethodKind.DESTRUCTOR
    conv = method(vec, "operator float")
    assert conv.kind == MethodKind.CONVERSION and conv.is_explicit and conv.is_const
    assert conv.function.operator is None
    assert method(vec, "operator+=").function.operator == "+="
    assert method(vec, "operator[]").function.operator == "[]"
    assert method(vec, "operator()").function.operator == "()"
    assert method(vec, "operator()").kind == MethodKind.OPERATOR
    assert method(vec, "zero").is_static
    assert method(vec, "length").kind == MethodKind.REGULAR and method(vec, "length").is_const
    assert method(vec, "reset").is_deleted
    dims = method(vec, "dims")
    assert dims.function.is_constexpr and dims.function.exec_space == ExecSpace.DEVICE
    assert method(vec, "visit").is_virtual
    assert method(vec, "helper").access == Access.PROTECTED


def test_class_and_union(sample):
    box = by_name(sample.structs, "Box")
    assert box.is_class
    assert box.fields[0].access == Access.PRIVATE
    assert box.methods[0].access == Access.PUBLIC
    bits = by_name(sample.structs, "Bits")
    assert bits.is_union and bits.size == 4
    assert all(f.offset_bits == 0 for f in bits.fields)


def test_enums(sample):
    small = by_name(sample.enums, "Small")
    assert small.is_scoped and small.underlying.spelling == "signed char"
    assert small.underlying.size == 1
    assert [(e.name, e.value) for e in small.enumerators] == [("neg", -2), ("pos", 7)]
    wide = by_name(sample.enums, "Wide")
    assert wide.underlying.size == 8
    assert wide.enumerators[0].value == 2**64 - 1
    plain = by_name(sample.enums, "Plain")
    assert not plain.is_scoped and plain.qualified_name == "geo::Plain"
    assert [e.value for e in plain.enumerators] == [0, 10]


def test_typedefs(sample):
    t = {x.name: x for x in sample.typedefs}
    assert t["index_t"].underlying.kind == "INT"
    assert t["small_t"].underlying.kind == "ENUM"
    assert t["small_t"].underlying.canonical == "geo::Small"
    assert t["anon_td"].underlying.kind == "RECORD"
    assert t["real"].underlying.spelling == "double"
    assert t["real"].qualified_name == "geo::real"


def test_constexpr_vars(sample):
    v = {x.name: x for x in sample.constexpr_vars}
    assert v["kDims"].value == 2 and v["kDims"].qualified_name == "geo::kDims"
    assert v["kHalf"].value == 0.5
    assert v["kFlag"].value is False
    assert v["kBig"].value == 2**64 - 1


def test_free_functions(sample):
    (plus,) = funcs(sample, "operator+")
    assert plus.operator == "+" and plus.exec_space == ExecSpace.DEVICE
    assert plus.params[0].type.is_lvalue_ref and plus.params[0].type.is_const
    assert plus.params[0].type.unqualified_non_ref_type_name == "geo::Vec"
    assert plus.return_type.size == 48
    (eq,) = funcs(sample, "operator==")
    assert [p.name for p in eq.params] == [None, None]  # unnamed parameters
    (scale,) = funcs(sample, "scale")
    assert [p.name for p in scale.params] == ["v", None, "s", "n"]
    assert [p.default for p in scale.params] == [None, None, "1.5F", "kDims + 1"]
    assert scale.params[0].type.is_pointer
    assert scale.params[0].type.pointee.canonical == "geo::Vec"
    (consume,) = funcs(sample, "consume")
    assert consume.params[0].type.is_rvalue_ref
    (kernel,) = funcs(sample, "kernel")
    assert kernel.exec_space == ExecSpace.GLOBAL
    (square,) = funcs(sample, "square")
    assert square.is_constexpr and square.exec_space == ExecSpace.HOST_DEVICE  # implicit HD
    (both,) = funcs(sample, "both")
    assert both.is_inline and both.exec_space == ExecSpace.HOST_DEVICE
    (inner,) = funcs(sample, "inner_fn")
    assert inner.qualified_name == "geo::detail::inner_fn"
    assert inner.namespace == ("geo", "detail")
    (c_api,) = funcs(sample, "c_api")
    assert c_api.mangled_name == "c_api" and c_api.is_variadic
    assert c_api.namespace == ()
    assert scale.location.line > 0 and scale.location.file == data("sample.cuh")


def test_host_device_twins(sample):
    twins = funcs(sample, "twin")
    assert [t.exec_space for t in twins] == [ExecSpace.HOST, ExecSpace.DEVICE]
    assert twins[0].mangled_name == twins[1].mangled_name == "_Z4twini"


def test_redeclarations_merge(sample):
    (fn,) = funcs(sample, "redeclared")
    assert [p.name for p in fn.params] == ["a", "b"]
    assert [p.default for p in fn.params] == [None, "4"]
    assert fn.location.line < funcs(sample, "add_f")[0].location.line  # first declaration


def test_macro_generated_functions(sample):
    for name, ty in (("add_f", "float"), ("add_i", "int")):
        (fn,) = funcs(sample, name)
        assert fn.location.file == data("sample.cuh")  # where the macro expands
        assert fn.return_type.spelling == ty
        assert fn.is_inline


def test_function_template(sample):
    (tmpl,) = sample.function_templates
    assert tmpl.function.name == "sum" and tmpl.function.qualified_name == "geo::sum"
    kinds = [(p.kind, p.name, p.default, p.is_pack) for p in tmpl.template_params]
    assert kinds == [
        (TemplateParamKind.TYPE, "T", "float", False),
        (TemplateParamKind.NON_TYPE, "N", "4", False),
        (TemplateParamKind.TYPE, "Rest", None, True),
    ]
    assert tmpl.template_params[1].type == "int"
    assert tmpl.function.mangled_name.startswith("_acid_")  # clang gives none: stable fallback
    assert [p.name for p in tmpl.function.params] == ["first", "rest"]


def test_class_template_and_specialization(sample):
    pack = by_name([c.record for c in sample.class_templates], "Pack")
    tmpl = next(c for c in sample.class_templates if c.record is pack)
    params = [(p.kind, p.name, p.is_pack) for p in tmpl.template_params]
    assert params == [
        (TemplateParamKind.TYPE, "T", False),
        (TemplateParamKind.TEMPLATE, "Holder", False),
        (TemplateParamKind.NON_TYPE, "Ns", True),
    ]
    assert pack.size is None and pack.fields[0].name == "value"
    assert pack.methods[0].function.mangled_name.startswith("_acid_")
    (spec,) = sample.class_template_specializations
    assert spec.template_name == "geo::Pack"
    assert spec.template_args == ("int", "Holder1")
    assert spec.record.size == 4


def test_arch_guarded_declarations():
    sm80 = parse_sample("sm_80")
    sm90 = parse_sample("sm_90")
    assert not funcs(sm80, "only_sm90") and funcs(sm90, "only_sm90")
    assert "Sm90Only" not in [s.name for s in sm80.structs]
    assert "Sm90Only" in [s.name for s in sm90.structs]


def test_fallback_ids_are_stable():
    from ast_canopy.extract import fallback_id

    a = fallback_id("ns::f", ["int", "float"])
    assert a == fallback_id("ns::f", ["int", "float"])
    assert a != fallback_id("ns::f", ["int", "double"])
    assert a.isidentifier()
