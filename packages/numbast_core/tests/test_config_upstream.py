"""Configs written for upstream Numbast load unchanged (issue 15): numba-cuda's own configs,
relative paths from the current directory, every Shim Include Override form, null and empty
values that mean "none", upstream-only keys, and the config's Name/Version in the module header."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
from numbast_core import pipeline
from numbast_core.config import Config, ConfigError, Exclude, ModuleCallbacks, load_config
from numbast_core.config import _upstream as upstream
from numbast_core.render.cxx import include_directive


def _directive(cfg: Config) -> str:
    """The line the generated glue includes the Entry Point with."""
    return include_directive(cfg.entry_point_include, cfg.entry_point_include_quoted)


DATA = Path(__file__).parent / "data"
NUMBA_CUDA_CONFIGS = DATA / "numba_cuda"

# The headers each of numba-cuda's configs names, relative to numba-cuda's repository root.
NUMBA_CUDA_HEADERS = {
    "cuda_fp16": ["include/12/cuda_fp16.h"],
    "cuda_bf16": ["include/13/cuda_bf16.h"],
    "cuda_fp8": ["include/13/cuda_fp8.h", "include/13/cuda_fp8.hpp"],
}
HEADER = "Entry Point: a.h\nGPU Arch: [sm_80]\nFile List: [a.h]\n"


def write_config(folder: Path, text: str) -> Path:
    """A config with a header ``a.h`` beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a.h").write_text("// a\n")
    path = folder / "config.yml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def load(tmp_path: Path, extra: str) -> Config:
    return load_config(write_config(tmp_path, HEADER + textwrap.dedent(extra)))


def problems(tmp_path: Path, extra: str) -> tuple[str, ...]:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, extra)
    return info.value.problems


# ---------------------------------------------------------------------------------------------
# numba-cuda's configs, unchanged, from numba-cuda's root as the current directory
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(NUMBA_CUDA_HEADERS))
def test_numba_cuda_configs_load_unchanged(name, tmp_path, monkeypatch):
    root = tmp_path / "site-packages"
    include = root / "numba_cuda" / "numba" / "cuda"
    for header in NUMBA_CUDA_HEADERS[name]:
        (include / header).parent.mkdir(parents=True, exist_ok=True)
        (include / header).write_text("// stand-in\n")
    monkeypatch.chdir(root)

    cfg = load_config(NUMBA_CUDA_CONFIGS / f"{name}.yml")

    headers = tuple(os.path.realpath(include / h) for h in NUMBA_CUDA_HEADERS[name])
    assert cfg.entry_point == headers[0]
    assert cfg.file_list == headers
    assert cfg.entry_point_include == f"{name}.h"
    assert _directive(cfg) == f'#include "{name}.h"'
    assert cfg.use_separate_registry is True
    assert cfg.name.startswith("Numba ") and cfg.version.startswith("0.0.")
    assert cfg.warnings == ()  # Require Pynvjitlink: False is silent
    assert len(cfg.path_resolution) == len(headers) + 1 + len(cfg.clang_include_paths)
    for line in cfg.path_resolution:
        assert line.endswith("relative to the current directory (not found next to the config)")


# ---------------------------------------------------------------------------------------------
# Relative paths: next to the config first, then the current directory
# ---------------------------------------------------------------------------------------------


def test_relative_paths_found_from_the_current_directory(tmp_path, monkeypatch):
    config = write_config(
        tmp_path / "configs",
        "Entry Point: hdr/b.h\nGPU Arch: [sm_80]\nFile List: [./hdr/b.h]\n"
        "Clang Include Paths: [hdr]\n",
    )
    work = tmp_path / "work"
    (work / "hdr").mkdir(parents=True)
    (work / "hdr" / "b.h").write_text("")
    monkeypatch.chdir(work)
    cfg = load_config(config)
    assert cfg.entry_point == os.path.realpath(work / "hdr" / "b.h")
    assert cfg.file_list == (cfg.entry_point,)
    assert cfg.clang_include_paths == (os.path.realpath(work / "hdr"),)
    assert cfg.path_resolution == (
        f"Clang Include Paths[0]: 'hdr' -> {work / 'hdr'}, relative to the current directory "
        "(not found next to the config)",
        f"Entry Point: 'hdr/b.h' -> {work / 'hdr' / 'b.h'}, relative to the current directory "
        "(not found next to the config)",
        f"File List[0]: './hdr/b.h' -> {work / 'hdr' / 'b.h'}, relative to the current "
        "directory (not found next to the config)",
    )


def test_a_path_next_to_the_config_wins_over_the_current_directory(tmp_path, monkeypatch):
    config = write_config(tmp_path / "configs", HEADER)
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "a.h").write_text("// the other a.h\n")
    monkeypatch.chdir(tmp_path / "work")
    cfg = load_config(config)
    assert cfg.entry_point == os.path.realpath(tmp_path / "configs" / "a.h")
    assert cfg.path_resolution[0] == (
        f"Entry Point: 'a.h' -> {tmp_path / 'configs' / 'a.h'}, relative to the config's directory"
    )


