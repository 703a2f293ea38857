"""The Numba class names a config may name, read from package data (``numba_classes.yaml``).

Listed there, not looked up in numba, so that loading a config never imports numba; a test checks
the lists against the installed numba-cuda.
"""

from __future__ import annotations

from importlib import resources

import yaml


def _read() -> dict[str, frozenset[str]]:
    text = resources.files(__package__).joinpath("numba_classes.yaml").read_text("utf-8")
    return {key: frozenset(names) for key, names in yaml.safe_load(text).items()}


_NAMES = _read()
NUMBA_TYPE_CLASSES: frozenset[str] = _NAMES["types"]  # numba.cuda.types.Type subclasses
NUMBA_DATA_MODEL_CLASSES: frozenset[str] = _NAMES["data_models"]  # DataModel subclasses
