"""Locate the config schema: the copy shipped in the wheel, else the repository's ``schema/``."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

SCHEMA_FILE_NAME = "static_binding_generator.schema.yaml"


def schema_path() -> Path:
    """Return the path of ``static_binding_generator.schema.yaml``.

    An installed wheel carries it as package data (``numbast_core/schema/``); an editable install
    reads the repository's ``schema/`` folder, found by walking up from this file.
    """
    try:
        packaged = resources.files("numbast_core") / "schema" / SCHEMA_FILE_NAME
        if packaged.is_file():
            return Path(str(packaged))
    except (ModuleNotFoundError, NotADirectoryError, TypeError):  # pragma: no cover
        pass
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "schema" / SCHEMA_FILE_NAME
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(  # pragma: no cover - a broken install
        f"{SCHEMA_FILE_NAME} not found: neither in the numbast_core package nor in a schema/ "
        "folder above it"
    )
