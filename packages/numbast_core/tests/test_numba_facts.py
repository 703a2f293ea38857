"""Facts about numba-cuda that generation relies on without importing numba, checked against
numba-cuda's own typing (in a fresh process: a generated module imported by another test
registers its operators globally)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
from numbast_core.plan.operators import UNTYPED_BY_NUMBA_CUDA
from numbast_core.plan.refs import Scalar, Vector

OPERATORS = ["add", "sub", "mul", "truediv", "eq", "lt"]
SCALARS = ["int32", "float32", "float64", "float16", "bfloat16"]

_PROBE = """
import json, operator
from numba.core.errors import TypingError
from numba.cuda import types
from numba.cuda.descriptor import cuda_target
from numba.cuda.vector_types import vector_types

context = cuda_target.typing_context
context.refresh()

def typed(op, ty):
    try:
        return context.resolve_function_type(getattr(operator, op), (ty, ty), {}) is not None
    except TypingError:
        return False

print(json.dumps({
    "vector": {op: [n for n, ty in vector_types.items() if typed(op, ty)] for op in OPS},
    "scalar": {op: [s for s in SCALARS if not typed(op, getattr(types, s))] for op in OPS},
}))
"""


@pytest.fixture(scope="module")
def facts():
    code = f"OPS = {OPERATORS!r}\nSCALARS = {SCALARS!r}\n" + textwrap.dedent(_PROBE)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=240, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_numba_cuda_types_no_operator_on_vector_types(facts):
    """plan.operators.UNTYPED_BY_NUMBA_CUDA holds Vector: operators on vector types are bound."""
    assert Vector in UNTYPED_BY_NUMBA_CUDA
    assert facts["vector"] == {op: [] for op in OPERATORS}


def test_numba_cuda_types_every_operator_on_scalar_types(facts):
    """...and Scalar is left out: numba-cuda types these on its scalars, float16/bfloat16 too."""
    assert Scalar not in UNTYPED_BY_NUMBA_CUDA
    assert facts["scalar"] == {op: [] for op in OPERATORS}