def test_absolute_and_angle_bracket_paths_need_no_base(tmp_path):
    (tmp_path / "inc").mkdir()
    (tmp_path / "inc" / "b.h").write_text("")
    header = tmp_path / "abs.h"
    header.write_text("")
    text = (
        f"Entry Point: {header}\nGPU Arch: [sm_80]\nFile List: [{header}, <b.h>]\n"
        f"Clang Include Paths: [{tmp_path / 'inc'}]\n"
    )
    cfg = load_config(write_config(tmp_path / "d", text))
    assert cfg.file_list == (os.path.realpath(header), os.path.realpath(tmp_path / "inc" / "b.h"))
    assert cfg.path_resolution == ()


# ---------------------------------------------------------------------------------------------
# Shim Include Override: every form names a header; nothing else is accepted
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("yaml_value", "directive"),
    [
        ("cufp8.hpp", "#include <cufp8.hpp>"),  # the seed's plain form
        ("crt/host_defines.h", "#include <crt/host_defines.h>"),
        ("<cuda_fp8.h>", "#include <cuda_fp8.h>"),
        ("' <cuda_fp8.h> '", "#include <cuda_fp8.h>"),
        ("'\"x.h\"'", '#include "x.h"'),  # the C quoted form, quotes part of the value
        ('"\\"cuda_bf16.h\\""', '#include "cuda_bf16.h"'),  # upstream's, as numba-cuda writes it
        ('"\\"<cuda_bf16.h>\\""', "#include <cuda_bf16.h>"),  # upstream's literal around <...>
        ("\"'cuda_bf16.h'\"", "#include <cuda_bf16.h>"),  # upstream's single-quoted literal
        ('"\'\\"x.h\\"\'"', '#include "x.h"'),  # a single-quoted literal around "x.h"
    ],
)
def test_shim_include_override_forms(yaml_value, directive, tmp_path):
    cfg = load(tmp_path, f"Shim Include Override: {yaml_value}\n")
    assert _directive(cfg) == directive
    name = directive.split(None, 1)[1][1:-1]
    assert cfg.entry_point_include == cfg.shim_include_override == name


def test_without_override_the_entry_point_is_included_with_angle_brackets(tmp_path):
    cfg = load(tmp_path, "")
    assert _directive(cfg) == f"#include <{cfg.entry_point}>"


@pytest.mark.parametrize(
    "value",
    [
        'os.path.join("a", "b.h")',
        '"x.h" + "y.h"',
        "__import__('pathlib').Path('EVALUATED').touch()",
        "<x.h",
        "x.h>",
        '"x.h',
        "<>",
        '""',
        "a b.h",
        "<x.h>>",
        "x.h\n#define EVIL 1",
        "$(HOME)/x.h",
        "'''x.h'''",
    ],
)
def test_shim_include_override_that_is_no_header_name_is_an_error(value, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    assert problems(tmp_path / "cfg", f'Shim Include Override: "{escaped}"\n') == (
        f"Shim Include Override: {value!r} is not a header name; write it as x.h, <x.h> or "
        '"x.h" (path characters only: it is never evaluated as Python)',
    )
    assert not (tmp_path / "EVALUATED").exists()


def test_quoted_override_reaches_the_glue(tmp_path):
    from ast_canopy.model import Declarations
    from numbast_core import plan, render

    cfg = load(tmp_path, 'Shim Include Override: "\\"cuda_bf16.h\\""\n')
    glue = render.prelude(plan.build(cfg, Declarations()))
    assert glue.splitlines()[0] == '#include "cuda_bf16.h"'
    assert glue == '#include "cuda_bf16.h"\n' + render.cxx.PLACEMENT_NEW


# ---------------------------------------------------------------------------------------------
# Null and empty mean "none"
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("yaml_text", "expected"),
    [
        ("Exclude: {Function: }\n", Exclude()),
        ("Exclude:\n", Exclude()),
        ("Exclude:\n  Function:\n  Struct: [S]\n  Enum:\n", Exclude(structs=("S",))),
    ],
)
def test_null_exclude_excludes_nothing(yaml_text, expected, tmp_path):
    cfg = load(tmp_path, yaml_text)
    assert cfg.exclude == expected
    assert cfg.warnings == ()


@pytest.mark.parametrize(
    "yaml_text",
    [
        'Module Callbacks: {setup: "", teardown: ""}\n',
        "Module Callbacks: {setup: '   ', teardown: }\n",
        "Module Callbacks:\n",
    ],
)
def test_empty_module_callbacks_mean_none(yaml_text, tmp_path):
    cfg = load(tmp_path, yaml_text)
    assert cfg.module_callbacks == ModuleCallbacks(setup=None, teardown=None)


def test_an_empty_callback_beside_a_real_one(tmp_path):
    cfg = load(tmp_path, 'Module Callbacks: {setup: "", teardown: "math.isfinite"}\n')
    assert cfg.module_callbacks == ModuleCallbacks(teardown="math.isfinite")


