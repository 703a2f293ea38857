from __future__ import annotations

import pytest
from _cli_paths import DATA
from click.testing import CliRunner


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def data():
    return DATA
