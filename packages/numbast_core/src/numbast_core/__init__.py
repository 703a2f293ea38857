"""numbast_core: config -> plan -> Python text for Numba-CUDA bindings of CUDA C++ headers."""

__version__ = "0.1.0"

from .config import Config, load_config
from .errors import ConfigError, GenerationError
from .generate import GenerationResult, generate, parse

__all__ = [
    "Config",
    "ConfigError",
    "GenerationError",
    "GenerationResult",
    "__version__",
    "generate",
    "load_config",
    "parse",
]
