"""The generated modules for tests/data/nbt_funcs.cuh: plan, module surface, CPU compile+link."""

from __future__ import annotations

import re

import _codegen_helpers as helpers
import pytest
from numbast_core.check import check_module
from numbast_core.plan.refs import EnumRef, Pointer, Scalar, Vector
from numbast_core.render import glue, type_expr
from numbast_core.render import prelude as render_prelude
from numbast_core.render.spelling import typedef_target

BROKEN = "broken"  # its glue is ambiguous under NVRTC only (see nbt_funcs.cuh)


def _bound(result):
    return {f.python_name: f for f in result.plan.functions}


def _kernel(module, source, argtypes, return_type=None):
    """Compile+link (sm_90, CPU) ``def f(...)`` written against the module's globals."""
    env = dict(vars(module))
    exec(source, env)
    return helpers.compile_and_link(env["f"], argtypes, return_type)


# ---- plan -------------------------------------------------------------------------------------


def test_bound_names(funcs):
    names = set(_bound(funcs))
    expected = {
        "add", "axpb", "pick", "scale", "which", "nbt_two_which", "deep",
        "small_size", "small_value", "signed_size", "signed_value", "color_value",
        "signed_flip", "twice", "divmod", "split", "inc", "accumulate", "store", "ref_in",
        "name_wins", "sum_ptr", "fill", "offset", "name", "make_f2", "f2_dot", "i4_rev",
        "i4_sum", "d2_swap", "half_twice", "half_to_float", "bf16_twice", "bf16_to_float",
        "hopper_only", "broken", "grid_reduce_like",
    }  # fmt: skip
    assert names == expected
    assert [e.python_name for e in funcs.plan.enums] == ["small", "signed", "color"]
    assert {t.python_name: typedef_target(t.target) for t in funcs.plan.typedefs} == {
        "count_t": "types.int32",
        "count2_t": "types.int32",
        "small_alias_t": "small",
        "vec_t": '_vector_types["float32x2"]',
    }


def test_skipped_reasons(funcs):
    reasons = {s.cxx_name: s.reason for s in funcs.plan.skipped if s.kind == "function"}
    assert reasons == {
        "nbt_excluded": "excluded by config Exclude.Function",
        "nbt_internal_helper": "name starts with config Skip Prefix `nbt_internal_`",
        "nbt_long_double": "parameter 1 type `long double` has no Numba mapping",
        "nbt_host_only": "host-only",
    }


def test_namespace_clash_is_renamed_and_reported(funcs):
    bound = _bound(funcs)
    assert bound["which"].cxx_name == "nbt_one::nbt_which"
    assert bound["nbt_two_which"].cxx_name == "nbt_two::nbt_which"
    assert glue(bound["deep"].overloads[0]).endswith("int(::nbt_two::deep::nbt_deep(*a0)); }")
    assert (
        "`nbt_two::nbt_which` is bound as `nbt_two_which`: `which` is already taken"
        in funcs.plan.warnings
    )


def test_overloads_defaults_unnamed(funcs):
    bound = _bound(funcs)
    assert [o.result for o in bound["add"].overloads] == [
        Scalar("int32"),
        Scalar("float32"),
        Scalar("float64"),
    ]
    # one variant per number of trailing defaulted arguments omitted
    assert [len(o.params) for o in bound["axpb"].overloads] == [3, 2, 1]
    assert len({o.shim for o in bound["axpb"].overloads}) == 3
    assert [p.name for p in bound["pick"].overloads[0].params] == ["a", "arg1", "c"]


def test_intent_shapes_in_plan(funcs):
    modes = {
        name: [p.mode for p in _bound(funcs)[name].overloads[0].params]
        for name in ("divmod", "split", "inc", "accumulate", "store", "ref_in", "name_wins")
    }
    assert modes == {
        "divmod": ["in", "in", "out"],
        "split": ["in", "out", "out"],  # by index (1) and by name (hi)
        "inc": ["in", "out"],
        "accumulate": ["ptr", "in"],
        "store": ["ptr", "in"],
        "ref_in": ["in"],
        "name_wins": ["out", "in"],  # `a: out_return` wins over `0: inout_ptr`
    }


