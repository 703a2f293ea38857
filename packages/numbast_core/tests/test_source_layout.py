"""Layout rules of the three packages' sources (issue 14): no source file over 400 lines."""

from __future__ import annotations

from pathlib import Path

PACKAGES = Path(__file__).resolve().parents[2]
LIMIT = 400


def test_no_source_file_is_over_400_lines():
    sources = sorted(PACKAGES.glob("*/src/**/*.py"))
    assert len(sources) > 50  # the three packages' sources were found
    long = {
        str(p.relative_to(PACKAGES)): n
        for p in sources
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > LIMIT
    }
    assert long == {}
