"""numbast_core: config -> plan -> Python text for Numba-CUDA bindings of CUDA C++ headers.

The pipeline (``generate``, ``parse``) is imported on first use, so ``load_config`` alone stays
cheap: it never imports libclang or numba.
"""

import importlib

__version__ = "0.2.0"

from .config import Config, Intent, load_config
from .errors import ConfigError, GenerationError

_LAZY = {"GenerationResult": "pipeline", "generate": "pipeline", "parse": "pipeline"}

__all__ = [
    "Config",
    "ConfigError",
    "GenerationError",
    "GenerationResult",
    "Intent",
    "__version__",
    "generate",
    "load_config",
    "parse",
]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
