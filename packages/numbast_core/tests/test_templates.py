"""Function and class templates (tests/data/nbt_templates.cuh): the plan, the module, and kernels
that instantiate them through NVRTC, compiled and linked for sm_90 on the CPU."""

from __future__ import annotations

import dataclasses

import _codegen_helpers as helpers
import pytest
from ast_canopy.model import ExecSpace

CONFIG = helpers.DATA / helpers.TEMPLATE_CONFIG


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    import numbast_core

    return numbast_core.generate(
        numbast_core.load_config(CONFIG), tmp_path_factory.mktemp("templates")
    )


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A fresh, empty disk cache for the instances of this test."""
    monkeypatch.setenv("NUMBAST_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def module(result, cache):
    return helpers.import_module(result.path)  # a fresh import: its own instances


def _compile(module, source, argtypes, return_type=None, **extra):
    import numpy as np

    env = {**vars(module), "np": np, **extra}
    exec(source, env)
    return helpers.compile_and_link(env["f"], argtypes, return_type)


# ---- plan --------------------------------------------------------------------------------------


def test_plan_binds_each_form(result):
    plan = result.plan
    functions = {t.python_name: t for t in plan.function_templates}
    assert set(functions) == {
        "clampv", "twice", "mul", "convert", "scale", "sum_of", "load", "pick",
    }  # fmt: skip
    assert [(p.name, p.kind, p.cxx_type) for p in functions["scale"].params] == [
        ("N", "value", "int"),
        ("T", "type", ""),
    ]
    assert functions["clampv"].cxx_name == "::nbt_clampv"
    # nbt_pick has a plain overload too: both resolve through C++, under one name
    assert functions["pick"].also_function
    assert "pick" not in {f.python_name for f in plan.functions}
    classes = {c.python_name: c for c in plan.class_templates}
    assert set(classes) == {"box", "arr", "acc"}
    assert classes["box"].fields == ("value",)
    assert classes["box"].methods == ("get", "plus", "add", "to")  # `to`: a member template
    assert classes["box"].mutating == ("add",)
    assert [(p.name, p.kind) for p in classes["arr"].params] == [("T", "type"), ("N", "value")]
    assert {"box", "arr", "acc", "clampv", "pick"} <= set(plan.public_names)


def test_unsupported_forms_are_skipped_with_the_form_named(result):
    reasons = {s.cxx_name: s.reason for s in result.plan.skipped if "template" in s.kind}
    assert reasons["nbt_count"] == "template parameter pack `Ts...`"
    assert reasons["nbt_unwrap"] == "template template parameter `C`"
    assert reasons["operator+"].startswith("operator template: not bound by name")
    assert reasons["nbt_plain::as"] == (
        "member function template of a struct that is not a class template"
    )


def test_host_only_template_is_skipped(result):
    import ast_canopy
    from numbast_core import load_config
    from numbast_core.plan.templates import plan_function_templates

    header = str(helpers.DATA / "nbt_templates.cuh")
    decls = ast_canopy.parse_declarations_from_source(header, [header], "sm_90")
    first = decls.function_templates[0]
    host = dataclasses.replace(
        first, function=dataclasses.replace(first.function, exec_space=ExecSpace.HOST)
    )
    skipped: list = []
    decls = dataclasses.replace(decls, function_templates=(host,))
    assert plan_function_templates(load_config(CONFIG), decls, [], set(), skipped) == []
    assert [(s.kind, s.cxx_name, s.reason) for s in skipped] == [
        ("function template", "nbt_clampv", "host-only")
    ]


def test_inspect_rows_list_templates_with_their_parameters(result):
    rows = {(r.kind, r.cxx_name): r for r in result.plan.rows()}
    assert rows[("function template", "template <int N, typename T> T nbt_scale(T x)")].status == (
        "bound"
    )
    assert ("class template", "template <typename T, int N> struct nbt_arr") in rows
    assert rows[("function template", "nbt_count")].status == "skipped"


def test_only_modules_with_templates_carry_the_template_runtime(result, generated):
    text = result.path.read_text()
    assert "class _Templates:" in text and "class _ClassTemplate(" in text
    other = generated["nbt_funcs_bindings"].path.read_text()
    assert "class _Templates:" not in other and "_ClassTemplate" not in other


def test_module_is_deterministic(result, tmp_path):
    import numbast_core

    again = numbast_core.generate(numbast_core.load_config(CONFIG), tmp_path)
    assert again.path.read_bytes() == result.path.read_bytes()


# ---- kernels: deduction, explicit arguments, result types -------------------------------------


def test_results_are_typed_as_cxx_deduces_them(module):
    from numba.cuda import types

    i16, i32, i64, f32, f64 = types.int16, types.int32, types.int64, types.float32, types.float64
    cases = [
        ("def f(x, lo, hi):\n    return clampv(x, lo, hi)", [f32, f32, f32], f32),
        ("def f(x, lo, hi):\n    return clampv(x, lo, hi)", [i64, i64, i64], i64),
        # auto return: short + short is an int in C++
        ("def f(x):\n    return twice(x)", [i16], i32),
        ("def f(x):\n    return twice(x)", [f64], f64),
        # decltype(a * b) of two deduced parameters
        ("def f(a, b):\n    return mul(a, b)", [f32, i32], f32),
        ("def f(a, b):\n    return mul(a, b)", [i32, f64], f64),
        # explicit type argument (not deducible), non-type argument by keyword
        ("def f(x):\n    return convert(x, R=np.int16)", [f64], i16),
        ("def f(x):\n    return scale(x, N=3)", [f32], f32),
        # C++ overload resolution: the template beats the int overload for a float
        ("def f(x):\n    return pick(x)", [f32], f32),
        ("def f(x):\n    return pick(x)", [i32], i32),
        # a pointer argument deduces T from the pointee
        ("def f(p, i):\n    return load(p, i)", [types.CPointer(f64), i32], f64),
        # a bound struct as the deduced type
        ("def f():\n    return sum_of(pair())", [], f32),
    ]
    for source, argtypes, expected in cases:
        cres = _compile(module, source, argtypes)
        assert cres.signature.return_type == expected, (source, argtypes)


def test_cxx_rejection_is_a_typing_error_with_nvrtcs_reason(module):
    from numba.core.errors import TypingError as CoreTypingError
    from numba.cuda import types
    from numba.cuda.core.errors import TypingError as CudaTypingError

    TypingError = (CoreTypingError, CudaTypingError)  # (numba-cuda raises either)

    # conflicting deductions for T (float vs int): C++ rejects the call
    with pytest.raises(TypingError, match=r"nbt_clampv\(float, int, float\): C\+\+ rejects it"):
        _compile(module, "def f(x, i):\n    return clampv(x, i, x)", [types.float32, types.int32])
    with pytest.raises(TypingError, match="no template parameter named U"):
        _compile(module, "def f(x):\n    return convert(x, U=np.int32)", [types.float32])
    with pytest.raises(TypingError, match="compile-time integer constant"):
        _compile(module, "def f(x, n):\n    return scale(x, N=n)", [types.float32, types.int32])


def test_instances_are_cached_per_process_and_on_disk(result, cache):
    from numba.cuda import types

    first = helpers.import_module(result.path)
    source = "def f(x):\n    return twice(x) + clampv(x, x, x)"  # (float64: not bound ahead)
    _compile(first, source, [types.float64])
    assert first._templates.nvrtc_calls == 2  # one compile per instance
    # a second kernel reusing both instances (and a third, new one)
    _compile(first, "def f(x, y):\n    return twice(x) * twice(y)", [types.float64] * 2)
    assert first._templates.nvrtc_calls == 2
    _compile(first, "def f(x):\n    return twice(x)", [types.int32])
    assert first._templates.nvrtc_calls == 3
    assert len(list(cache.glob("*.ltoir"))) == 3


_FRESH_PROCESS = """
import sys
sys.path.insert(0, {tests!r})
import _codegen_helpers as helpers
from numba.cuda import types
m = helpers.import_module({path!r})
def f(x):
    return m.twice(x) + m.clampv(x, x, x)
