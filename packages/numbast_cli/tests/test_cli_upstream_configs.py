"""The CLI on configs written for upstream Numbast: numba-cuda's own three configs, run unchanged
from an installed numba-cuda's site-packages as the current directory, and ``-v``'s report of
the base each relative path was resolved against (issue 15)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from _cli_paths import REPO
from numbast_cli.main import cli

NUMBA_CUDA_CONFIGS = REPO / "packages" / "numbast_core" / "tests" / "data" / "numba_cuda"


def run(runner, *args):
    return runner.invoke(cli, [str(a) for a in args])


def numba_cuda_root() -> Path:
    """The directory numba-cuda's configs are relative to: the installed wheel's site-packages."""
    spec = importlib.util.find_spec("numba_cuda")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("numba-cuda is not installed")
    root = Path(next(iter(spec.submodule_search_locations))).parent
    if not (root / "numba_cuda" / "numba" / "cuda" / "include" / "13" / "cuda_fp8.h").is_file():
        pytest.skip("this numba-cuda wheel ships no CUDA headers under numba/cuda/include")
    return root


@pytest.mark.parametrize(
    ("name", "summary"),
    [
        ("cuda_fp16", "ok (1 header, GPU arch sm_86)"),
        ("cuda_bf16", "ok (1 header, GPU arch sm_80)"),
        ("cuda_fp8", "ok (2 headers, GPU arch sm_90)"),
    ],
)
def test_numba_cuda_configs_validate_unchanged(name, summary, runner, monkeypatch):
    monkeypatch.chdir(numba_cuda_root())
    config = NUMBA_CUDA_CONFIGS / f"{name}.yml"
    result = run(runner, "validate", config)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{config}: {summary}\n"
    assert result.stderr == ""  # no warnings: Require Pynvjitlink: False is silent


def test_numba_cuda_fp16_generates_and_checks_unchanged(runner, monkeypatch, tmp_path):
    monkeypatch.chdir(numba_cuda_root())
    config = NUMBA_CUDA_CONFIGS / "cuda_fp16.yml"
    result = run(runner, "generate", config, "-o", tmp_path, "--check", "-v")
    assert result.exit_code == 0, result.output
    assert re.search(r"check: (\d+) of \1 callables compile and link", result.stderr)
    assert "Entry Point: './numba_cuda/numba/cuda/include/12/cuda_fp16.h' -> " in result.stderr
    text = (tmp_path / "cuda_fp16.py").read_text()
    assert "# Name: Numba float16\n# Version: 0.0.1\n" in text
    assert '\'#include "cuda_fp16.h"\\n' in text  # the glue includes the header by name
    assert "\n__half = types.float16  # C++ __half: numba-cuda's own type\n" in text


# measured with numba-cuda 0.30.4's headers: a drop means callables stopped being bound
BF16_PIECES = [
    "\n__nv_bfloat16 = types.bfloat16",
    "\n_bind_native(",
    "parent=types.Number, model=_models.PrimitiveModel",
]
# fp8's one-byte structs are PrimitiveModels: 72 of their callables failed before
FP8_PIECES = ["model=_models.PrimitiveModel", "\nfp8_e4m3 = _function("]


@pytest.mark.parametrize(
    ("name", "at_least", "in_module"),
    [
        ("cuda_bf16", None, BF16_PIECES),  # (--check: the slow case below; fp16's above)
        pytest.param("cuda_bf16", 290, BF16_PIECES, marks=pytest.mark.slow, id="cuda_bf16-check"),
        ("cuda_fp8", 150, FP8_PIECES),
    ],
)
def test_numba_cuda_bf16_fp8_generate_and_check_unchanged(
    name, at_least, in_module, runner, monkeypatch, tmp_path
):
    """Generated unchanged; with ``at_least``, ``--check`` compiles and links that many."""
    monkeypatch.chdir(numba_cuda_root())
    check = ["--check"] if at_least else []
    result = run(runner, "generate", NUMBA_CUDA_CONFIGS / f"{name}.yml", "-o", tmp_path, *check)
    assert result.exit_code == 0, result.output
    if at_least:
        checked = re.search(r"check: (\d+) of \1 callables compile and link", result.stderr)
        assert checked and int(checked.group(1)) >= at_least, result.stderr
    text = (tmp_path / f"{name}.py").read_text()
    for piece in in_module:
        assert piece in text, piece


def test_generate_verbose_says_which_base_each_relative_path_used(runner, tmp_path, monkeypatch):
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "tiny.cuh").write_text("__device__ inline int f(int x) { return x; }\n")
    (tmp_path / "work" / "inc").mkdir(parents=True)
    (tmp_path / "configs" / "c.yml").write_text(
        "Entry Point: tiny.cuh\nGPU Arch: [sm_80]\nFile List: [tiny.cuh]\n"
        "Clang Include Paths: [inc]\n"
    )
    monkeypatch.chdir(tmp_path / "work")
    config = tmp_path / "configs" / "c.yml"
    lines = [
        f"Clang Include Paths[0]: 'inc' -> {tmp_path / 'work' / 'inc'}, relative to the current "
        "directory (not found next to the config)",
        f"Entry Point: 'tiny.cuh' -> {tmp_path / 'configs' / 'tiny.cuh'}, relative to the "
        "config's directory",
    ]

    verbose = run(runner, "generate", config, "-o", tmp_path / "out", "-v")
    assert verbose.exit_code == 0, verbose.output
    for line in lines:
        assert line in verbose.stderr.splitlines()

    quiet = run(runner, "generate", config, "-o", tmp_path / "out")
    assert quiet.exit_code == 0, quiet.output
    assert "relative to the" not in quiet.stderr