def test_types_in_plan(funcs):
    bound = _bound(funcs)

    def first(name):
        o = bound[name].overloads[0]
        return o.result, [p.type for p in o.params]

    assert first("half_twice") == (Scalar("float16"), [Scalar("float16")])
    assert first("bf16_twice") == (Scalar("bfloat16"), [Scalar("bfloat16")])
    assert first("make_f2") == (Vector("float32", 2), [Scalar("float32")] * 2)
    assert first("i4_rev")[0] == Vector("int32", 4)
    assert first("name") == (Pointer(Scalar("int8")), [])
    f32p = Pointer(Scalar("float32"))
    assert first("offset") == (f32p, [f32p, Scalar("int32")])
    assert first("small_size")[1] == [EnumRef("nbt_small", "small", Scalar("uint8"))]
    assert first("signed_size")[1] == [EnumRef("nbt_signed", "signed", Scalar("int16"))]
    assert first("color_value")[1] == [EnumRef("nbt_color", "color", Scalar("int32"))]
    # rendered, enums pass their underlying integers
    assert [type_expr(p.type) for p in bound["small_size"].overloads[0].params] == ["types.uint8"]
    # a const char* return must compile: its glue keeps the const
    assert re.search(r"\((const char|char const) ?\*\* ?r\)", glue(bound["name"].overloads[0]))


def test_arch_guarded_function_absent_for_older_arch():
    import numbast_core
    from numbast_core import plan

    config = numbast_core.load_config(helpers.DATA / "nbt_funcs.yml").with_arch("sm_75")
    old = plan.build(config, numbast_core.parse(config))
    names = {f.python_name for f in old.functions}
    assert "hopper_only" not in names
    assert "add" in names


def test_output_name_and_public_surface(funcs, funcs_module):
    assert funcs.path.name == "nbt_funcs_bindings.py"
    assert funcs_module.__all__ == list(funcs.plan.public_names)
    for name in funcs_module.__all__:
        assert name.isidentifier()
        assert hasattr(funcs_module, name)
    for name in ("install", "typing_registry", "target_registry"):
        assert not hasattr(funcs_module, name)  # global registries by default
    assert funcs_module._registries.separate is False
    with pytest.raises(TypeError, match="CUDA device function"):
        funcs_module.add(1, 2)


def test_enums_and_typedef_aliases(funcs_module):
    from numba.cuda import types
    from numba.cuda.vector_types import vector_types

    m = funcs_module
    assert {e.name: e.value for e in m.small} == {"SMALL_A": 1, "SMALL_B": 200}
    assert {e.name: e.value for e in m.signed} == {"NEG": -300, "POS": 300}
    assert {e.name: e.value for e in m.color} == {"red": 0, "green": 5, "blue": -7}
    assert m.count_t is types.int32 and m.count2_t is types.int32
    assert m.small_alias_t is m.small
    assert m.vec_t is vector_types["float32x2"]


def test_additional_import_and_macros_emitted(funcs, funcs_module):
    text = funcs.path.read_text()
    assert "\nimport math\nfrom fractions import Fraction\n" in text
    assert funcs_module.Fraction.__module__ == "fractions"
    prelude = render_prelude(funcs.plan)
    assert prelude.startswith("#define NBT_SCALE 3\n#define NBT_FLAG\n#include <")
    assert funcs_module._glue.prelude == prelude


def test_predefined_macros_reach_the_parser(tmp_path):
    import numbast_core

    base = {
        "Entry Point": str(helpers.HEADER),
        "File List": [str(helpers.HEADER)],
        "GPU Arch": ["sm_90"],
    }
    config = numbast_core.Config.from_dict(base, tmp_path)
    with pytest.raises(numbast_core.GenerationError, match="NBT_SCALE must be predefined"):
        numbast_core.generate(config, tmp_path)
    assert not list(tmp_path.iterdir())


def test_types_and_data_models_overrides_load():
    import numbast_core

    config = numbast_core.Config.from_dict(
        {
            "Entry Point": "nbt_funcs.cuh",
            "File List": ["nbt_funcs.cuh"],
            "GPU Arch": ["sm_90"],
            "Types": {"nbt_pair": "Type"},
            "Data Models": {"nbt_pair": "StructModel"},
        },
        helpers.DATA,
    )
    assert dict(config.types) == {"nbt_pair": "Type"}
    assert dict(config.data_models) == {"nbt_pair": "StructModel"}


# ---- compile + link on the CPU (NVRTC + nvJitLink, no GPU) ------------------------------------


@pytest.mark.parametrize("name", sorted(helpers.CONFIGS))
def test_every_bound_callable_compiles_and_links_sm90(generated, name, tmp_path):
    result = generated[name]  # check_module install()s a separate-registry module
    report = check_module(result.path, result.plan, "sm_90")
    assert report.results
    failed = {r.python_name: r.error for r in report.failed}
    assert set(failed) == {BROKEN}, failed
    assert "the C++ glue for nbt_broken does not compile" in failed[BROKEN]
    assert "nbt_broken" in failed[BROKEN].split("compilation log:")[1]
    assert report.ok_count == len(report.results) - 1


