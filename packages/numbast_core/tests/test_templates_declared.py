"""Class templates declared and never defined, used through their explicit specialisations
(mma.h's ``fragment``; the kernel suite's own_api.cuh ``Frag``): tag types as template
arguments, defaulted ones, and non-template functions taking instances, resolved by C++ when a
kernel is compiled, with a non-const reference written back. Compiled and linked for sm_90 on
the CPU (the kernel suite runs the same kernels on the GPU against CUDA C++)."""

from __future__ import annotations

import re
from pathlib import Path

import _codegen_helpers as helpers
import pytest

CONFORMANCE = Path(__file__).resolve().parents[3] / "conformance"


def _generate(config, tmp_path_factory):
    import numbast_core

    return numbast_core.generate(
        numbast_core.load_config(config), tmp_path_factory.mktemp("declared")
    )


@pytest.fixture(scope="module")
def own(tmp_path_factory):
    return _generate(CONFORMANCE / "kernels" / "own_api.yml", tmp_path_factory)


@pytest.fixture(scope="module")
def mma(tmp_path_factory):
    return _generate(CONFORMANCE / "corpus" / "mma.yml", tmp_path_factory)


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("NUMBAST_CACHE_DIR", str(tmp_path / "cache"))


def _kernel(module, source):
    from numba.cuda import types

    env = {**vars(module), "types": types, "address_of": _address_of()}
    exec(source, env)
    return env["f"]


def _call_signatures(module, source, argtypes) -> set:
    """{(argument type names, result type name)} of every call in the kernel ``source``."""
    from numba.cuda import types

    cres = helpers.compile_and_link(_kernel(module, source), argtypes, types.void)
    return {(tuple(map(str, s.args)), str(s.return_type)) for s in cres.fndesc.calltypes.values()}


def _address_of():
    from numba.cuda import types
    from numba.cuda.extending import intrinsic

    @intrinsic
    def address_of(typingctx, array, index):
        def codegen(context, builder, sig, args):
            data = context.make_array(sig.args[0])(context, builder, args[0]).data
            return builder.gep(data, [context.cast(builder, args[1], sig.args[1], types.intp)])

        return types.CPointer(array.dtype)(array, index), codegen

    return address_of


def test_plan_binds_the_template_its_tags_and_the_functions_taking_instances(own):
    plan = own.plan
    frag = {c.python_name: c for c in plan.class_templates}["Frag"]
    assert [(p.name, p.kind, p.has_default) for p in frag.params] == [
        ("Tag", "type", False), ("N", "value", False), ("T", "type", True),
    ]  # fmt: skip
    assert {(t.python_name, t.cxx_name) for t in plan.tags} == {
        ("LowTag", "::LowTag"), ("HighTag", "::HighTag"),
    }  # fmt: skip
    calls = {t.python_name: t for t in plan.function_templates}
    assert calls["fill"].params == () and calls["fill"].writes == (0,)  # Frag<...>& f
    assert calls["combine"].writes == ()  # const Frag<...>&
    assert calls["scale_all"].writes == (0,)  # template <typename T> ... (T& f, float k)
    assert calls["halve"].also_function and calls["halve"].writes == (0,)  # + halve(Accumulator&)
    assert calls["make_high"].signatures == ("Frag<HighTag, 2, float> make_high(float v)",)
    assert len(calls["combine"].signatures) == 3
    rows = {(r.kind, r.cxx_name): r for r in plan.rows()}
    assert rows[("tag type", "LowTag")].status == "bound"
    assert rows[("function", "void fill(Frag<LowTag, 3> & f, float v)")].python_name == "fill"
    skipped = {s.cxx_name: s.reason for s in plan.skipped}
    assert skipped["NeverDefined"] == (
        "declared and never defined or specialised: it has no instances"
    )


def test_a_reference_argument_is_written_back_and_an_enum_converts(own):
    from numba.cuda import types

    module = helpers.import_module(own.path)
    source = (
        "def f(out, v):\n"
        "    lo = Frag(Tag=LowTag, N=2, T=types.float32)\n"
        "    fill(lo, v)\n"
        "    three = Frag(Tag=LowTag, N=3)\n"
        "    fill(three, v)\n"
        "    out[0] = combine(lo, Combine.Product) + types.float32(combine(three, Combine.Sum))\n"
    )
    sigs = _call_signatures(module, source, (types.float32[:], types.float32))
    # each fill went through the mutator, which returns (result, the updated instance)
    assert (
        ("Frag<::LowTag, 2, float>", "float32"),
        "Tuple(none, Frag<::LowTag, 2, float>)",
    ) in sigs
    assert (("Frag<::LowTag, 3, void>", "float32"), "Tuple(none, Frag<::LowTag, 3, void>)") in sigs
    assert any(args[1].startswith("IntEnum") for args, _ in sigs if args[0].startswith("Frag"))


def test_an_instance_bound_ahead_writes_back_its_reference_argument(own):
    """own_api.yml binds ``halve<Accumulator>(T&, int)`` ahead (Template Instances): its row
    takes the struct in and out, and a kernel's call uses it (no NVRTC) through the mutator."""
    from numba.cuda import types

    halve = {t.python_name: t for t in own.plan.function_templates}["halve"]
    ((_, overload),) = halve.ahead
    assert [p.mode for p in overload.params] == ["inout", "in"]
    module = helpers.import_module(own.path)
    source = (
        "def f(out, x):\n"
        "    acc = Accumulator()\n"
        "    accumulate(acc, x)\n"
        "    halve(acc, types.int32(2))\n"
        "    out[0] = acc.total\n"
    )
    sigs = _call_signatures(module, source, (types.int64[:], types.int32))
    assert (("Accumulator", "int32"), "Tuple(none, Accumulator)") in sigs
    assert module._templates.nvrtc_calls == 0


