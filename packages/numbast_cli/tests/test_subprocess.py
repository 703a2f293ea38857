"""The installed entry points, in real processes: the `numbast` console script and
`python -m numbast` (the seed's form and the subcommands)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from _cli_paths import DATA

SCRIPT = Path(sys.executable).with_name("numbast")


def run(*args: object, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | (env_extra or {})
    return subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=120, env=env, check=False
    )


@pytest.mark.skipif(not SCRIPT.exists(), reason=f"console script not installed at {SCRIPT}")
def test_console_script_generate(tmp_path):
    done = run(SCRIPT, "generate", DATA / "tiny.yml", "-o", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "tiny.py").is_file()
    assert "bound: 3 functions" in done.stderr
    assert "\x1b[" not in done.stderr  # stderr is a pipe: no escape codes
    assert done.stdout == ""


@pytest.mark.skipif(not SCRIPT.exists(), reason=f"console script not installed at {SCRIPT}")
def test_console_script_errors_and_version():
    done = run(SCRIPT, "generate", DATA / "bad_arch.yml", env_extra={"NO_COLOR": "1"})
    assert done.returncode == 2
    assert "GPU Arch[0]" in done.stderr
    assert "Traceback" not in done.stderr
    version = run(SCRIPT, "--version")
    assert version.returncode == 0
    assert version.stdout.startswith("numbast-cli ")


def test_python_m_numbast_seed_form(tmp_path):
    done = run(
        sys.executable,
        "-m",
        "numbast",
        "--cfg-path",
        DATA / "tiny.yml",
        "--output-dir",
        tmp_path / "seed",
        "-fmt",
        "False",
        "-noraise",
        "False",
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "seed" / "tiny.py").is_file()
    assert "wrote " in done.stderr


def test_python_m_numbast_subcommand_and_error():
    done = run(sys.executable, "-m", "numbast", "inspect", DATA / "tiny.yml", "--only", "bound")
    assert done.returncode == 0, done.stderr
    assert "tiny_add" in done.stdout
    bad = run(sys.executable, "-m", "numbast", "--cfg-path", DATA / "syntax_error.yml")
    assert bad.returncode == 1
    assert "syntax_error.cuh:2:65: expected expression" in bad.stderr
    assert "Traceback" not in bad.stderr


# The child sends itself SIGINT from inside libclang's cursor visitor (a ctypes callback, where
# ctypes swallows exceptions): the point where a real Ctrl-C used to be lost (exit 0, module
# written). A real signal through the real handlers, at a known point: no timing race.
CTRL_C_IN_VISITOR = """
import os, signal, sys
from clang import cindex

signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal, whatever the runner

is_null = cindex.Cursor.is_null

def is_null_then_ctrl_c(self):
    if sys._getframe(1).f_code.co_name == "visitor" and not sent:
        sent.append(1)
        print("sending SIGINT from a visitor callback", file=sys.stderr, flush=True)
        os.kill(os.getpid(), signal.SIGINT)
    return is_null(self)

sent = []
cindex.Cursor.is_null = is_null_then_ctrl_c
from numbast_cli.main import main
main(sys.argv[1:])
"""


def test_ctrl_c_inside_a_libclang_callback_exits_130_without_output(tmp_path):
    out = tmp_path / "out"
    done = run(sys.executable, "-c", CTRL_C_IN_VISITOR, "generate", DATA / "tiny.yml", "-o", out)
    assert "sending SIGINT from a visitor callback" in done.stderr  # the hook fired
    assert done.returncode == 130, done.stderr
    assert "error: interrupted" in done.stderr
    assert "Traceback" not in done.stderr
    assert "Exception ignored" not in done.stderr
    assert not out.exists() or list(out.iterdir()) == []
