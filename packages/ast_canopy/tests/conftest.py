from __future__ import annotations

import functools
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
sys.path.insert(0, HERE)


def data(name: str) -> str:
    return os.path.join(DATA, name)


@functools.cache
def parse_sample(arch: str = "sm_90", **kwargs):
    """Parse tests/data/sample.cuh once per (arch, options) and worker."""
    import ast_canopy

    path = data("sample.cuh")
    return ast_canopy.parse_declarations_from_source(path, [path], arch, **kwargs)


@pytest.fixture
def sample():
    return parse_sample("sm_90")
