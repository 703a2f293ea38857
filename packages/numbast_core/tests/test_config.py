"""Tests of numbast_core.config: the config contract of issue 4."""

from __future__ import annotations

import dataclasses
import os
import pickle
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numbast_core import config as config_mod
from numbast_core._schema import schema_path
from numbast_core.config import (
    Config,
    ConfigError,
    Exclude,
    FrozenMap,
    Intent,
    ModuleCallbacks,
    PrefixRemoval,
    TemplateInstance,
    load_config,
)

DATA = Path(__file__).parent / "data"
FULL = DATA / "full_config.yml"
MINIMAL = {"Entry Point": "demo.cuh", "GPU Arch": ["sm_80"], "File List": ["demo.cuh"]}


def from_dict(**overrides) -> Config:
    mapping = {**MINIMAL, **overrides}
    return Config.from_dict({k: v for k, v in mapping.items() if v is not ...}, DATA)


def problems_of(**overrides) -> tuple[str, ...]:
    with pytest.raises(ConfigError) as info:
        from_dict(**overrides)
    return info.value.problems


def load_text(tmp_path: Path, text: str) -> Config:
    path = tmp_path / "config.yml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return load_config(path)


def load_error(tmp_path: Path, text: str | bytes) -> ConfigError:
    path = tmp_path / "config.yml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    return info.value


@pytest.fixture
def fake_cuda(tmp_path, monkeypatch):
    """A fake CUDA include dir with cuda_fp8.h, cuda_fp8.hpp and a nested header."""
    from ast_canopy import cuda_paths

    inc = tmp_path / "cuda" / "include"
    (inc / "crt").mkdir(parents=True)
    for name in ("cuda_fp8.h", "cuda_fp8.hpp", "crt/host_defines.h", "cuda_runtime.h"):
        (inc / name).write_text("// fake\n")
    paths = cuda_paths.CudaPaths(str(inc.parent), (str(inc),), False)
    monkeypatch.setattr(cuda_paths, "find_cuda_paths", lambda *a, **k: paths)
    return inc


# ---------------------------------------------------------------------------------------------
# The full example config: every key, normalised
# ---------------------------------------------------------------------------------------------


def test_full_config_loads_with_every_key_normalised():
    cfg = load_config(FULL)
    demo = os.path.realpath(DATA / "demo.cuh")
    detail = os.path.realpath(DATA / "include" / "demo_detail.cuh")
    assert cfg.config_path == str(FULL)
    assert cfg.entry_point == demo
    assert cfg.entry_point_include == "demo.cuh"  # Shim Include Override wins
    assert cfg.file_list == (demo, detail)
    assert cfg.gpu_arch == ("sm_90a",)
    assert cfg.backend == "numba-cuda"
    assert cfg.arch == "sm_90a"
    assert cfg.name == "Demo bindings"
    assert cfg.version == "0.3.1"
    assert cfg.types == {"demo_pair": "Type", "demo_half": "Number"}
    assert cfg.data_models == {"demo_pair": "StructModel", "demo_half": "PrimitiveModel"}
    assert cfg.exclude == Exclude(functions=("demo_detail_version",), structs=("demo_internal",))
    assert cfg.clang_include_paths == (os.path.realpath(DATA / "include"),)
    assert cfg.additional_imports == (
        "from numba import types",
        "import numpy",
        "import math, os.path as osp",
    )
    assert cfg.shim_include_override == "demo.cuh"
    assert cfg.predefined_macros == (
        ("DEMO_NO_ASSERT", None),
        ("DEMO_LEVEL", "2"),
        ("DEMO_EMPTY", ""),
    )
    assert cfg.output_name == "demo_bindings.py"
    assert cfg.cooperative_regexes == ("^demo_grid_", "sync$")
    assert cfg.prefix_removal == PrefixRemoval(
        functions=("demo_",), structs=("demo_", "__demo_"), enums=("demo_",)
    )
    assert cfg.module_callbacks == ModuleCallbacks(
        setup="lambda mod: None", teardown="math.isfinite"
    )
    assert cfg.skip_prefix == "__internal_"
    assert cfg.use_separate_registry is True
    assert cfg.function_argument_intents == {
        "demo_divmod": {"quotient": Intent.OUT_RETURN, 3: Intent.OUT_RETURN},
        "demo_pair.demo_split": {"lo_out": Intent.OUT_PTR, 1: Intent.INOUT_PTR},
    }
    assert cfg.template_instances == (
        TemplateInstance("demo_twice", ("float",)),
        TemplateInstance("demo_scale", ("double",), (("N", "4"), ("Exact", "true"))),
    )
    assert cfg.warnings == ()


