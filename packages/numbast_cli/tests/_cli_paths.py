"""Paths the CLI tests share (a uniquely named module, not ``conftest``, so that one pytest run
can collect every test folder of the repository)."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
REPO = Path(__file__).resolve().parents[3]
