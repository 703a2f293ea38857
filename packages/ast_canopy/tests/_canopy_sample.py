"""Paths of the ast_canopy test data and the sample header parsed once per worker.

A uniquely named module (not ``conftest``) so that one pytest run can collect every test folder
of the repository: each folder's ``conftest`` is imported under the same name.
"""

from __future__ import annotations

import functools
import os

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")


def data(name: str) -> str:
    return os.path.join(DATA, name)


@functools.cache
def parse_sample(arch: str = "sm_90", **kwargs):
    """Parse tests/data/sample.cuh once per (arch, options) and worker."""
    import ast_canopy

    path = data("sample.cuh")
    return ast_canopy.parse_declarations_from_source(path, [path], arch, **kwargs)