def test_template_instances_are_validated_with_key_paths(tmp_path):
    cases = [
        ("[{Arguments: [float]}]", "Template Instances[0]"),
        ("[{Function: f, Arguments: float}]", "Template Instances[0].Arguments"),
        ("[{Function: f, Template Arguments: {T: [int]}}]",
         "Template Instances[0].Template Arguments.T"),
        ("[{Function: f, Typo: 1}]", "Template Instances[0]"),
    ]  # fmt: skip
    for value, where in cases:
        config = tmp_path / "c.yml"
        config.write_text(FULL.read_text().split("Template Instances:")[0].replace(
            "# Upstream", "# (cut)") + f"Template Instances: {value}\n")  # fmt: skip
        with pytest.raises(ConfigError) as caught:
            load_config(config)
        assert where in str(caught.value), (value, str(caught.value))


def test_full_config_covers_every_schema_key():
    schema = yaml.safe_load(schema_path().read_text())
    data = yaml.safe_load(FULL.read_text())
    assert set(data) == set(schema["properties"])


def test_config_is_frozen_and_hashable():
    cfg = load_config(FULL)
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.name = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        cfg.types["x"] = "Number"  # type: ignore[index]
    with pytest.raises(AttributeError):
        cfg.types._data = {}  # type: ignore[misc]
    assert hash(cfg) == hash(load_config(FULL))
    assert cfg == load_config(FULL)
    assert {cfg: 1}[load_config(FULL)] == 1


def test_minimal_config_defaults():
    cfg = from_dict()
    assert cfg.name is None and cfg.version is None
    assert cfg.types == {} and isinstance(cfg.types, FrozenMap)
    assert cfg.data_models == {}
    assert cfg.exclude == Exclude((), (), ())
    assert cfg.clang_include_paths == ()
    assert cfg.additional_imports == ()
    assert cfg.shim_include_override is None
    assert cfg.predefined_macros == ()
    assert cfg.output_name == "demo.py"
    assert cfg.cooperative_regexes == ()
    assert cfg.prefix_removal == PrefixRemoval((), (), ())
    assert cfg.module_callbacks == ModuleCallbacks(None, None)
    assert cfg.skip_prefix is None
    assert cfg.use_separate_registry is False
    assert cfg.function_argument_intents == {}
    assert cfg.config_path is None
    assert cfg.warnings == ()
    # A header outside any CUDA include dir is included by its absolute path.
    assert cfg.entry_point_include == cfg.entry_point == os.path.realpath(DATA / "demo.cuh")


def test_explicit_nulls_mean_defaults():
    cfg = from_dict(
        **{
            "Name": None,
            "Version": None,
            "Shim Include Override": None,
            "Output Name": None,
            "Skip Prefix": None,
            "Module Callbacks": {"setup": None, "teardown": None},
        }
    )
    assert cfg.output_name == "demo.py"
    assert cfg.module_callbacks == ModuleCallbacks()


# ---------------------------------------------------------------------------------------------
# Paths and includes
# ---------------------------------------------------------------------------------------------


def test_relative_paths_resolve_against_the_config_directory(tmp_path, monkeypatch):
    (tmp_path / "cfg" / "hdr").mkdir(parents=True)
    (tmp_path / "cfg" / "hdr" / "a.h").write_text("")
    (tmp_path / "cfg" / "config.yml").write_text(
        "Entry Point: hdr/a.h\nGPU Arch: [sm_80]\nFile List: [./hdr/../hdr/a.h]\n"
        "Clang Include Paths: [hdr]\n"
    )
    monkeypatch.chdir(tmp_path)  # not the config's directory
    cfg = load_config("cfg/config.yml")
    header = os.path.realpath(tmp_path / "cfg" / "hdr" / "a.h")
    assert cfg.entry_point == header
    assert cfg.file_list == (header,)
    assert cfg.clang_include_paths == (os.path.realpath(tmp_path / "cfg" / "hdr"),)
    assert cfg.config_path == str(tmp_path / "cfg" / "config.yml")


def test_absolute_paths_are_kept(tmp_path):
    header = tmp_path / "b.h"
    header.write_text("")
    cfg = from_dict(**{"Entry Point": str(header), "File List": [str(header)]})
    assert cfg.entry_point == os.path.realpath(header)


def test_file_list_deduplicates_keeping_order():
    cfg = from_dict(**{"File List": ["demo.cuh", "include/demo_detail.cuh", "./demo.cuh"]})
    assert [os.path.basename(f) for f in cfg.file_list] == ["demo.cuh", "demo_detail.cuh"]