helpers.compile_and_link(f, (types.float64,))
calls = m._templates.nvrtc_calls
def g(x):
    return m.clampv(x, x, x)  # (float32: bound ahead, in the module's precompiled glue)
helpers.compile_and_link(g, (types.float32,))
print(m._templates.nvrtc_calls - calls, m._glue._sidecars.get("sm_90") is not None, calls)
"""


def test_a_fresh_process_finds_the_instances_on_disk(result, cache):
    import os
    import subprocess
    import sys

    script = _FRESH_PROCESS.format(tests=str(helpers.DATA.parent), path=str(result.path))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}

    def nvrtc_calls():
        run = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True)
        assert run.returncode == 0, run.stderr.decode()
        ahead_calls, sidecar, calls = run.stdout.decode().split()[-3:]
        # the instance bound ahead came from the sidecar LTO-IR: no compile of any kind
        assert (ahead_calls, sidecar) == ("0", "True")
        return int(calls)

    assert nvrtc_calls() == 2
    assert len(list(cache.glob("*.ltoir"))) == 2  # (the sidecar served the module's glue)
    assert nvrtc_calls() == 0  # the same instances, from the disk cache


# ---- kernels: class templates -----------------------------------------------------------------


def test_class_template_instances(module):
    from numba.cuda import types

    f32, i32 = types.float32, types.int32
    explicit = _compile(module, "def f(x):\n    return box(x, T=np.float32)", [f32])
    instance = explicit.signature.return_type
    assert instance.cxx_name == "::nbt_box<float>"
    assert str(instance) == "box<float>"
    # deduced from the constructor argument (CTAD): the same instance, the same Numba type
    deduced = _compile(module, "def f(x):\n    return box(x)", [f32]).signature.return_type
    assert deduced is instance
    cases = [
        ("def f(x):\n    return box(x, T=np.float32).value", [f32], f32),
        ("def f(x):\n    return box(x, T=np.int32).get()", [i32], i32),
        ("def f(x):\n    return box(x).plus(x)", [f32], f32),
        ("def f(x):\n    return box(x).to(U=np.int16)", [f32], types.int16),  # member template
        ("def f(x):\n    return (box(x) + box(x)).value", [f32], f32),  # operator template
        ("def f():\n    return arr(T=np.float32, N=4).sum()", [], f32),
        ("def f():\n    return arr(T=np.float64, N=3).count", [], i32),
        ("def f():\n    return arr(T=np.int32, N=2).size()", [], i32),
        ("def f(x):\n    return acc(x).mean()", [types.int16], types.int16),
        ("def f(x):\n    return acc(x).n", [f32], i32),
    ]
    for source, argtypes, expected in cases:
        cres = _compile(module, source, argtypes)
        assert cres.signature.return_type == expected, source


def test_instance_layout_comes_from_nvrtc(module):
    from numba.cuda import types

    arr = _compile(module, "def f():\n    return arr(T=np.float64, N=3)", []).signature.return_type
    assert arr.cxx_name == "::nbt_arr<double, 3>"
    size, fields = arr._layout
    # double data[3] (an array: opaque bytes), int count at 24, padded to alignof(double)
    assert size == 32
    assert [(name, offset, nbytes) for name, _, offset, nbytes in fields] == [
        (None, 0, 24),
        ("count", 24, 4),
    ]
    assert arr._fields == {"count": types.int32}


def test_mutating_methods_and_field_writes_compile_and_link(module):
    from numba.cuda import types

    source = (
        "def f(out, x):\n"
        "    b = box(x, T=np.float32)\n"
        "    b.add(np.float32(2.0))\n"  # non-const: the receiver is written back
        "    out[0] = b.value\n"
        "    b.value = np.float32(5.0)\n"
        "    c = box(x)\n"
        "    c += b\n"  # no operator+= in C++: `c = c + b`, as Python does
        "    out[1] = c.get()\n"
    )
    cres = _compile(module, source, [types.float32[:], types.float32], types.void)
    assert cres.signature.return_type == types.void
    sigs = {(tuple(map(str, s.args)), str(s.return_type)) for s in cres.fndesc.calltypes.values()}
    # the non-const call went through the mutator, which returns (result, updated receiver)
    assert (("box<float>", "float32"), "Tuple(none, box<float>)") in sigs
    # and `b.value = ...` through the field's setter, which returns the updated struct
    assert (("box<float>", "float32"), "box<float>") in sigs


# ---- the GPU tier's kernels and oracles, checked here on the CPU -------------------------------


def test_gpu_cases_compile_and_link_sm90(module):
    import numpy as np
    from cuda.bindings import nvrtc
    from numba.cuda import types
    from test_gpu_templates import _CXX_TYPES, CASES

    kinds = {"int32": types.int32, "float32": types.float32, "float64": types.float64}
    env = {"np": np, "f32": types.float32, "f64": types.float64, "i16": types.int16,
           "i32": types.int32, "i64": types.int64, "m": module}  # fmt: skip
    for name, expr, dtype, body in CASES:
        source = f"def f(out, i):\n    {body}\n"
        _compile(module, source, [kinds[dtype][:], types.int32], types.void, **env)
        cxx = (
            f'#include "nbt_templates.cuh"\n__global__ void k({_CXX_TYPES[dtype]}* out, int i)'
            f" {{ out[i] = {expr}; }}\n"
        )
        program = nvrtc.nvrtcCreateProgram(cxx.encode(), b"k.cu", 0, [], [])[1]
        options = [b"-arch=sm_90", b"-std=c++17", f"-I{helpers.DATA}".encode()]
        status = nvrtc.nvrtcCompileProgram(program, len(options), options)[0]
        nvrtc.nvrtcDestroyProgram(program)
        assert status == nvrtc.nvrtcResult.NVRTC_SUCCESS, name


# ---- instances bound ahead (config Template Instances) ------------------------------------------


def test_instances_bound_ahead_are_typed_from_the_module_glue(result, module):
    from numba.cuda import types

    rows = [r for r in result.plan.rows() if r.kind == "template instance"]
    assert [(r.cxx_name, r.python_name) for r in rows] == [
        ("float nbt_clampv(float, float, float)", "clampv"),
        ("double nbt_scale<4>(double)", "scale"),
    ]
    glue = result.path.read_text()
    assert "__numbast_nbt_templates_bindings_instance_1_scale" in glue  # in the precompiled glue
    source = "def f(x, y):\n    return clampv(x, x, x) + scale(y, N=4)"
    cres = _compile(module, source, [types.float32, types.float64])
    assert cres.signature.return_type == types.float64
    assert module._templates.nvrtc_calls == 0
    # another explicit argument or other argument types: instantiated at kernel compile
    _compile(module, "def f(y):\n    return scale(y, N=3)", [types.float64])
    assert module._templates.nvrtc_calls == 1


def _config_errors(tmp_path, instances: str) -> str:
    import numbast_core
    from numbast_core.errors import ConfigError

    text = CONFIG.read_text().split("Template Instances:")[0] + instances
    config_file = tmp_path / "c.yml"
    config_file.write_text(text)
    (tmp_path / "nbt_templates.cuh").write_text((helpers.DATA / "nbt_templates.cuh").read_text())
    with pytest.raises(ConfigError) as caught:
        numbast_core.generate(numbast_core.load_config(config_file), tmp_path / "out")
    return str(caught.value)


def test_template_instances_errors_name_the_key(tmp_path):
    schema = _config_errors(tmp_path, "Template Instances:\n  - Arguments: [float]\n")
    assert "Template Instances[0]" in schema and "Function" in schema
    bad = (
        "Template Instances:\n"
        "  - {Function: nbt_nowhere}\n"
        "  - {Function: nbt_scale, Arguments: [double], Template Arguments: {M: 4}}\n"
        "  - {Function: nbt_twice, Arguments: [long double]}\n"
    )
    message = _config_errors(tmp_path, bad)
    assert "Template Instances[0].Function: no bound function template named `nbt_nowhere`" in (
        message
    )
    assert (
        "Template Instances[1].Template Arguments.M: `nbt_scale` has no template parameter M"
        in (message)
    )
    assert "Template Instances[2].Arguments[0]: `long double` has no Numba type" in message
    rejected = _config_errors(
        tmp_path,
        "Template Instances:\n  - {Function: nbt_clampv, Arguments: [float, int, float]}\n",
    )
    assert "Template Instances[0]: C++ rejects `nbt_clampv(float, int, float)`" in rejected
    assert "no instance of function template" in rejected
