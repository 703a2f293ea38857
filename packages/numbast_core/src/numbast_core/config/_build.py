"""From YAML data to a ``Config``: schema first, then the semantic checks, all problems at once."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from numbast_core.errors import ConfigError

from ._checks import Checker
from ._model import Config
from ._paths import PathResolver
from ._schema_errors import MAX_NODES, did_you_mean, kind_of, known_keys, to_json_data, validate
from ._yaml import read_yaml


def load_config(path: str | os.PathLike) -> Config:
    """Read, validate and normalise the YAML config at ``path``."""
    path = os.path.abspath(os.fspath(path))
    return build(read_yaml(path), os.path.dirname(path), path)


def build(mapping: Any, base_dir: str, config_path: str | None) -> Config:
    """Validate parsed YAML and normalise it; raise ``ConfigError`` listing every problem."""
    source = config_path
    if mapping is None:
        raise ConfigError(
            [
                "<config>: the config is empty; it must be a mapping with at least "
                "'Entry Point', 'GPU Arch' and 'File List'"
            ],
            source,
        )
    if not isinstance(mapping, Mapping):
        what = kind_of(mapping)
        raise ConfigError(
            [f"<config>: the top level must be a mapping of keys to values, not {what}"], source
        )
    problems: list[str] = []
    try:
        data = to_json_data(dict(mapping), (), problems, [MAX_NODES], set())
    except ConfigError as e:
        raise ConfigError(e.problems, source) from None

    schema_problems, bad_keys = validate(data)
    problems += schema_problems

    known = known_keys()
    warnings = [
        f"{key}: unknown key, ignored{did_you_mean(key, known)}" for key in data if key not in known
    ]
    paths = PathResolver(base_dir, os.getcwd(), problems)
    checker = Checker(data, paths, problems, bad_keys)
    values = checker.run() if "<all>" not in bad_keys else None
    if problems or values is None:
        raise ConfigError(problems, source)
    warnings += checker.warnings
    return Config(**values, config_path=config_path, warnings=tuple(warnings))