def test_angle_brackets_search_cuda_include_dirs(fake_cuda):
    cfg = from_dict(
        **{"Entry Point": "<cuda_fp8.h>", "File List": ["<cuda_fp8.h>", "<cuda_fp8.hpp>"]}
    )
    assert cfg.entry_point == os.path.realpath(fake_cuda / "cuda_fp8.h")
    assert cfg.entry_point_include == "cuda_fp8.h"
    assert cfg.file_list == (
        os.path.realpath(fake_cuda / "cuda_fp8.h"),
        os.path.realpath(fake_cuda / "cuda_fp8.hpp"),
    )
    assert cfg.output_name == "cuda_fp8.py"


def test_angle_brackets_prefer_clang_include_paths(tmp_path, fake_cuda):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "cuda_fp8.h").write_text("")
    cfg = from_dict(
        **{
            "Entry Point": "<cuda_fp8.h>",
            "File List": ["<cuda_fp8.h>"],
            "Clang Include Paths": [str(mine)],
        }
    )
    assert cfg.entry_point == os.path.realpath(mine / "cuda_fp8.h")
    assert cfg.entry_point_include == "cuda_fp8.h"


def test_header_under_cuda_dir_is_included_relative_to_it(fake_cuda):
    header = str(fake_cuda / "crt" / "host_defines.h")
    cfg = from_dict(**{"Entry Point": header, "File List": [header]})
    assert cfg.entry_point_include == "crt/host_defines.h"
    assert cfg.output_name == "host_defines.py"


def test_angle_bracket_subpath_and_shim_override(fake_cuda):
    cfg = from_dict(
        **{"Entry Point": "<crt/host_defines.h>", "File List": ["<crt/host_defines.h>"]}
    )
    assert cfg.entry_point_include == "crt/host_defines.h"
    cfg = from_dict(
        **{
            "Entry Point": "<crt/host_defines.h>",
            "File List": ["<crt/host_defines.h>"],
            "Shim Include Override": "cuda_runtime.h",
        }
    )
    assert cfg.entry_point_include == "cuda_runtime.h"
    assert cfg.shim_include_override == "cuda_runtime.h"


def test_angle_bracket_not_found_names_the_search(fake_cuda):
    (p,) = problems_of(**{"File List": ["<cuda_fp9.h>"]})
    assert p.startswith("File List[0]: <cuda_fp9.h> not found in Clang Include Paths or the CUDA")
    assert str(fake_cuda) in p


def test_no_cuda_found_is_a_config_error_not_a_crash(monkeypatch):
    from ast_canopy import cuda_paths

    def missing(*a, **k):
        raise FileNotFoundError(
            "no CUDA toolkit with crt/ headers found: pip install nvidia-cuda-crt"
        )

    monkeypatch.setattr(cuda_paths, "find_cuda_paths", missing)
    (p,) = problems_of(**{"File List": ["<cuda_fp8.h>"]})
    # the reason the CUDA dirs are missing reaches the user (here: a wheel to install)
    assert (
        "no directories: no CUDA toolkit with crt/ headers found: pip install nvidia-cuda-crt" in p
    )
    assert from_dict().entry_point.endswith("demo.cuh")


def test_entry_point_not_in_file_list_warns():
    cfg = from_dict(**{"File List": ["include/demo_detail.cuh"]})
    assert cfg.warnings == (
        "File List: does not contain the Entry Point, so declarations made in the Entry Point "
        "itself are not bound",
    )


def test_every_missing_file_is_reported(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a relative path is looked for next to the config, then here
    problems = problems_of(
        **{
            "Entry Point": "nope.h",
            "File List": ["demo.cuh", "missing1.h", "include", "missing2.h"],
            "Clang Include Paths": ["no_such_dir", "demo.cuh"],
        }
    )
    cwd = tmp_path
    assert problems == (
        f"Clang Include Paths[0]: 'no_such_dir' not found (looked for {DATA / 'no_such_dir'} "
        f"and {cwd / 'no_such_dir'})",
        f"Clang Include Paths[1]: 'demo.cuh' is not a directory (looked for {DATA / 'demo.cuh'})",
        f"Entry Point: 'nope.h' not found (looked for {DATA / 'nope.h'} and {cwd / 'nope.h'})",
        f"File List[1]: 'missing1.h' not found (looked for {DATA / 'missing1.h'} and "
        f"{cwd / 'missing1.h'})",
        f"File List[2]: 'include' is not a file (looked for {DATA / 'include'})",
        f"File List[3]: 'missing2.h' not found (looked for {DATA / 'missing2.h'} and "
        f"{cwd / 'missing2.h'})",
    )


# ---------------------------------------------------------------------------------------------
# Per-key normalisation
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("demo.cuh", "demo.py"),
        ("include/demo_detail.cuh", "demo_detail.py"),
    ],
)
def test_output_name_default(entry, expected):
    assert from_dict(**{"Entry Point": entry}).output_name == expected


