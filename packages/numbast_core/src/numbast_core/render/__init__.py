"""Render a BindingPlan: the Python module (numba-cuda backend) and its C++ glue."""

from .cxx import glue, prelude
from .module import all_overloads, python, runtime_features, runtime_text
from .spelling import param_expression, type_expr

__all__ = [
    "all_overloads",
    "glue",
    "param_expression",
    "prelude",
    "python",
    "runtime_features",
    "runtime_text",
    "type_expr",
]
