"""A glue compile that fails inside a header (NVRTC's log names no shim line) finds the shims
that break it: first those calling the function the log names as declared but not defined,
else by bisection."""

from __future__ import annotations

from numbast_core import glue_build, glue_culprits

LOG = (
    'cooperative_groups.h(136): error: function "cooperative_groups::__v1::thread_group::'
    'num_threads" was referenced but not defined\n'
)


def _glue(shims):
    return glue_build.GlueSource("", tuple(shims.items()), "_s", (), ())


def _compiler(breaking, tried):
    def compile_(names):
        tried.append(list(names))
        return "log" if set(names) & breaking else b"ltoir"

    return compile_


def test_the_shims_calling_the_undefined_function_are_tried_first():
    shims = {f"s{i}": f"void s{i}() {{ f{i}(); }}" for i in range(16)}
    shims["s9"] = "void s9(thread_group* g) { g->num_threads(); }"
    tried: list[list[str]] = []
    names = sorted(shims)
    found = glue_culprits.culprits(_glue(shims), names, LOG, _compiler({"s9"}, tried))
    assert found == {"s9"}
    assert tried == [[n for n in names if n != "s9"]]  # one compile, not a bisection


def test_without_a_named_function_or_when_the_rest_fails_too_it_bisects():
    shims = {f"s{i}": f"void s{i}() {{ g{i}->num_threads(); }}" for i in range(4)}
    shims["t"] = "void t() { other(); }"
    names = sorted(shims)
    for log in (LOG, "cooperative_groups.h(9): error: something else\n"):
        tried: list[list[str]] = []
        found = glue_culprits.culprits(_glue(shims), names, log, _compiler({"t"}, tried))
        assert found == {"t"}
        assert len(tried) > 1


def test_the_shim_bound_to_the_undefined_function_is_the_one_suspect():
    """Eight shims call some ``num_threads``; the one whose mangled name spells
    ``cooperative_groups::__v1::thread_group::num_threads`` is tried alone (as in
    cooperative_groups.h, where the glue then compiles twice, not nine times)."""
    bound = "__numbast_cg__ZNK18cooperative_groups4__v112thread_group11num_threadsEv"
    shims = {f"s{i}": f"void s{i}(T{i}* g) {{ g->num_threads(); }}" for i in range(7)}
    shims[bound] = f"void {bound}(thread_group* g) {{ g->num_threads(); }}"
    tried: list[list[str]] = []
    names = sorted(shims)
    found = glue_culprits.culprits(_glue(shims), names, LOG, _compiler({bound}, tried))
    assert found == {bound}
    assert tried == [[n for n in names if n != bound]]


def test_generation_names_each_binding_whose_glue_does_not_compile(tmp_path):
    """clang sees `only_clang` and `clang_too` (it defines __clang__), NVRTC does not: the
    bindings stay (a kernel calling one gets NVRTC's log), and generation says so now, each with
    NVRTC's error on its own shim's line."""
    import numbast_core

    (tmp_path / "d.cuh").write_text(
        "#pragma once\n#ifdef __clang__\n"
        "__device__ inline int only_clang(int a) { return a + 1; }\n"
        "__device__ inline int clang_too(int a) { return a - 1; }\n#endif\n"
        "__device__ inline int fine(int a) { return a * 2; }\n"
    )
    (tmp_path / "d.yml").write_text(
        "Name: d\nEntry Point: d.cuh\nFile List: [d.cuh]\nGPU Arch: [sm_80, sm_90]\n"
    )
    result = numbast_core.generate(numbast_core.load_config(tmp_path / "d.yml"), tmp_path / "o")
    dropped = [w for w in result.plan.warnings if "glue does not compile" in w]
    assert sorted(dropped) == [  # each with its own error, though one compile reported both
        f"`int {name}(int a)` is bound but its glue does not compile for {arch}"
        f' (NVRTC: identifier "{name}" is undefined); a kernel that calls it fails with'
        " NVRTC's log"
        for name in ("clang_too", "only_clang")
        for arch in ("sm_80", "sm_90")
    ]
    assert not any("`int fine(" in w for w in result.plan.warnings)


def test_first_error_is_the_message_of_the_first_error_line():
    log = (
        "NVRTC (sm_90) compilation log:\nglue.cu(12): warning #177-D: unused\n"
        'glue.cu(14): error: identifier "x" is undefined\n  x();\n'
    )
    assert glue_build.first_error(log) == 'identifier "x" is undefined'
    assert glue_build.first_error("") == "(no log)"


def test_first_error_skips_lines_that_only_mention_errors():
    log = 'NVRTC log:\n1 error detected in the compilation of "glue.cu".\n'
    assert glue_build.first_error(log) == '1 error detected in the compilation of "glue.cu".'
    log = 'x.cuh(3): warning: no errors here\nglue.cu(9): catastrophic error: cannot open "y"\n'
    assert glue_build.first_error(log) == 'cannot open "y"'