def test_a_call_writing_back_takes_no_explicit_template_arguments(own):
    from numba.core.errors import TypingError
    from numba.cuda import types

    module = helpers.import_module(own.path)
    source = (
        "def f(out, v):\n"
        "    made = make_high(v)\n"
        "    scale_all(made, v, T=types.float32)\n"
        "    out[0] = combine(made, Combine.Sum)\n"
    )
    with pytest.raises(TypingError, match="takes no explicit template arguments: C"):
        helpers.compile_and_link(_kernel(module, source), (types.float32[:], types.float32))


def test_a_tag_is_not_a_value(own):
    from numba.core.errors import TypingError
    from numba.cuda import types

    module = helpers.import_module(own.path)
    kernel = _kernel(module, "def f(out):\n    out[0] = LowTag()\n")
    with pytest.raises(TypingError, match="LowTag is a type for template arguments, not a value"):
        helpers.compile_and_link(kernel, (types.float32[:],), types.void)


def test_wmma_fragments_multiply_on_the_tensor_cores(mma):
    """The linked PTX of a kernel that loads, multiplies and stores fragments holds the wmma
    instructions of exactly those shapes and layouts."""
    from cuda.bindings import nvjitlink
    from numba.cuda import types
    from numba.cuda.compiler import compile_cuda, kernel_fixup

    plan = mma.plan
    fragment = {c.python_name: c for c in plan.class_templates}["fragment"]
    assert [p.name for p in fragment.params] == ["Use", "m", "n", "k", "T", "Layout"]
    assert {"matrix_a", "matrix_b", "accumulator", "row_major", "col_major"} <= {
        t.python_name for t in plan.tags
    }
    calls = {t.python_name: t for t in plan.function_templates}
    assert calls["load_matrix_sync"].writes == (0,) and calls["mma_sync"].writes == (0,)
    assert calls["store_matrix_sync"].writes == ()
    module = helpers.import_module(mma.path)
    source = """\
def f(A, B, C):
    a = fragment(Use=matrix_a, m=16, n=16, k=16, T=types.float16, Layout=row_major)
    b = fragment(Use=matrix_b, m=16, n=16, k=16, T=types.float16, Layout=col_major)
    c = fragment(Use=accumulator, m=16, n=16, k=16, T=types.float32)
    fill_fragment(c, types.float32(0))
    load_matrix_sync(a, address_of(A, 0), 16)
    load_matrix_sync(b, address_of(B, 0), 16)
    mma_sync(c, a, b, c)
    store_matrix_sync(address_of(C, 0), c, 16, layout_t.mem_col_major)
"""
    argtypes = (types.float16[:], types.float16[:], types.float32[:])
    cres = compile_cuda(_kernel(module, source), types.void, argtypes, cc=(9, 0), lto=True)
    library = cres.library
    kernel_fixup(library.get_function(cres.fndesc.llvm_func_name), False)
    library._entry_name = cres.fndesc.llvm_func_name
    link = nvjitlink.create(3, ["-arch=sm_90", "-lto", "-ptx"])
    try:
        for i, code in enumerate([library.get_ltoir(cc=(9, 0)), *library._linking_files]):
            data = bytes(getattr(code, "data", code))
            nvjitlink.add_data(link, nvjitlink.InputType.LTOIR, data, len(data), f"p{i}")
        nvjitlink.complete(link)
        ptx = bytearray(nvjitlink.get_linked_ptx_size(link))
        nvjitlink.get_linked_ptx(link, ptx)
    finally:
        nvjitlink.destroy(link)
    found = set(re.findall(r"\bwmma\.[a-z]+\.[a-z0-9.]+", bytes(ptx).decode()))
    assert found == {
        "wmma.load.a.sync.aligned.row.m16n16k16.global.f16",
        "wmma.load.b.sync.aligned.col.m16n16k16.global.f16",
        "wmma.mma.sync.aligned.row.col.m16n16k16.f32.f32",
        "wmma.store.d.sync.aligned.col.m16n16k16.global.f32",
    }


def test_instances_spelled_without_inline_namespaces_are_recognised(tmp_path):
    """clang spells a parameter ``lib::Box<int>&`` for ``lib::v1::Box`` (as libcu++'s
    ``cuda::barrier<...>&`` for ``cuda::__4::barrier``): the function still joins the C++
    resolved ones, and a kernel's call links."""
    import numbast_core
    from numba.cuda import types

    (tmp_path / "inl.cuh").write_text(
        "#pragma once\n"
        "namespace lib { inline namespace v1 {\n"
        "template <typename T> struct Box { T v; };\n"
        "__device__ inline void put(Box<int>& b, int x) { b.v = 2 * x; }\n"
        "} }\n"
    )
    (tmp_path / "inl.yml").write_text(
        "Entry Point: inl.cuh\nFile List: [inl.cuh]\nGPU Arch: [sm_90]\n"
    )
    result = numbast_core.generate(numbast_core.load_config(tmp_path / "inl.yml"), tmp_path)
    calls = {t.python_name: t for t in result.plan.function_templates}
    assert calls["put"].cxx_name == "::lib::put" and calls["put"].writes == (0,)
    module = helpers.import_module(result.path)
    source = "def f(out, x):\n    b = Box(T=types.int32)\n    put(b, x)\n    out[0] = b.v\n"
    helpers.compile_and_link(_kernel(module, source), (types.int32[:], types.int32), types.void)