def test_output_name_default_is_importable(tmp_path):
    for name, expected in [
        ("my-lib.v2.h", "my_lib_v2.py"),
        ("2d.h", "_2d.py"),
        ("class.h", "_class.py"),
    ]:
        (tmp_path / name).write_text("")
        cfg = from_dict(**{"Entry Point": str(tmp_path / name), "File List": ["demo.cuh"]})
        assert cfg.output_name == expected


def test_gpu_arch_and_with_arch():
    cfg = from_dict(**{"GPU Arch": ["sm_100a"]})
    assert cfg.gpu_arch == ("sm_100a",)
    other = cfg.with_arch("sm_80")
    assert other.gpu_arch == ("sm_80",) and cfg.gpu_arch == ("sm_100a",)
    assert dataclasses.replace(other, gpu_arch=cfg.gpu_arch) == cfg
    with pytest.raises(ConfigError) as info:
        cfg.with_arch("sm80")
    assert info.value.problems == ("GPU Arch[0]: 'sm80' does not match '^sm_[0-9]+a?$'",)


def test_prefix_removal_string_or_list():
    cfg = from_dict(**{"API Prefix Removal": {"Function": "__nv_", "Enum": ["a_", "b_"]}})
    assert cfg.prefix_removal == PrefixRemoval(functions=("__nv_",), enums=("a_", "b_"))


def test_exclude_partial():
    cfg = from_dict(**{"Exclude": {"Struct": ["S"]}})
    assert cfg.exclude == Exclude(structs=("S",))


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("numpy", "import numpy"),
        ("numba.cuda", "import numba.cuda"),
        ("  from   numba import  types  ", "from numba import types"),
        ("import a.b as c", "import a.b as c"),
        ("from . import sibling", "from . import sibling"),
        ("from x import (a,\n b)", "from x import a, b"),
    ],
)
def test_additional_import_normalised(given, expected):
    assert from_dict(**{"Additional Import": [given]}).additional_imports == (expected,)


def test_additional_import_multiple_statements_and_duplicates():
    cfg = from_dict(**{"Additional Import": ["import a; import b", "a", "import b"]})
    assert cfg.additional_imports == ("import a", "import b")


def test_predefined_macros():
    cfg = from_dict(**{"Predefined Macros": ["A", "B=1", "C=", "D=x=y", "_E=a b"]})
    assert cfg.predefined_macros == (
        ("A", None),
        ("B", "1"),
        ("C", ""),
        ("D", "x=y"),
        ("_E", "a b"),
    )


def test_module_callbacks_one_side():
    cfg = from_dict(**{"Module Callbacks": {"teardown": " my.mod.fini "}})
    assert cfg.module_callbacks == ModuleCallbacks(setup=None, teardown="my.mod.fini")


def test_intents_all_forms():
    cfg = from_dict(
        **{
            "Function Argument Intents": {
                "f": {"a": "in", "b": {"intent": "inout_ptr"}, 2: "out_ptr", "3": "out_return"},
                "S.m": {0: {"intent": "out_return"}},
            }
        }
    )
    intents = cfg.function_argument_intents
    assert isinstance(intents, FrozenMap) and isinstance(intents["f"], FrozenMap)
    assert dict(intents["f"]) == {
        "a": Intent.IN,
        "b": Intent.INOUT_PTR,
        2: Intent.OUT_PTR,
        3: Intent.OUT_RETURN,
    }
    assert dict(intents["S.m"]) == {0: Intent.OUT_RETURN}
    assert [i.value for i in Intent] == ["in", "inout_ptr", "out_ptr", "out_return"]


def test_intents_index_given_twice():
    problems = problems_of(**{"Function Argument Intents": {"f": {0: "in", "00": "out_ptr"}}})
    assert problems == ("Function Argument Intents.f.00: parameter given twice",)


def test_types_and_data_models_accept_numba_names():
    cfg = from_dict(
        **{
            "Types": {"A": "Number", "B": "Integer", "C": "Type"},
            "Data Models": {"A": "PrimitiveModel", "B": "StructModel"},
        }
    )
    assert dict(cfg.types) == {"A": "Number", "B": "Integer", "C": "Type"}
    assert dict(cfg.data_models) == {"A": "PrimitiveModel", "B": "StructModel"}


def test_unknown_top_level_key_warns_with_suggestion():
    cfg = from_dict(**{"GPU Archs": ["sm_80"], "entry point": "x", "Totally New Key": 1})
    assert cfg.warnings == (
        "GPU Archs: unknown key, ignored; did you mean 'GPU Arch'?",
        "entry point: unknown key, ignored; did you mean 'Entry Point'?",
        "Totally New Key: unknown key, ignored",
    )


