"""Text the CLI prints: stage lines, the summary, the plan table and JSON, check results.

Pure functions from plain data to strings; the commands in :mod:`numbast_cli.main` print them.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, TextIO

import click

# Kinds always named in the summary, in this order; others follow alphabetically.
SUMMARY_KINDS = ("function", "struct", "enum", "typedef")
ROW_FIELDS = ("kind", "cxx_name", "python_name", "status", "reason")
TABLE_HEADINGS = ("KIND", "C++ NAME", "PYTHON NAME", "STATUS", "REASON")


def color_allowed(stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """Colour only on a terminal and only when ``NO_COLOR`` is unset or empty."""
    if (os.environ if environ is None else environ).get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


@dataclass(frozen=True)
class Style:
    """Applies ``click.style`` only when colour is allowed."""

    color: bool = False

    def __call__(self, text: str, **styles: Any) -> str:
        return click.style(text, **styles) if self.color else text


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def stage_line(stage: str, seconds: float, style: Style) -> str:
    """``  parse      0.93 s`` (one per pipeline stage)."""
    return f"  {style(f'{stage:<8}', bold=True)} {seconds:6.2f} s"


def bound_counts(rows: Iterable[Any]) -> dict[str, tuple[int, int]]:
    """Per kind: (distinct Python names, bound rows). Rows of functions are overloads."""
    names: dict[str, set[str]] = {kind: set() for kind in SUMMARY_KINDS}
    counts: Counter[str] = Counter()
    for row in rows:
        if row.status != "bound":
            continue
        names.setdefault(row.kind, set()).add(row.python_name)
        counts[row.kind] += 1
    ordered = list(SUMMARY_KINDS) + sorted(set(names) - set(SUMMARY_KINDS))
    return {kind: (len(names[kind]), counts[kind]) for kind in ordered}


def _bound_phrase(kind: str, names: int, rows: int) -> str:
    text = plural(names, kind)
    if rows != names:
        text += f" ({plural(rows, 'overload')})"
    return text


def summary_lines(
    rows: Sequence[Any], skipped: Sequence[Any], output: str | None, style: Style, top: int = 3
) -> list[str]:
    """What was bound, what was skipped (top reasons) and where the module went."""
    counts = bound_counts(rows)
    bound = ", ".join(_bound_phrase(kind, *counts[kind]) for kind in counts)
    lines = [f"{style('bound', fg='green', bold=True)}: {bound}"]
    if skipped:
        reasons = Counter(s.reason for s in skipped).most_common()
        lines.append(f"{style('skipped', fg='yellow', bold=True)}: {len(skipped)}")
        lines += [f"  {n:>4} x {reason}" for reason, n in reasons[:top]]
        if len(reasons) > top:
            rest = sum(n for _, n in reasons[top:])
            lines.append(f"  {rest:>4} x other reasons (-v lists every skipped declaration)")
    else:
        lines.append(f"{style('skipped', bold=True)}: 0")
    if output is not None:
        lines.append(f"{style('wrote', bold=True)} {output}")
    return lines


def skipped_detail_lines(skipped: Sequence[Any]) -> list[str]:
    """Every skipped declaration with its reason (``-v``)."""
    lines = []
    for s in skipped:
        where = f"  [{s.location}]" if getattr(s, "location", "") else ""
        lines.append(f"  skipped {s.kind} {s.cxx_name}: {s.reason}{where}")
    return lines


def row_dicts(rows: Iterable[Any]) -> list[dict[str, str]]:
    """Rows as dicts with a fixed key order (kind, cxx_name, python_name, status, reason)."""
    out = []
    for row in rows:
        d = asdict(row)
        out.append({key: d[key] for key in ROW_FIELDS})
    return out


def rows_json(rows: Iterable[Any]) -> str:
    return json.dumps(row_dicts(rows), indent=2)


def rows_table(rows: Sequence[Any], style: Style) -> str:
    """An aligned text table; the last column (reason) is not padded."""
    cells = [TABLE_HEADINGS] + [tuple(d.values()) for d in row_dicts(rows)]
    widths = [max(len(r[i]) for r in cells) for i in range(len(TABLE_HEADINGS) - 1)]

    def fmt(cols: Sequence[str], paint: Callable[[str], str] = str) -> str:
        padded = [f"{c:<{w}}" for c, w in zip(cols, widths)] + [cols[-1]]
        return paint("  ".join(padded).rstrip())

    head = fmt(cells[0], lambda s: style(s, bold=True))
    return "\n".join([head, *(fmt(r) for r in cells[1:])])


def check_lines(report: Any, style: Style, verbose: bool = False, max_lines: int = 12) -> list[str]:
    """``check: N of M callables compile and link`` and, per failure, its function and error."""
    total = len(report.results)
    failed = report.failed
    word = style("check", fg="red" if failed else "green", bold=True)
    lines = [f"{word}: {report.ok_count} of {plural(total, 'callable')} compile and link"]
    for result in failed:
        lines.append(
            f"  {style('FAILED', fg='red', bold=True)} {result.python_name}: {result.cxx_name}"
        )
        error_lines = [
            line.rstrip(" \t\x00") for line in result.error.splitlines() if line.strip(" \t\x00")
        ]
        if not verbose and len(error_lines) > max_lines:
            cut = len(error_lines) - max_lines
            error_lines = [*error_lines[:max_lines], f"... ({cut} more lines; -v shows all)"]
        lines += [f"      {line}" for line in error_lines]
    return lines


def unchecked_line(binding_plan: Any) -> str | None:
    """What ``--check`` cannot compile ahead: templates and the functions taking class template
    instances, which C++ resolves (and NVRTC compiles) when a kernel calls them."""
    calls = sum(len(t.signatures) for t in binding_plan.function_templates)
    classes = len(binding_plan.class_templates)
    if not calls + classes:
        return None
    what = [plural(calls, "template or instance-taking overload")] if calls else []
    what += [plural(classes, "class template")] if classes else []
    return f"not checked: {' and '.join(what)}, resolved by C++ when a kernel is compiled"
