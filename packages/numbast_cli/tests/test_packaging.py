"""The three packages of this repository pin each other exactly and ship type information."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = pytest.importorskip("tomli")

PACKAGES = Path(__file__).resolve().parents[2]
# distribution -> (folder, import package)
DISTS = {
    "ast-canopy": ("ast_canopy", "ast_canopy"),
    "numbast-core": ("numbast_core", "numbast_core"),
    "numbast-cli": ("numbast_cli", "numbast_cli"),
}


def _version(dist: str) -> str:
    folder, package = DISTS[dist]
    init = (PACKAGES / folder / "src" / package / "__init__.py").read_text()
    return re.search(r'^__version__ = "([^"]+)"', init, re.M).group(1)


def _dependencies(dist: str) -> list[str]:
    pyproject = PACKAGES / DISTS[dist][0] / "pyproject.toml"
    return tomllib.loads(pyproject.read_text())["project"]["dependencies"]


@pytest.mark.parametrize(
    ("dist", "needs"), [("numbast-core", "ast-canopy"), ("numbast-cli", "numbast-core")]
)
def test_sibling_packages_are_pinned_exactly(dist, needs):
    pins = [d for d in _dependencies(dist) if re.match(rf"{needs}\b", d)]
    assert pins == [f"{needs}=={_version(needs)}"]


def test_the_cli_depends_on_ruff():
    assert any(re.match(r"ruff\b", d) for d in _dependencies("numbast-cli"))


@pytest.mark.parametrize("dist", sorted(DISTS))
def test_every_package_is_marked_typed(dist):
    folder, package = DISTS[dist]
    assert (PACKAGES / folder / "src" / package / "py.typed").is_file()
