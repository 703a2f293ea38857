"""The runtime copied into every generated module, cut to the sections the module uses.

``runtime_template.py`` (package data, a real Python file so that it is linted) starts with the
core that every module needs; each later part begins with a ``# ---- runtime section: NAME``
line and is emitted only when the module's plan uses that feature.
"""

from __future__ import annotations

import ast
import itertools
import re
from importlib import resources

TEMPLATE = "runtime_template.py"
SECTIONS = ("enums", "structs", "writes", "operators")  # in the template's order
_MARK = re.compile(r"^# ---- runtime section: (\w+)", re.MULTILINE)
_END = "# ---- end of numbast runtime"


def _template() -> str:
    return resources.files("numbast_core").joinpath(TEMPLATE).read_text(encoding="utf-8")


def _sections() -> dict[str, str]:
    """``{"core": text, "enums": text, ...}`` in template order."""
    text = _template()
    text = text[text.index("# ---- numbast runtime") : text.index(_END)]
    marks = list(_MARK.finditer(text))
    names = [m.group(1) for m in marks]
    if tuple(names) != SECTIONS:
        raise AssertionError(f"{TEMPLATE}: sections {names}, expected {list(SECTIONS)}")
    starts = [0, *(m.start() for m in marks), len(text)]
    parts = [text[a:b].strip("\n") for a, b in itertools.pairwise(starts)]
    return dict(zip(("core", *names), parts))


def runtime_text(features: frozenset[str] | set[str] = frozenset()) -> str:
    """The runtime for a module using ``features`` (a subset of ``SECTIONS``)."""
    unknown = set(features) - set(SECTIONS)
    if unknown:
        raise ValueError(f"unknown runtime sections: {sorted(unknown)}")
    parts = [text for name, text in _sections().items() if name == "core" or name in features]
    end = _template()[_template().index(_END) :].splitlines()[0]
    return "\n\n\n".join([*parts, end]) + "\n"


def runtime_names() -> frozenset[str]:
    """Top-level names of every section (``_function``, ``_Glue``, its imports, ...): the names
    a binding must not take, whatever sections its module includes."""
    names: set[str] = set()
    statements = list(ast.parse(_template()).body)
    while statements:
        node = statements.pop()
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update(a.asname or a.name.split(".")[0] for a in node.names)
        elif isinstance(node, (ast.If, ast.Try)):
            statements += [*node.body, *node.orelse]
    return frozenset(names)
