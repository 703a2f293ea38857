"""Public API behaviour: retention, defines, includes, bad input, serialisation, imports."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys

import ast_canopy
import pytest
from _canopy_sample import DATA, data, parse_sample
from ast_canopy import Declarations, ParseError


def test_retain_only_listed_files():
    main = data("main.cu")
    only_main = ast_canopy.parse_declarations_from_source(main, [main], "sm_80")
    assert [f.name for f in only_main.functions] == ["main_only"]
    assert only_main.structs == ()
    both = ast_canopy.parse_declarations_from_source(main, [main, data("sample.cuh")], "sm_80")
    assert both.functions[-1].name == "main_only"
    assert len(both.functions) == len(parse_sample("sm_80").functions) + 1


def test_retain_by_realpath(tmp_path):
    link = tmp_path / "link.cuh"
    link.symlink_to(data("sample.cuh"))
    decls = ast_canopy.parse_declarations_from_source(
        link, [data("sample.cuh")], "sm_80", additional_includes=[DATA]
    )
    assert decls.structs  # clang's path goes through the link; realpaths match
    assert decls.structs[0].location.file == data("sample.cuh")


def test_defines_and_additional_includes(tmp_path):
    path = data("defines.cuh")
    none = ast_canopy.parse_declarations_from_source(path, [path], "sm_90")
    assert none.functions == ()
    both = ast_canopy.parse_declarations_from_source(
        path, [path], "sm_90", defines=["WITH_EXTRA", "VALUE=3"]
    )
    assert [f.name for f in both.functions] == ["extra_fn", "value_is_three"]
    src = tmp_path / "uses_macros.cu"
    src.write_text('#include "macros.cuh"\nMAKE_ADD(add_d, double)\n')
    decls = ast_canopy.parse_declarations_from_source(
        src, [src], "sm_90", additional_includes=[DATA]
    )
    assert [f.name for f in decls.functions] == ["add_d"]


@pytest.mark.parametrize("cc", ["sm_90", "90", 90, (9, 0)])
def test_compute_capability_forms(cc):
    path = data("defines.cuh")
    ast_canopy.parse_declarations_from_source(path, [path], cc)


def test_missing_file_names_it():
    with pytest.raises(FileNotFoundError, match=r"no_such_header\.cuh"):
        ast_canopy.parse_declarations_from_source("no_such_header.cuh", [], "sm_90")


@pytest.mark.parametrize("arch", ["sm_99", "sm_9x", "compute_90", "sm_30", "gfx90a", "", None])
def test_bad_arch(arch):
    path = data("defines.cuh")
    with pytest.raises(ValueError) as info:
        ast_canopy.parse_declarations_from_source(path, [path], arch)
    assert repr(arch) in str(info.value)
    assert "sm_50" in str(info.value) and "sm_121a" in str(info.value)


def test_parse_error_lists_every_error(capsys):
    path = data("bad.cu")
    with pytest.raises(ParseError) as info:
        ast_canopy.parse_declarations_from_source(path, [path], "sm_90")
    message = str(info.value)
    errors = [d for d in info.value.diagnostics if d.severity == "error"]
    assert len(errors) >= 2
    for d in errors:
        assert f"{path}:{d.location.line}:{d.location.column}: {d.message}" in message
    assert f"{path}:2:" in message and f"{path}:3:" in message
    assert capsys.readouterr() == ("", "")  # nothing printed unless verbose


def test_bypass_parse_error():
    path = data("bad.cu")
    decls = ast_canopy.parse_declarations_from_source(
        path, [path], "sm_90", bypass_parse_error=True
    )
    names = [f.name for f in decls.functions]
    assert "ok" in names and "fine_too" in names
    assert any(d.severity == "error" for d in decls.diagnostics)


def test_verbose_goes_to_stderr(capsys):
    path = data("defines.cuh")
    ast_canopy.parse_declarations_from_source(path, [path], "sm_90", verbose=True)
    out, err = capsys.readouterr()
    assert out == "" and "--cuda-gpu-arch=sm_90" in err


def test_skip_function_bodies():
    decls = parse_sample("sm_90", skip_function_bodies=True)
    assert [s.name for s in decls.structs] == [s.name for s in parse_sample("sm_90").structs]


def test_value_from_constexpr_vardecl():
    src = (
        "namespace n { constexpr int W = 6 * 7; }\nconstexpr double D = 1.0 / 4;\n"
        "constexpr int sq(int a) { return a * a; }\nconstexpr int S = sq(5);\n"
    )
    var = ast_canopy.value_from_constexpr_vardecl(src, "n::W", "sm_90")
    assert var.value == 42 and var.name == "W"
    assert ast_canopy.value_from_constexpr_vardecl(src, "D", "sm_90").value == 0.25
    assert ast_canopy.value_from_constexpr_vardecl(src, "S", "sm_90").value == 25
    assert ast_canopy.value_from_constexpr_vardecl(src, "missing", "sm_90") is None


def test_json_round_trip_and_pickle():
    decls = parse_sample("sm_90", bypass_parse_error=True)
    text = decls.to_json()
    back = Declarations.from_json(text)
    assert back == decls
    assert back.to_json() == text
    assert pickle.loads(pickle.dumps(decls)) == decls
    err = ParseError("x.cu", ())
    assert str(pickle.loads(pickle.dumps(err))) == str(err)


def test_import_does_not_pull_numba():
    code = (
        "import sys, ast_canopy, ast_canopy.extract, ast_canopy._clang, ast_canopy.__main__\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('numba', 'numbast_core')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_cli_summary_and_json():
    path = data("sample.cuh")
    run = [sys.executable, "-m", "ast_canopy", path, "--arch", "sm_90"]
    out = subprocess.run([*run, "--summary"], capture_output=True, text=True, check=True)
    assert "| structs" in out.stdout and "|     5 |" in out.stdout
    out = subprocess.run([*run, "--json"], capture_output=True, text=True, check=True)
    assert Declarations.from_json(out.stdout) == parse_sample("sm_90")


@pytest.mark.parametrize(
    "args, needle",
    [
        (["missing.cuh", "--arch", "sm_90"], "missing.cuh"),
        ([data("defines.cuh"), "--arch", "sm_1"], "sm_1"),
        ([data("bad.cu"), "--arch", "sm_90"], "bad.cu:2:"),
        ([data("defines.cuh")], "--arch"),
    ],
)
def test_cli_bad_input(args, needle):
    res = subprocess.run(
        [sys.executable, "-m", "ast_canopy", *args], capture_output=True, text=True
    )
    assert res.returncode == 2
    assert needle in res.stderr and "Traceback" not in res.stderr


def _parse_fresh(path):
    return ast_canopy.parse_declarations_from_source(path, [path], "sm_90")


def test_prefix_pch_gives_identical_results(tmp_path, monkeypatch):
    path = data("sample.cuh")
    monkeypatch.setenv("AST_CANOPY_NO_PCH", "1")
    plain = _parse_fresh(path)
    monkeypatch.delenv("AST_CANOPY_NO_PCH")
    monkeypatch.setenv("AST_CANOPY_CACHE_DIR", str(tmp_path))
    with_pch = _parse_fresh(path)
    pchs = list((tmp_path / "pch").glob("*.pch"))
    assert len(pchs) == 1
    assert with_pch == plain and with_pch.to_json() == plain.to_json()
    assert _parse_fresh(path) == plain  # second run loads the cached PCH


def test_broken_pch_falls_back_and_is_replaced(tmp_path, monkeypatch):
    path = data("sample.cuh")
    monkeypatch.setenv("AST_CANOPY_CACHE_DIR", str(tmp_path))
    first = _parse_fresh(path)
    (pch,) = (tmp_path / "pch").glob("*.pch")
    pch.write_bytes(b"not a precompiled header")
    assert _parse_fresh(path) == first
    assert not pch.exists() or pch.read_bytes() != b"not a precompiled header"
    assert _parse_fresh(path) == first


def test_versions():
    assert ast_canopy.clang_version().startswith("clang version 22")
    major, minor = ast_canopy.cuda_version().split(".")
    assert int(major) >= 12 and minor.isdigit()


def test_cli_defines_and_includes(tmp_path):
    src = tmp_path / "use.cu"
    src.write_text('#include "defines.cuh"\n__device__ int here();\n')
    flags = ["-I", DATA, "-D", "WITH_EXTRA", "-D", "VALUE=3", "--retain", data("defines.cuh")]
    res = subprocess.run(
        [sys.executable, "-m", "ast_canopy", str(src), "--arch", "sm_80", *flags, "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    names = [f.name for f in Declarations.from_json(res.stdout).functions]
    assert names == ["extra_fn", "value_is_three"]


def test_wheel_layout_and_missing_curand(tmp_path):
    """A toolkit root without bin/ (the pip wheels) and no curand headers still parse."""
    from ast_canopy import _clang, support
    from ast_canopy.cuda_paths import CudaPaths, find_cuda_paths

    real = find_cuda_paths()
    main = os.path.join(real.toolkit_root, "include")
    if os.path.isfile(os.path.join(main, "curand_kernel.h")):
        pytest.skip("the toolkit include dir has curand: no stub needed")
    wheel = tmp_path / "wheel"  # a toolkit root without bin/, as crt headers from a wheel
    wheel.mkdir()
    (wheel / "include").symlink_to(main)
    paths = CudaPaths(str(wheel), (main, os.path.join(main, "cccl")), False)
    src = data("defines.cuh")
    with support.support_dir(paths, None) as (root, dirs, stub):
        assert os.path.isdir(os.path.join(root, "bin"))
        assert os.path.isfile(os.path.join(stub, "curand_mtgp32_kernel.h"))
        args = _clang.build_args("sm_90", root, dirs, "gnu++17", (), ("WITH_EXTRA",), stub)
        tu = _clang.parse(src, args)
        assert [d for d in _clang.diagnostics(tu) if d.severity != "warning"] == []
        assert "-idirafter" in args
    assert not os.path.exists(root)  # temp dir removed


def test_pch_cache_is_bounded(tmp_path):
    from ast_canopy import _cache

    for i in range(5):
        (tmp_path / f"{i}.pch").write_bytes(b"x")
        os.utime(tmp_path / f"{i}.pch", (i, i))
    (tmp_path / "prefix.cu").write_text("")
    _cache._prune(str(tmp_path), keep=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["3.pch", "4.pch", "prefix.cu"]


def test_dependencies_are_records_of_other_files_that_kept_declarations_use(tmp_path):
    (tmp_path / "other.cuh").write_text(
        "#pragma once\n"
        "namespace lib { struct Inner { short s; }; }\n"
        "struct Pair { lib::Inner a; float b;\n"
        "  __device__ Pair() : b(0) {}\n"
        "  __device__ explicit Pair(float v) : b(v) {}\n"
        "  __device__ float twice() const { return 2 * b; } };\n"
        "struct Unused { int u; };\n"
    )
    api = tmp_path / "api.cuh"
    api.write_text('#include "other.cuh"\n__device__ float first(const Pair& p) { return p.b; }\n')
    decls = ast_canopy.parse_declarations_from_source(api, [api], "sm_90")
    assert decls.structs == ()
    by_name = {s.qualified_name: s for s in decls.dependencies}
    assert sorted(by_name) == ["Pair", "lib::Inner"]  # through a field too; Unused is not used
    pair = by_name["Pair"]
    assert (pair.size, pair.align) == (8, 4)
    assert [(f.name, f.offset_bits) for f in pair.fields] == [("a", 0), ("b", 32)]
    assert [m.function.name for m in pair.methods] == ["Pair", "Pair"]  # constructors only
    assert by_name["lib::Inner"].namespace == ("lib",)
    assert Declarations.from_json(decls.to_json()) == decls


def test_enumerators_of_an_unsigned_enum_spelled_through_a_typedef_keep_their_value(tmp_path):
    """cindex reads ``enum E : uint16_t { b = 40000 }`` as -25536 (it decides signedness from
    the typedef's own kind); the canonical underlying type decides."""
    header = tmp_path / "uenum.cuh"
    header.write_text(
        "typedef unsigned short u16; typedef unsigned long long u64; typedef signed char s8;\n"
        "enum A : u16 { a = 40000 };\nenum class B : u64 { b = 18446744073709551615ull };\n"
        "enum C : s8 { c = -128 };\n"
    )
    decls = ast_canopy.parse(header, [header], "sm_90")
    values = {e.name: [m.value for m in e.enumerators] for e in decls.enums}
    assert values == {"A": [40000], "B": [2**64 - 1], "C": [-128]}


def test_public_bases_partial_specialisations_and_forward_class_templates(tmp_path):
    path = tmp_path / "bases.cuh"
    path.write_text(
        "namespace ns {\n"
        "template <unsigned S, class P> class tile;\n"  # a forward declaration: not extracted
        "template <unsigned S> struct base { __device__ int m() const; };\n"
        "struct hidden { __device__ void h(); };\n"
        "namespace d {\n"
        "template <unsigned S, class P, bool B> class impl;\n"
        "template <unsigned S, class P> class impl<S, P, false> : public base<S> {};\n"
        "}\n"
        "template <unsigned S, class P> class tile : public d::impl<S, P, (S > 32)>,\n"
        "                                            private hidden {};\n"
        "struct plain : hidden {};\n"  # a struct's bases are public by default
        "}\n"
    )
    decls = ast_canopy.parse_declarations_from_source(path, [path], "sm_90")
    templates = {t.record.qualified_name: t.record for t in decls.class_templates}
    assert [t.record.name for t in decls.class_templates].count("tile") == 1
    assert templates["ns::tile"].bases == ("ns::d::impl",)  # the private base is left out
    [partial] = decls.class_template_specializations
    assert (partial.template_name, partial.template_args) == ("ns::d::impl", ("S", "P", "false"))
    assert partial.record.bases == ("ns::base",)
    assert {s.name: s.bases for s in decls.structs}["plain"] == ("ns::hidden",)
