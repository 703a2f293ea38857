from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def data() -> Path:
    return DATA
