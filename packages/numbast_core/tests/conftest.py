from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _codegen_helpers as helpers


@pytest.fixture(scope="session")
def generated(tmp_path_factory):
    """Both test modules generated once per test process: {name: GenerationResult}."""
    return helpers.generate_all(tmp_path_factory.mktemp("generated"))


@pytest.fixture(scope="session")
def funcs(generated):
    return generated["nbt_funcs_bindings"]


@pytest.fixture(scope="session")
def funcs_module(funcs):
    return helpers.import_module(funcs.path)
