"""Formatting the generated text with ruff: the binary when ruff's package can find it, else
``python -m ruff``; the same result either way."""

from __future__ import annotations

import pytest
from numbast_core import write

UNFORMATTED = "x = {'a':1,\n 'b':2}\ndef f( a ):\n  return a\n"


def test_ruff_runs_as_its_own_binary_and_formats():
    pytest.importorskip("ruff")
    command = write._ruff_command()
    assert len(command) == 1 and command[0].endswith("ruff")
    text, formatted = write.ruff_format(UNFORMATTED)
    assert formatted
    assert text == 'x = {"a": 1, "b": 2}\n\n\ndef f(a):\n    return a\n'


def test_without_the_binary_python_m_ruff_formats_the_same(monkeypatch):
    ruff_main = pytest.importorskip("ruff.__main__")
    expected = write.ruff_format(UNFORMATTED)

    def not_found():
        raise FileNotFoundError("no ruff binary")

    monkeypatch.setattr(ruff_main, "find_ruff_bin", not_found)
    assert write._ruff_command()[1:] == ["-m", "ruff"]
    assert write.ruff_format(UNFORMATTED) == expected
