"""Sphinx configuration of the Numbast docs (``nox -s docs``; no network access needed)."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))

project = "Numbast"
author = "NVIDIA Corporation"
copyright = "NVIDIA Corporation"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx_click",
    "schema_reference",
    "numbast_docs",
]

exclude_patterns = ["_build", "tests", "examples", "README.md"]
templates_path: list[str] = []
html_theme = "alabaster"
html_static_path: list[str] = []
html_theme_options = {"description": "Numba-CUDA bindings for CUDA C++ headers"}

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "undoc-members": False}
nitpicky = False