def test_yaml_anchors_and_merge_keys_are_fine(tmp_path):
    cfg = load_text(
        tmp_path,
        f"""\
        base: &base
          Entry Point: {DATA / "demo.cuh"}
          GPU Arch: [sm_80]
        <<: *base
        File List: [{DATA / "demo.cuh"}]
        GPU Arch: [sm_90]
        """,
    )
    assert cfg.gpu_arch == ("sm_90",)
    assert cfg.warnings == ("base: unknown key, ignored",)


# ---------------------------------------------------------------------------------------------
# YAML-level errors
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "\n", "# only a comment\n", "---\n", "null\n"])
def test_empty_file(tmp_path, text):
    err = load_error(tmp_path, text)
    assert err.problems == (
        "<config>: the config is empty; it must be a mapping with at least 'Entry Point', "
        "'GPU Arch' and 'File List'",
    )


@pytest.mark.parametrize(
    ("text", "kind"),
    [("- a\n- b\n", "a list"), ("just a string\n", "a string"), ("42\n", "a int value")],
)
def test_top_level_not_a_mapping(tmp_path, text, kind):
    err = load_error(tmp_path, text)
    assert err.problems == (
        f"<config>: the top level must be a mapping of keys to values, not {kind}",
    )


def test_tabs(tmp_path):
    err = load_error(tmp_path, "Entry Point: a.h\nFile List:\n\t- a.h\n")
    (p,) = err.problems
    assert p.endswith("config.yml:3:1: tab character in indentation; YAML allows only spaces")


def test_duplicate_keys_all_reported_with_lines(tmp_path):
    err = load_error(
        tmp_path,
        """\
        Entry Point: a.h
        GPU Arch: [sm_80]
        Entry Point: b.h
        Exclude:
          Function: []
          Function: [x]
        """,
    )
    path = tmp_path / "config.yml"
    assert err.problems == (
        f"{path}:3:1: duplicate key 'Entry Point' (first given at line 1)",
        f"{path}:6:3: duplicate key 'Function' (first given at line 5)",
    )
    assert err.source == str(path)


def test_python_tags_refused(tmp_path):
    err = load_error(tmp_path, "Entry Point: !!python/object/apply:os.system [echo hi]\n")
    (p,) = err.problems
    assert p.endswith(
        ":1:14: the YAML tag '!!python/object/apply:os.system' is refused: configs are read "
        "with YAML safe_load, which never creates Python objects"
    )
    err = load_error(tmp_path, "x: !!python/name:os.system\n")
    assert "'!!python/name:os.system' is refused" in err.problems[0]


def test_unknown_tag(tmp_path):
    err = load_error(tmp_path, "x: !custom 3\n")
    assert err.problems[0].endswith(":1:4: unknown YAML tag '!custom'")


def test_yaml_syntax_error(tmp_path):
    err = load_error(tmp_path, "Entry Point: [a.h\nGPU Arch: x\n")
    (p,) = err.problems
    assert "config.yml:" in p and "invalid YAML" in p


def test_unhashable_key(tmp_path):
    err = load_error(tmp_path, "? [a, b]\n: 1\n")
    assert "a mapping key must be a plain value" in err.problems[0]


def test_recursive_alias(tmp_path):
    err = load_error(tmp_path, "Entry Point: a\nx: &a [*a]\n")
    assert err.problems == ("x[0]: a YAML alias refers to itself",)


def test_alias_bomb(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    err = load_error(tmp_path, "\n".join(lines) + "\n")
    assert "config is too large" in err.problems[0]


def test_not_utf8(tmp_path):
    err = load_error(tmp_path, b"Entry Point: \xff\xfe\n")
    assert "not UTF-8 text" in err.problems[0]


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "nope.yml")
    assert info.value.problems[0] == (
        f"{tmp_path / 'nope.yml'}: cannot read config: No such file or directory"
    )
    with pytest.raises(ConfigError, match="cannot read config"):
        load_config(tmp_path)


def test_non_string_keys(tmp_path):
    err = load_error(tmp_path, "Entry Point: a\ntrue: 1\n1.5: 2\n")
    assert "<config>: key True is not a string (quote it in the YAML)" in err.problems
    assert "<config>: key 1.5 is not a string (quote it in the YAML)" in err.problems


# ---------------------------------------------------------------------------------------------
# Schema errors: all collected, each as `<key path>: <problem>`
# ---------------------------------------------------------------------------------------------


