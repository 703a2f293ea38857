"""Formatting helpers, colour rules and the --check progress bar, with plain data."""

from __future__ import annotations

import io

from numbast_cli.main import Console, check_progress
from numbast_cli.report import (
    Style,
    bound_counts,
    check_lines,
    color_allowed,
    rows_json,
    rows_table,
    summary_lines,
)
from numbast_core.check import CheckReport, CheckResult
from numbast_core.plan import PlanRow, Skipped


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


ROWS = (
    PlanRow("function", "float f(float)", "f", "bound", ""),
    PlanRow("function", "double f(double)", "f", "bound", ""),
    PlanRow("enum", "mode_t", "mode_t", "bound", ""),
    PlanRow("struct", "pair", "", "skipped", "structs are not bound yet"),
)


def test_color_allowed():
    assert color_allowed(Tty(), {}) is True
    assert color_allowed(Tty(), {"NO_COLOR": "1"}) is False
    assert color_allowed(Tty(), {"NO_COLOR": ""}) is True  # no-color.org: empty means unset
    assert color_allowed(io.StringIO(), {}) is False


def test_style_only_when_allowed():
    assert Style(color=False)("x", fg="red") == "x"
    assert "\x1b[" in Style(color=True)("x", fg="red")


def test_bound_counts_counts_overloads_and_kinds_generically():
    counts = bound_counts([*ROWS, PlanRow("class", "c", "c", "bound", "")])
    assert list(counts)[:4] == ["function", "struct", "enum", "typedef"]
    assert counts["function"] == (1, 2)
    assert counts["struct"] == (0, 0)
    assert counts["class"] == (1, 1)


def test_summary_top_reasons():
    skipped = [Skipped("function", f"g{i}", f"reason {i % 5}") for i in range(10)] + [
        Skipped("function", "h", "reason 0")
    ]
    lines = summary_lines(ROWS, skipped, "out/m.py", Style(), top=3)
    assert lines[0] == "bound: 1 function (2 overloads), 0 structs, 1 enum, 0 typedefs"
    assert lines[1] == "skipped: 11"
    assert lines[2] == "     3 x reason 0"
    assert "other reasons" in lines[5]
    assert lines[-1] == "wrote out/m.py"


def test_table_and_json():
    table = rows_table(ROWS, Style()).splitlines()
    assert table[0].startswith("KIND")
    assert len({line.index("f ") for line in table[1:3]}) == 1  # aligned
    assert table[-1].endswith("structs are not bound yet")
    assert rows_json(ROWS).index('"kind"') < rows_json(ROWS).index('"cxx_name"')


def test_check_lines_truncate_long_errors():
    error = "\n".join(f"line {i}" for i in range(40)) + "\n \x00\n"
    report = CheckReport("sm_80", (CheckResult("f", "float f(float)", False, error),))
    short = check_lines(report, Style())
    assert short[0] == "check: 0 of 1 callable compile and link"
    assert "more lines; -v shows all" in short[-1]
    full = check_lines(report, Style(), verbose=True)
    assert len(full) == 2 + 40


def test_progress_bar_only_on_a_tty():
    stream = Tty()
    with check_progress(Console(), stream) as progress:
        assert progress is not None
        for done in range(1, 4):
            progress(done, 3)
    assert "check" in stream.getvalue()
    with check_progress(Console(), io.StringIO()) as progress:
        assert progress is None
    with check_progress(Console(verbosity=-1), Tty()) as progress:
        assert progress is None
