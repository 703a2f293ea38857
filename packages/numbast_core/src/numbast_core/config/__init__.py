"""Load and validate a Numbast config: YAML safe-load, JSON Schema, semantic checks.

``load_config(path)`` and ``Config.from_dict(mapping, base_dir)`` return a frozen, normalised
``Config`` or raise ``ConfigError`` listing every problem found, each ``<key path>: <problem>``.
The contract (keys, types, defaults, constraints) lives in ``schema/``; this package adds the
checks a schema cannot express. Configs written for upstream Numbast load unchanged (relative
paths found from the current directory, quoted ``Shim Include Override``, upstream-only keys).

Modules: ``_yaml`` (reading the file), ``_schema_errors`` (schema errors as key-path messages),
``_checks`` and ``_paths`` (semantic checks), ``_upstream`` (upstream Numbast's keys), ``_model``
(the dataclasses), ``_build`` (all of it in order). Nothing here imports numba.
"""

from __future__ import annotations

from numbast_core._schema import schema_path
from numbast_core.errors import ConfigError

from ._build import load_config
from ._model import (
    Config,
    Exclude,
    FrozenMap,
    Intent,
    ModuleCallbacks,
    PrefixRemoval,
    TemplateInstance,
)
from ._numba_names import NUMBA_DATA_MODEL_CLASSES, NUMBA_TYPE_CLASSES

__all__ = [
    "NUMBA_DATA_MODEL_CLASSES",
    "NUMBA_TYPE_CLASSES",
    "Config",
    "ConfigError",
    "Exclude",
    "FrozenMap",
    "Intent",
    "ModuleCallbacks",
    "PrefixRemoval",
    "TemplateInstance",
    "load_config",
    "schema_path",
]