def test_gpu_arch_pattern_message_from_the_issue():
    assert problems_of(**{"GPU Arch": ["sm80"]}) == (
        "GPU Arch[0]: 'sm80' does not match '^sm_[0-9]+a?$'",
    )


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"Entry Point": ...}, "Entry Point: required key is missing"),
        ({"GPU Arch": ...}, "GPU Arch: required key is missing"),
        ({"File List": ...}, "File List: required key is missing"),
        ({"GPU Arch": "sm_80"}, "GPU Arch: 'sm_80' is not of type 'array'"),
        ({"GPU Arch": []}, "GPU Arch: [] should be non-empty"),
        ({"GPU Arch": ["sm_80", "sm_80"]}, "GPU Arch: ['sm_80', 'sm_80'] has non-unique elements"),
        ({"File List": []}, "File List: [] should be non-empty"),
        ({"Entry Point": 3}, "Entry Point: 3 is not of type 'string'"),
        ({"Entry Point": ""}, "Entry Point: '' should be non-empty"),
        ({"Version": True}, "Version: True is not of type 'string', 'number', 'null'"),
        ({"Types": {"A": 3}}, "Types.A: 3 is not of type 'string'"),
        ({"Types": ["A"]}, "Types: ['A'] is not of type 'object'"),
        ({"Data Models": {"A": "numba.Struct"}}, "Data Models.A: 'numba.Struct' does not match"),
        (
            {"Exclude": {"Functions": ["f"]}},
            "Exclude.Functions: unknown key; did you mean 'Function'? "
            "(allowed: 'Function', 'Struct', 'Enum')",
        ),
        ({"Exclude": {"Function": "f"}}, "Exclude.Function: 'f' is not of type 'array'"),
        ({"Clang Include Paths": "inc"}, "Clang Include Paths: 'inc' is not of type 'array'"),
        ({"Additional Import": [1]}, "Additional Import[0]: 1 is not of type 'string'"),
        ({"Shim Include Override": ""}, "Shim Include Override: '' should be non-empty"),
        (
            {"Predefined Macros": ["1X"]},
            "Predefined Macros[0]: '1X' does not match '^[A-Za-z_][A-Za-z0-9_]*(=.*)?$'",
        ),
        ({"Predefined Macros": ["A B"]}, "Predefined Macros[0]: 'A B' does not match"),
        ({"Output Name": "a-b.py"}, "Output Name: 'a-b.py' does not match"),
        ({"Output Name": "out.txt"}, "Output Name: 'out.txt' does not match"),
        ({"Output Name": "dir/out.py"}, "Output Name: 'dir/out.py' does not match"),
        (
            {"Cooperative Launch Required Functions Regex": "x"},
            "Cooperative Launch Required Functions Regex: 'x' is not of type 'array'",
        ),
        (
            {"API Prefix Removal": {"Function": 5}},
            "API Prefix Removal.Function: 5 is not a prefix string or a list of prefix strings",
        ),
        (
            {"API Prefix Removal": {"Struct": ["a", 1]}},
            "API Prefix Removal.Struct[1]: 1 is not of type 'string'",
        ),
        (
            {"API Prefix Removal": {"Func": "a"}},
            "API Prefix Removal.Func: unknown key; did you mean 'Function'?",
        ),
        (
            {"Module Callbacks": {"init": "f"}},
            "Module Callbacks.init: unknown key (allowed: 'setup', 'teardown')",
        ),
        ({"Module Callbacks": {"setup": 1}}, "Module Callbacks.setup: 1 is not of type"),
        ({"Skip Prefix": ""}, "Skip Prefix: '' should be non-empty"),
        ({"Use Separate Registry": "yes"}, "Use Separate Registry: 'yes' is not of type 'boolean'"),
        (
            {"Function Argument Intents": {"f": {"x": "out"}}},
            "Function Argument Intents.f.x: 'out' is not an intent name or a mapping "
            "`{intent: ...}`",
        ),
        (
            {"Function Argument Intents": {"f": {"x": {"intent": "OUT_PTR"}}}},
            "Function Argument Intents.f.x.intent: 'OUT_PTR' is not one of "
            "['in', 'inout_ptr', 'out_ptr', 'out_return']",
        ),
        (
            {"Function Argument Intents": {"f": {"a b": "in"}}},
            "Function Argument Intents.f: key 'a b' does not match",
        ),
        (
            {"Function Argument Intents": {"f": ["in"]}},
            "Function Argument Intents.f: ['in'] is not of type 'object'",
        ),
    ],
)
def test_schema_errors(overrides, expected):
    problems = problems_of(**overrides)
    assert len(problems) == 1, problems
    assert problems[0].startswith(expected), problems