def test_result_shapes(funcs_module):
    from numba.cuda import types

    i32, f32 = types.int32, types.float32
    cases = [
        ("def f(a, b):\n    return divmod(a, b)", [i32, i32], types.UniTuple(i32, 2)),
        ("def f(x):\n    return split(x)", [f32], types.UniTuple(f32, 2)),
        ("def f(x):\n    return inc(x)", [i32], i32),
        ("def f(b):\n    return name_wins(b)", [i32], types.UniTuple(i32, 2)),
        ("def f(p, x):\n    return accumulate(p, x)", [types.CPointer(i32), i32], types.none),
        ("def f(p, x):\n    return store(p, x)", [types.CPointer(i32), i32], types.none),
        ("def f(x):\n    return ref_in(x)", [i32], i32),
        ("def f(x):\n    return axpb(x)", [i32], i32),
        ("def f(x):\n    return axpb(x, x)", [i32], i32),
        ("def f(x):\n    return axpb(x, x, x)", [i32], i32),
        ("def f(x):\n    return add(x, x)", [f32], f32),
        ("def f(x):\n    return half_twice(x)", [types.float16], types.float16),
        ("def f(x):\n    return bf16_twice(x)", [types.bfloat16], types.bfloat16),
        ("def f():\n    p = name()\n    return p[1]", [], types.int8),
        ("def f(p):\n    return offset(p, 2)[0]", [types.CPointer(f32)], f32),
        ("def f():\n    return twice(count_t(4))", [], i32),
    ]
    for source, argtypes, expected in cases:
        cres = _kernel(funcs_module, source, argtypes)
        assert cres.signature.return_type == expected, source


@pytest.mark.parametrize(
    ("call", "shim_fragment", "width"),
    [
        ("small_size(small.SMALL_B)", "nbt_small_size9nbt_small", "i8*"),
        ("signed_value(signed.NEG)", "nbt_signed_value10nbt_signed", "i16*"),
        ("color_value(color.blue)", "nbt_color_value9nbt_color", "i32*"),
    ],
)
def test_enums_passed_with_their_real_width(funcs_module, call, shim_fragment, width):
    cres = _kernel(funcs_module, f"def f():\n    return {call}", [])
    declares = [
        line
        for line in cres.library.get_llvm_str().splitlines()
        if line.startswith("declare") and shim_fragment in line
    ]
    assert len(declares) == 1
    assert re.search(rf"\(i32\* %\"?\.1\"?, {re.escape(width)} ", declares[0]), declares[0]


def test_cooperative_regex_sets_use_cooperative(funcs_module):
    from numba.cuda import types

    coop = _kernel(funcs_module, "def f(x):\n    return grid_reduce_like(x)", [types.int32])
    plain = _kernel(funcs_module, "def f(x):\n    return scale(x)", [types.int32])
    assert coop.library.use_cooperative is True
    assert plain.library.use_cooperative is False
    kernel = _kernel(
        funcs_module,
        "def f(out, x):\n    out[0] = grid_reduce_like(x)",
        [types.CPointer(types.int32), types.int32],
        types.void,
    )
    assert kernel.library.use_cooperative is True


def test_module_callbacks_on_the_linked_code(funcs_module):
    from numba.cuda import types
    from numba.cuda.cudadrv.linkable_code import LTOIR

    cres = _kernel(funcs_module, "def f(x):\n    return add(x, x)", [types.int32])
    linked = [obj for obj in cres.library._linking_files if isinstance(obj, LTOIR)]
    assert len(linked) == 1
    glue = linked[0]
    assert glue.setup_callback is funcs_module._glue.setup
    assert glue.teardown_callback is funcs_module._glue.teardown
    assert callable(glue.setup_callback) and callable(glue.teardown_callback)
    assert glue.setup_callback(None) is None
    # compiled once per process: a second kernel links the very same object
    again = _kernel(funcs_module, "def f(x):\n    return scale(x)", [types.int32])
    assert glue in again.library._linking_files


def test_broken_glue_fails_only_its_kernels(funcs_module):
    from numba.cuda import types

    with pytest.raises(funcs_module.GlueCompileError, match="nbt_broken") as info:
        _kernel(funcs_module, "def f(x):\n    return broken(x)", [types.int32])
    assert "more than one instance of overloaded function" in str(info.value)
    ok = _kernel(funcs_module, "def f(x):\n    return which(x) * nbt_two_which(x)", [types.int32])
    assert ok.signature.return_type == types.int64  # int32 * int32 in Numba