# ---------------------------------------------------------------------------------------------
# Upstream Numbast's own keys
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("yaml_text", "warnings"),
    [
        ("Require Pynvjitlink: true\n", (upstream.REQUIRE_PYNVJITLINK,)),
        ("Require Pynvjitlink: false\n", ()),
        ("MLIR Backend: true\n", ()),
        ("MLIR Backend: false\n", ()),
        ("MLIR Backend: true\nModule Link Variables Used: [g]\n", None),
        ("Module Link Variables Used: [retained_global]\n", (upstream.MODULE_LINK_VARIABLES_USED,)),
        ("Module Link Variables Used: []\n", ()),
        ("Module Link Variables Used:\n", ()),
    ],
)
def test_upstream_keys_are_recognised(yaml_text, warnings, tmp_path):
    cfg = load(tmp_path, yaml_text)
    if warnings is None:
        warnings = (upstream.MODULE_LINK_VARIABLES_USED,)
    assert cfg.warnings == warnings  # and never "unknown key"
    mlir = "MLIR Backend: true" in yaml_text
    assert cfg.backend == ("numba-cuda-mlir" if mlir else "numba-cuda")


@pytest.mark.parametrize(
    ("yaml_text", "backend"),
    [
        ("", "numba-cuda"),
        ("Backend: numba-cuda\n", "numba-cuda"),
        ("Backend: numba-cuda-mlir\n", "numba-cuda-mlir"),
        ("Backend: numba-cuda-mlir\nMLIR Backend: true\n", "numba-cuda-mlir"),
        ("Backend: numba-cuda\nMLIR Backend: false\n", "numba-cuda"),
        ("MLIR Backend: true\n", "numba-cuda-mlir"),
        ("MLIR Backend:\n", "numba-cuda"),
    ],
)
def test_backend_is_chosen_by_either_key(yaml_text, backend, tmp_path):
    assert load(tmp_path, yaml_text).backend == backend


def test_conflicting_backend_keys_are_a_config_error_naming_both(tmp_path):
    assert problems(tmp_path, "Backend: numba-cuda\nMLIR Backend: true\n") == (
        "Backend: 'numba-cuda' conflicts with MLIR Backend: true (upstream's key for "
        "'numba-cuda-mlir'): give one of them, or make them agree",
    )


def test_an_unknown_backend_is_a_schema_error(tmp_path):
    (problem,) = problems(tmp_path, "Backend: numba\n")
    assert problem.startswith("Backend: 'numba' is not one of ")


def test_upstream_key_warnings_say_what_the_key_did_and_why_not_here():
    assert upstream.REQUIRE_PYNVJITLINK.startswith("Require Pynvjitlink: ")
    assert "pynvjitlink" in upstream.REQUIRE_PYNVJITLINK
    assert "nvJitLink" in upstream.REQUIRE_PYNVJITLINK
    assert upstream.MODULE_LINK_VARIABLES_USED.startswith("Module Link Variables Used: ")
    assert "not needed here" in upstream.MODULE_LINK_VARIABLES_USED


def test_upstream_keys_are_type_checked(tmp_path):
    assert problems(tmp_path, "MLIR Backend: yes please\n") == (
        "MLIR Backend: 'yes please' is not of type 'boolean', 'null'",
    )
    assert problems(tmp_path, "Module Link Variables Used: [1]\n") == (
        "Module Link Variables Used[0]: 1 is not of type 'string'",
    )


@pytest.mark.parametrize(
    ("yaml_text", "version", "warned"),
    [
        ('Version: "1.10"\n', "1.10", False),
        ("Version: 0.0.2\n", "0.0.2", False),  # not a YAML number: a string
        ("Version: 2\n", "2", False),
        ("Version: 1.10\n", "1.1", True),
    ],
)
def test_version_may_be_a_number_as_upstream_allows(yaml_text, version, warned, tmp_path):
    cfg = load(tmp_path, yaml_text)
    assert cfg.version == version
    assert bool(cfg.warnings) == warned
    if warned:
        assert cfg.warnings[0].startswith("Version: 1.1 is a YAML number")


# ---------------------------------------------------------------------------------------------
# Name and Version go into the generated module's repro header
# ---------------------------------------------------------------------------------------------


def test_repro_header_carries_name_and_version(tmp_path):
    cfg = load(tmp_path, 'Name: Demo bindings\nVersion: "0.3.1"\n')
    items = pipeline.metadata(cfg, tmp_path / "out")
    assert items[:3] == (("Name", "Demo bindings"), ("Version", "0.3.1"), items[2])
    assert items[2][0] == "numbast-core"


def test_repro_header_without_name_or_version(tmp_path):
    items = pipeline.metadata(load(tmp_path, ""), tmp_path / "out")
    assert items[0][0] == "numbast-core"


def test_repro_header_name_cannot_break_out_of_the_comment(tmp_path):
    cfg = load(tmp_path, 'Name: "evil\\nimport os\\r\\u2028x\\0"\n')
    (name,) = [value for key, value in pipeline.metadata(cfg, tmp_path) if key == "Name"]
    assert name == "evil import os x"