def test_all_errors_reported_at_once():
    problems = problems_of(
        **{
            "GPU Arch": ["sm80"],
            "File List": ["demo.cuh", "missing.h"],
            "Types": {"A": "Numbr"},
            "Exclude": {"Functions": []},
            "Cooperative Launch Required Functions Regex": ["("],
            "Additional Import": ["print(1)"],
            "Module Callbacks": {"setup": "a b"},
        }
    )
    assert len(problems) == 7, problems
    err = ConfigError(problems, "x.yml")
    text = str(err)
    assert text.startswith("7 problems in x.yml:\n  - ")
    for p in problems:
        assert f"  - {p}" in text


# ---------------------------------------------------------------------------------------------
# Semantic errors
# ---------------------------------------------------------------------------------------------


def test_regex_must_compile():
    problems = problems_of(**{"Cooperative Launch Required Functions Regex": ["ok", "(", "a**"]})
    assert problems == (
        "Cooperative Launch Required Functions Regex[1]: '(' is not a valid regular expression: "
        "missing ), unterminated subpattern at position 0",
        "Cooperative Launch Required Functions Regex[2]: 'a**' is not a valid regular "
        "expression: multiple repeat at position 2",
    )


@pytest.mark.parametrize(
    ("given", "why"),
    [
        ("print(1)", "only 'import ...' and 'from ... import ...' are allowed"),
        ("import os; os.system('x')", "only 'import ...' and 'from ... import ...' are allowed"),
        ("x = 1", "only 'import ...' and 'from ... import ...' are allowed"),
        ("import", "(invalid syntax)"),
        ("from x import", "(invalid syntax)"),
        ("numba.", "(invalid syntax)"),
        ("class", "(invalid syntax)"),
        ("a\0b", "source code string cannot contain null bytes"),
    ],
)
def test_additional_import_must_be_import_statements(given, why):
    (p,) = problems_of(**{"Additional Import": [given]})
    assert p.startswith(f"Additional Import[0]: {given!r} is not a Python import statement")
    assert why in p


@pytest.mark.parametrize("expr", ["a b", "x = 1", "import os", "f("])
def test_module_callbacks_must_be_one_expression(expr):
    (p,) = problems_of(**{"Module Callbacks": {"setup": expr}})
    assert p.startswith(f"Module Callbacks.setup: {expr!r} is not a single Python expression (")


def test_output_name_keyword():
    assert problems_of(**{"Output Name": "class.py"}) == (
        "Output Name: 'class.py' is not importable: 'class' is a Python keyword",
    )


def test_types_and_data_models_must_exist_in_numba():
    assert problems_of(**{"Types": {"A": "Numbr"}, "Data Models": {"A": "Primitive"}}) == (
        "Types.A: 'Numbr' is not a class in numba.cuda.types; did you mean 'Number'?",
        "Data Models.A: 'Primitive' is not a class in numba.cuda.datamodel.models; did you "
        "mean 'PrimitiveModel'?",
    )


def test_config_error_pickles():
    err = ConfigError(("a: b", "c: d"), "x.yml")
    back = pickle.loads(pickle.dumps(err))
    assert back.problems == err.problems and str(back) == str(err)
    assert str(ConfigError(["only: one"])) == "1 problem:\n  - only: one"


# ---------------------------------------------------------------------------------------------
# The schema file itself
# ---------------------------------------------------------------------------------------------


def test_schema_is_valid_and_documented():
    schema = yaml.safe_load(schema_path().read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["additionalProperties"] is True
    assert schema["required"] == ["Entry Point", "GPU Arch", "File List"]
    validator = jsonschema.Draft202012Validator(schema)
    for key, prop in schema["properties"].items():
        assert len(prop.get("description", "")) > 40, key
        assert "type" in prop, key
        assert prop.get("examples"), key
        if key not in schema["required"]:
            assert "default" in prop, key
            assert not list(validator.iter_errors({**MINIMAL, key: prop["default"]})), key
        for example in prop["examples"]:
            assert not list(validator.iter_errors({**MINIMAL, key: example})), (key, example)
        for sub, subprop in prop.get("properties", {}).items():
            assert subprop.get("description"), (key, sub)
            assert "default" in subprop and subprop.get("examples"), (key, sub)
            for example in [subprop["default"], *subprop["examples"]]:
                instance = {**MINIMAL, key: {sub: example}}
                assert not list(validator.iter_errors(instance)), (key, sub, example)
    for example in schema["examples"]:
        assert not list(validator.iter_errors(example))


def test_schema_path_points_at_the_repository_schema():
    path = schema_path()
    assert path.name == "static_binding_generator.schema.yaml"
    assert path.is_file()


# ---------------------------------------------------------------------------------------------
# Numba names and imports
# ---------------------------------------------------------------------------------------------


def test_numba_name_lists_match_numba_cuda():
    import inspect

    import numba.cuda.datamodel.models as models
    import numba.cuda.types as types

    def classes(module, base):
        return {
            name
            for name in dir(module)
            if not name.startswith("_")
            and inspect.isclass(getattr(module, name))
            and issubclass(getattr(module, name), base)
            and getattr(module, name).__name__ == name
        }

    assert classes(types, types.Type) == config_mod.NUMBA_TYPE_CLASSES
    assert classes(models, models.DataModel) == config_mod.NUMBA_DATA_MODEL_CLASSES


def test_loading_does_not_import_numba():
    code = (
        "import sys\n"
        "from numbast_core.config import load_config\n"
        f"cfg = load_config({str(FULL)!r})\n"
        "bad = sorted(m for m in sys.modules\n"
        "             if m == 'numba' or m.startswith(('numba.', 'clang')))\n"
        "print(bad)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


# ---------------------------------------------------------------------------------------------
# Property-based: random input only ever raises ConfigError
# ---------------------------------------------------------------------------------------------

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.sampled_from(["sm_80", "sm80", "demo.cuh", "<cuda_fp8.h>", "in", "out_ptr", "(", "a.b"]),
)
_values = st.recursive(
    _scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(st.text(max_size=8), st.integers(0, 5)), children, max_size=4),
    ),
    max_leaves=12,
)
_keys = st.sampled_from([*MINIMAL, *yaml.safe_load(FULL.read_text()), "GPU Archs", "Unknown"])
_FULL_DATA = yaml.safe_load(FULL.read_text())


