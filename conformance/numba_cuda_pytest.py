"""numba-cuda's own pytest setup, as a plugin: its test files run under ours as under its own.

numba-cuda's tests (shipped in its wheel under ``numba/cuda/tests``) expect what its repository's
pytest configuration provides, which the wheel does not ship:

- a ``--dump-failed-filechecks`` option, and a class-scoped fixture
  ``initialize_from_pytest_config`` that ``CUDATestCase`` uses to copy it onto the test class
  (``_dump_failed_filechecks``, read when a FileCheck assertion fails);
- warnings are errors, except numba's performance warnings (a kernel launched with few threads
  warns about occupancy; the tests do that on purpose);
- test modules are imported under their package names (``numba.cuda.tests...``), which needs
  ``consider_namespace_packages``: ``numba_cuda/numba`` has no ``__init__.py``. That one is an
  ini setting, in ``numba_cuda_pytest.ini`` next to this file.

Use: ``python -m pytest -c conformance/numba_cuda_pytest.ini -p conformance.numba_cuda_pytest
--pyargs numba.cuda.tests.cudapy.test_math``.
"""

from __future__ import annotations

import importlib

import pytest

# numba's performance warning classes, wherever this install defines them (numba-cuda has its
# own; numba's is a different class when numba is installed too).
PERFORMANCE_WARNINGS = (
    "numba.cuda.core.errors.NumbaPerformanceWarning",
    "numba.core.errors.NumbaPerformanceWarning",
)


def _importable(dotted: str) -> bool:
    module, _, name = dotted.rpartition(".")
    try:
        return hasattr(importlib.import_module(module), name)
    except ImportError:
        return False


def pytest_addoption(parser):
    parser.addoption(
        "--dump-failed-filechecks",
        action="store_true",
        help="write a reproducer (IR and checks) for each FileCheck assertion that fails",
    )


def pytest_configure(config):
    config.addinivalue_line("filterwarnings", "error")
    for dotted in PERFORMANCE_WARNINGS:
        if _importable(dotted):
            config.addinivalue_line("filterwarnings", f"ignore::{dotted}")


@pytest.fixture(scope="class")
def initialize_from_pytest_config(request):
    """Give the test class the command-line settings numba-cuda's ``CUDATestCase`` reads."""
    request.cls._dump_failed_filechecks = request.config.getoption("dump_failed_filechecks")
