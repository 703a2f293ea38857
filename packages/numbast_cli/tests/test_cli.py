"""CliRunner tests of every command, option and exit code (CPU only)."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import numbast_core
import pytest
import yaml
from _cli_paths import DATA
from numbast_cli import main as cli_main
from numbast_cli.main import cli, legacy, legacy_main

STAGES = ("parse", "plan", "glue", "render", "write")


def run(runner, *args):
    return runner.invoke(cli, [str(a) for a in args])


def assert_no_traceback(result):
    assert "Traceback" not in result.output
    assert "Traceback" not in result.stderr
    # CliRunner keeps any exception other than SystemExit: there must be none
    assert result.exception is None or isinstance(result.exception, SystemExit)


# --------------------------------------------------------------------------------------------
# group


def test_version(runner):
    result = run(runner, "--version")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines[:3]] == ["numbast-cli", "numbast-core", "ast-canopy"]
    assert lines[3].startswith("libclang: ") and "clang version" in lines[3]


def test_help_lists_commands(runner):
    result = run(runner, "--help")
    assert result.exit_code == 0
    for command in ("generate", "inspect", "validate", "schema"):
        assert command in result.stdout
    assert "--cfg-path" in result.stdout  # the legacy form is documented


def test_unknown_command_is_usage_error(runner):
    result = run(runner, "frobnicate")
    assert result.exit_code == 2
    assert "No such command" in result.stderr


# --------------------------------------------------------------------------------------------
# generate


def test_generate_creates_output_dir_and_reports(runner, tmp_path):
    out = tmp_path / "new" / "nested"
    result = run(runner, "generate", DATA / "tiny.yml", "-o", out)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    module = out / "tiny.py"
    assert module.is_file()
    err = result.stderr
    stage_lines = [line.split() for line in err.splitlines() if line.startswith("  ")]
    assert [s[0] for s in stage_lines[:5]] == list(STAGES)
    assert all(s[2] == "s" for s in stage_lines[:5])
    assert "bound: 3 functions, " in err and ", 1 enum, 1 typedef" in err
    assert "skipped: 3" in err
    assert "1 x return type `long double` has no Numba mapping" in err
    assert f"wrote {module}" in err
    assert "\x1b[" not in err  # not a terminal: no colour


def test_generate_default_output_dir_is_cwd(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run(runner, "generate", DATA / "tiny.yml")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "tiny.py").is_file()


def test_generate_quiet_prints_nothing(runner, tmp_path):
    result = run(runner, "generate", DATA / "tiny.yml", "-o", tmp_path, "-q")
    assert result.exit_code == 0
    assert result.output == ""
    assert (tmp_path / "tiny.py").is_file()


def test_generate_verbose_lists_every_skipped(runner, tmp_path):
    result = run(runner, "generate", DATA / "tiny.yml", "-o", tmp_path, "--verbose")
    assert result.exit_code == 0
    err = result.stderr
    assert "skipped function tiny_wide: return type `long double` has no Numba mapping" in err
    assert "skipped function __internal_tiny_helper: name starts with config Skip Prefix" in err
    assert "tiny.cuh:" in err  # locations


def test_generate_no_format(runner, tmp_path, monkeypatch):
    calls = []
    real = numbast_core.generate

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(numbast_core, "generate", spy)
    assert run(runner, "generate", DATA / "tiny.yml", "-o", tmp_path, "--no-format").exit_code == 0
    assert run(runner, "generate", DATA / "tiny.yml", "-o", tmp_path, "--format").exit_code == 0
    assert [c["format"] for c in calls] == [False, True]
    assert (tmp_path / "tiny.py").is_file()


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_generated_file_respects_the_umask(runner, tmp_path, umask):
    previous = os.umask(umask)
    try:
        assert run(runner, "generate", DATA / "tiny.yml", "-o", tmp_path, "-q").exit_code == 0
    finally:
        os.umask(previous)
    written = sorted(tmp_path.iterdir())  # the module and its precompiled glue; no temp file
    assert [p.name for p in written] == ["tiny.py", "tiny.sm_80.ltoir"]
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o666 & ~umask for p in written)


def test_generate_formats_with_ruff_by_default(runner, tmp_path):
    assert run(runner, "generate", DATA / "tiny.yml", "-o", tmp_path, "-q").exit_code == 0
    module = tmp_path / "tiny.py"
    unformatted = run(runner, "generate", DATA / "tiny.yml", "-o", tmp_path / "raw", "--no-format")
    assert unformatted.exit_code == 0
    assert module.read_text() != (tmp_path / "raw" / "tiny.py").read_text()
    check = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "--isolated", "--line-length", "100",
         str(module)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr


def test_a_failing_ruff_is_not_fatal(runner, tmp_path, monkeypatch):
    import numbast_core.write

    no_format = run(runner, "generate", DATA / "tiny.yml", "-o", tmp_path, "-q", "--no-format")
    assert no_format.exit_code == 0
    unformatted = (tmp_path / "tiny.py").read_text()

    def broken_ruff(*args, **kwargs):
        raise OSError("ruff crashed")

    monkeypatch.setattr(numbast_core.write.subprocess, "run", broken_ruff)
    normal = run(runner, "generate", DATA / "tiny.yml", "-o", tmp_path)
    assert normal.exit_code == 0, normal.stderr
    assert "unformatted" not in normal.stderr  # said with -v only
    assert (tmp_path / "tiny.py").read_text() == unformatted
    verbose = run(runner, "generate", DATA / "tiny.yml", "-o", tmp_path, "-v")
    assert verbose.exit_code == 0, verbose.stderr
    assert "the module was written unformatted" in verbose.stderr


def test_generate_bypass_parse_error(runner, tmp_path):
    result = run(
        runner, "generate", DATA / "syntax_error.yml", "-o", tmp_path, "--bypass-parse-error"
    )
    assert result.exit_code == 0, result.output
    assert "bound: 2 functions" in result.stderr
    assert (tmp_path / "syntax_error.py").is_file()


def test_generate_arch_override(runner, tmp_path):
    result = run(runner, "generate", DATA / "tiny.yml", "-o", tmp_path, "--arch", "sm_90")
    assert result.exit_code == 0, result.output
    assert "(sm_90)" in result.stderr
    assert "sm_90" in (tmp_path / "tiny.py").read_text()


def test_generate_bad_arch_override(runner, tmp_path):
    result = run(runner, "generate", DATA / "tiny.yml", "-o", tmp_path, "--arch", "sm_1")
    assert result.exit_code == 2
    assert "GPU Arch[0]" in result.stderr
    assert_no_traceback(result)
    assert list(tmp_path.iterdir()) == []


def test_generate_warns_on_unknown_key(runner, tmp_path):
    result = run(runner, "generate", DATA / "unknown_key.yml", "-o", tmp_path)
    assert result.exit_code == 0
    assert "warning: Skip Prefx: unknown key" in result.stderr
    quiet = run(runner, "generate", DATA / "unknown_key.yml", "-o", tmp_path, "-q")
    assert quiet.output == ""


BAD_CONFIGS = [
    ("schema_error.yml", 2, "GPU Arch: 'sm_80' is not of type 'array'"),
    ("missing_header.yml", 2, "Entry Point: 'no_such_header.cuh' not found"),
    ("bad_arch.yml", 2, "GPU Arch[0]: unsupported GPU arch 'sm_1'"),
    ("syntax_error.yml", 1, "syntax_error.cuh:2:65: expected expression"),
    ("missing_include.yml", 1, "missing_include.cuh:2:10: 'this_header_does_not_exist.h'"),
]


@pytest.mark.parametrize(("config", "code", "message"), BAD_CONFIGS)
def test_generate_bad_config(runner, tmp_path, config, code, message):
    out = tmp_path / "out"
    result = run(runner, "generate", DATA / config, "-o", out)
    assert result.exit_code == code
    assert message in result.stderr
    assert "error: " in result.stderr
    assert_no_traceback(result)
    assert not out.exists() or list(out.iterdir()) == []


def test_generate_missing_config_file(runner, tmp_path):
    result = run(runner, "generate", tmp_path / "nope.yml", "-o", tmp_path)
    assert result.exit_code == 2
    assert "nope.yml" in result.stderr
    assert_no_traceback(result)


def test_generate_output_dir_is_a_file(runner, tmp_path):
    target = tmp_path / "afile"
    target.write_text("x")
    result = run(runner, "generate", DATA / "tiny.yml", "-o", target)
    assert result.exit_code == 2
    assert_no_traceback(result)


def test_debug_shows_traceback(runner, tmp_path):
    result = run(runner, "generate", DATA / "syntax_error.yml", "-o", tmp_path, "--debug")
    assert result.exit_code == 1
    assert "Traceback (most recent call last)" in result.stderr
    assert "syntax_error.cuh:2:65: expected expression" in result.stderr


def test_internal_error_has_no_traceback(runner, tmp_path, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("something broke")

    monkeypatch.setattr(numbast_core, "generate", boom)
    result = run(runner, "generate", DATA / "tiny.yml", "-o", tmp_path)
    assert result.exit_code == 1
    assert "internal error: RuntimeError: something broke" in result.stderr
    assert "--debug" in result.stderr
    assert_no_traceback(result)
    debug = run(runner, "generate", DATA / "tiny.yml", "-o", tmp_path, "--debug")
    assert debug.exit_code == 1
    assert "Traceback" in debug.stderr


def test_ctrl_c_during_write_exits_130_leaving_no_output(runner, tmp_path, monkeypatch):
    import numbast_core.write

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(numbast_core.write.os, "replace", interrupted)
    result = run(runner, "generate", DATA / "tiny.yml", "-o", tmp_path)
    assert result.exit_code == 130
    assert "interrupted" in result.stderr
    assert_no_traceback(result)
    assert list(tmp_path.iterdir()) == []  # no module, no temp file


def test_ctrl_c_keeps_previous_output(runner, tmp_path, monkeypatch):
    assert run(runner, "generate", DATA / "tiny.yml", "-o", tmp_path, "-q").exit_code == 0
    before = (tmp_path / "tiny.py").read_bytes()
    import numbast_core.write

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(numbast_core.write.os, "replace", interrupted)
    result = run(runner, "generate", DATA / "tiny.yml", "-o", tmp_path, "--no-format")
    assert result.exit_code == 130
    assert (tmp_path / "tiny.py").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny.py", "tiny.sm_80.ltoir"]


def test_main_entry_ctrl_c(monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_main.cli, "main", interrupted)
    with pytest.raises(SystemExit) as exc:
        cli_main.main(["--version"])
    assert exc.value.code == 130
    assert "interrupted" in capsys.readouterr().err


# --------------------------------------------------------------------------------------------
# --check


def test_check_passes(runner, tmp_path):
    result = run(runner, "generate", DATA / "tiny.yml", "-o", tmp_path, "--check")
    assert result.exit_code == 0, result.output
    assert re.search(r"check: (\d+) of \1 callables compile and link", result.stderr)
    assert "FAILED" not in result.stderr


def test_check_failure_lists_the_function(runner, tmp_path):
    result = run(runner, "generate", DATA / "broken_glue.yml", "-o", tmp_path, "--check", "-q")
    assert result.exit_code == 1
    err = result.stderr
    assert "error: 1 bound callable(s) failed to compile or link" in err
    assert "check: 2 of 3 callables compile and link" in err
    assert "FAILED tiny_broken: float tiny_broken(float x)" in err
    assert "too few arguments" in err
    assert "tiny_ok" not in err.replace("tiny_ok_too", "").split("FAILED", 1)[1]
    assert "parse" not in err  # -q: errors only
    assert_no_traceback(result)
    assert (tmp_path / "broken_glue.py").is_file()  # the module itself is complete


def test_check_cuda_fp8_conformance_config(runner, tmp_path):
    config = Path(__file__).resolve().parents[3] / "conformance/configs/cuda_fp8.yml"
    result = run(runner, "generate", config, "-o", tmp_path, "--check")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "cuda_fp8.py").is_file()
    assert "functions" in result.stderr and "check: " in result.stderr
    assert "not checked" not in result.stderr  # (no templates)


def test_check_says_what_it_leaves_to_kernel_compile(runner, tmp_path):
    """mma.h: the functions taking wmma fragments and the class templates are resolved by C++
    when a kernel is compiled; --check names them instead of implying it checked them."""
    config = Path(__file__).resolve().parents[3] / "conformance/corpus/mma.yml"
    result = run(runner, "generate", config, "-o", tmp_path, "--check")
    assert result.exit_code == 0, result.output
    assert "check: 3 of 3 callables compile and link (sm_90)" in result.stderr
    assert (
        "not checked: 185 template or instance-taking overloads and 3 class templates, "
        "resolved by C++ when a kernel is compiled"
    ) in result.stderr


# --------------------------------------------------------------------------------------------
# inspect


def test_inspect_table_writes_nothing(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = sorted(p.name for p in DATA.iterdir())
    result = run(runner, "inspect", DATA / "tiny.yml")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["KIND", "C++", "NAME", "PYTHON", "NAME", "STATUS", "REASON"]
    assert any(line.startswith("function") and "tiny_add" in line for line in lines)
    skipped = [line for line in lines if " skipped " in line]
    assert any("tiny_wide" in line and "has no Numba mapping" in line for line in skipped)
    assert list(tmp_path.iterdir()) == []
    assert sorted(p.name for p in DATA.iterdir()) == before


def test_inspect_json_and_only(runner):
    result = run(runner, "inspect", DATA / "tiny.yml", "--json")
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert all(list(r) == ["kind", "cxx_name", "python_name", "status", "reason"] for r in rows)
    assert {r["status"] for r in rows} == {"bound", "skipped"}
    assert {"tiny_add", "tiny_mul", "tiny_fma"} <= {r["python_name"] for r in rows}

    skipped = json.loads(
        run(runner, "inspect", DATA / "tiny.yml", "--json", "--only", "skipped").stdout
    )
    assert skipped and {r["status"] for r in skipped} == {"skipped"}
    bound = json.loads(
        run(runner, "inspect", DATA / "tiny.yml", "--json", "--only", "bound").stdout
    )
    assert bound and {r["status"] for r in bound} == {"bound"}
    assert len(skipped) + len(bound) == len(rows)

    table = run(runner, "inspect", DATA / "tiny.yml", "--only", "bound").stdout
    assert "skipped" not in table.splitlines()[1:][0]
    assert all(" bound" in line for line in table.splitlines()[1:])


def test_inspect_bad_only_is_usage_error(runner):
    result = run(runner, "inspect", DATA / "tiny.yml", "--only", "maybe")
    assert result.exit_code == 2
    assert "maybe" in result.stderr


@pytest.mark.parametrize(("config", "code", "message"), BAD_CONFIGS)
def test_inspect_bad_config(runner, config, code, message):
    result = run(runner, "inspect", DATA / config)
    assert result.exit_code == code
    assert message in result.stderr
    assert result.stdout == ""
    assert_no_traceback(result)


def test_inspect_arch_and_bypass(runner):
    result = run(runner, "inspect", DATA / "syntax_error.yml", "--bypass-parse-error")
    assert result.exit_code == 0
    assert "tiny_sub" in result.stdout
    assert run(runner, "inspect", DATA / "tiny.yml", "--arch", "sm_1").exit_code == 2


def test_inspect_debug(runner):
    result = run(runner, "inspect", DATA / "syntax_error.yml", "--debug")
    assert result.exit_code == 1
    assert "Traceback" in result.stderr


# --------------------------------------------------------------------------------------------
# validate and schema


def test_validate_ok(runner):
    result = run(runner, "validate", DATA / "tiny.yml")
    assert result.exit_code == 0
    assert "ok (1 header, GPU arch sm_80)" in result.stdout


def test_validate_does_not_parse_headers(runner):
    assert run(runner, "validate", DATA / "syntax_error.yml").exit_code == 0


def test_validate_warning_and_arch(runner):
    result = run(runner, "validate", DATA / "unknown_key.yml", "--arch", "sm_90")
    assert result.exit_code == 0
    assert "warning: Skip Prefx: unknown key" in result.stderr
    assert "GPU arch sm_90" in result.stdout


@pytest.mark.parametrize(("config", "message"), [(c, m) for c, code, m in BAD_CONFIGS[:2]])
def test_validate_bad_config(runner, config, message):
    result = run(runner, "validate", DATA / config)
    assert result.exit_code == 2
    assert message in result.stderr
    assert_no_traceback(result)


def test_validate_debug(runner):
    result = run(runner, "validate", DATA / "schema_error.yml", "--debug")
    assert result.exit_code == 2
    assert "Traceback" in result.stderr


def test_schema(runner):
    result = run(runner, "schema")
    assert result.exit_code == 0
    schema = yaml.safe_load(result.stdout)
    assert "Entry Point" in json.dumps(schema)
    path = run(runner, "schema", "--path")
    assert path.exit_code == 0
    assert Path(path.stdout.strip()).read_text().rstrip("\n") == result.stdout.rstrip("\n")


# --------------------------------------------------------------------------------------------
# the seed's legacy form


def test_legacy_form(runner, tmp_path):
    out = tmp_path / "legacy_out"
    args = ["--cfg-path", DATA / "tiny.yml", "--output-dir", out, "-fmt", "false"]
    result = runner.invoke(legacy, [str(a) for a in [*args, "-noraise", "false"]])
    assert result.exit_code == 0, result.output
    assert (out / "tiny.py").is_file()
    assert "bound: 3 functions" in result.stderr
    long_form = ["--run-ruff-format", "true", "--bypass-parse-error", "true"]
    result = runner.invoke(legacy, [str(a) for a in [*args[:4], *long_form, "-q"]])
    assert result.exit_code == 0
    assert result.output == ""


def test_legacy_form_errors(runner, tmp_path):
    result = runner.invoke(legacy, ["--output-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "--cfg-path" in result.stderr
    result = runner.invoke(legacy, ["--cfg-path", str(DATA / "syntax_error.yml")])
    assert result.exit_code == 1
    assert "expected expression" in result.stderr
    assert_no_traceback(result)
    result = runner.invoke(
        legacy,
        [
            "--cfg-path",
            str(DATA / "syntax_error.yml"),
            "-noraise",
            "true",
            "-q",
            "--output-dir",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0


def test_legacy_main_dispatch(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        legacy_main(["--cfg-path", str(DATA / "tiny.yml"), "--output-dir", str(tmp_path), "-q"])
    assert exc.value.code == 0
    assert (tmp_path / "tiny.py").is_file()
    with pytest.raises(SystemExit) as exc:
        legacy_main(["validate", str(DATA / "tiny.yml")])
    assert exc.value.code == 0
    assert "ok" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        legacy_main(["--version"])
    assert exc.value.code == 0
    assert "numbast-cli" in capsys.readouterr().out


def test_no_color_env_is_respected(runner, tmp_path, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    result = run(runner, "generate", DATA / "tiny.yml", "-o", tmp_path)
    assert result.exit_code == 0
    assert "\x1b[" not in result.output
    assert os.environ["NO_COLOR"] == "1"