def _check(call):
    try:
        cfg = call()
    except ConfigError as e:
        assert e.problems and all(isinstance(p, str) and p for p in e.problems)
    else:
        assert isinstance(cfg, Config)
        hash(cfg)


def _mutate(base, changes, drop):
    mapping = {k: v for k, v in {**base, **changes}.items() if k not in drop}
    _check(lambda: Config.from_dict(mapping, DATA))


_changes = st.dictionaries(_keys, _values, max_size=4)
_drops = st.sets(_keys, max_size=3)


def _fuzz(max_examples: int, check, **strategies):
    """``check`` as a property test of ``max_examples`` examples drawn from ``strategies``. Each
    property runs twice: a quarter of its examples in the default tier, all in the slow tier."""
    fuzz = settings(
        max_examples=max_examples, deadline=None, suppress_health_check=list(HealthCheck)
    )
    return fuzz(given(**strategies)(check))


def _mutated_minimal(changes, drop):
    _mutate(MINIMAL, changes, drop)


def _mutated_full(changes, drop):
    _mutate(_FULL_DATA, changes, drop)


test_mutated_minimal_configs_raise_only_config_error = _fuzz(
    150, _mutated_minimal, changes=_changes, drop=_drops
)
test_mutated_minimal_configs_raise_only_config_error_600 = pytest.mark.slow(
    _fuzz(600, _mutated_minimal, changes=_changes, drop=_drops)
)
test_mutated_full_configs_raise_only_config_error = _fuzz(
    150, _mutated_full, changes=_changes, drop=_drops
)
test_mutated_full_configs_raise_only_config_error_600 = pytest.mark.slow(
    _fuzz(600, _mutated_full, changes=_changes, drop=_drops)
)


_yaml_fragments = st.sampled_from(
    [
        "Entry Point: demo.cuh\n",
        "GPU Arch: [sm_80]\n",
        "File List: [demo.cuh]\n",
        "Exclude: {Function: [a]}\n",
        "Function Argument Intents: {f: {0: out_ptr}}\n",
        "API Prefix Removal: {Function: __nv_}\n",
        "- a\n",
        "\t",
        "  ",
        "&a [*a]\n",
        "*b\n",
        "!!python/object:os.system\n",
        "!!binary aGk=\n",
        "!!set {a, b}\n",
        "? [a]\n: 1\n",
        "<<: {x: 1}\n",
        ": ",
        "{",
        "]",
        "'",
        '"',
        "#",
        "---\n",
        "...\n",
        "%YAML 1.1\n",
        "key: |\n  text\n",
        "2024-01-01",
        "\x00",
        "\ufeff",
        "\n",
    ]
)


_yaml_documents = st.one_of(
    st.lists(_yaml_fragments, max_size=8).map("".join),
    st.text(max_size=60),
    _values.map(lambda v: yaml.safe_dump(v, allow_unicode=True)),
)


def _random_yaml_document(text):
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "config.yml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        _check(lambda: load_config(path))


test_random_yaml_documents_raise_only_config_error = _fuzz(
    250, _random_yaml_document, text=_yaml_documents
)
test_random_yaml_documents_raise_only_config_error_1000 = pytest.mark.slow(
    _fuzz(1000, _random_yaml_document, text=_yaml_documents)
)
