"""Naming helpers of the extractor: qualified names, scopes, operators and fallback ids."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from ._clang import Cursor, CursorKind

_OPERATOR_RE = re.compile(r"operator\s*(?![A-Za-z_0-9])(.+)$|operator\s+(new|delete)(\[\])?$")


def _operator_symbol(name: str) -> str | None:
    if not name.startswith("operator"):
        return None
    m = _OPERATOR_RE.fullmatch(name)
    if not m:
        return None
    if m.group(2):
        return m.group(2) + (m.group(3) or "")
    return m.group(1).strip()


def fallback_id(qualified_name: str, param_types: Iterable[str], extra: str = "") -> str:
    """A stable identifier for a declaration clang gives no mangled name (e.g. a template)."""
    text = f"{qualified_name}({','.join(param_types)}){extra}"
    return "_acid_" + hashlib.sha256(text.encode()).hexdigest()[:20]


def _qual(scope: tuple[str, ...], name: str) -> str:
    return "::".join((*scope, name))


def _template_tag(text: str) -> str:
    m = re.search(r">\s*(struct|class|union)\b", text)
    return m.group(1) if m else ""


def _namespaces_of(c: Cursor) -> tuple[str, ...]:
    names, cur = [], c.semantic_parent
    while cur is not None and cur.kind != CursorKind.TRANSLATION_UNIT:
        if cur.kind == CursorKind.NAMESPACE and cur.spelling:
            names.append(cur.spelling)
        cur = cur.semantic_parent
    return tuple(reversed(names))


def _scope_of(c: Cursor) -> tuple[str, ...]:
    """Enclosing namespaces and records of ``c`` (what its qualified name is made of)."""
    names, cur = [], c.semantic_parent
    while cur is not None and cur.kind != CursorKind.TRANSLATION_UNIT:
        if cur.spelling and cur.kind != CursorKind.LINKAGE_SPEC:
            names.append(cur.spelling)
        cur = cur.semantic_parent
    return tuple(reversed(names))


def _qualified_from_parents(c: Cursor) -> str:
    return "::".join((*_scope_of(c), c.spelling) if c.spelling else _scope_of(c))


def _split_template_args(spelling: str) -> tuple[str, ...]:
    """``"ns::S<int, Foo<a, b>>"`` -> ``("int", "Foo<a, b>")``."""
    start = spelling.find("<")
    if start < 0 or not spelling.endswith(">"):
        return ()
    body = spelling[start + 1 : -1]
    args: list[str] = []
    cur: list[str] = []
    depth = 0
    for ch in body:
        if ch in "<([":
            depth += 1
        elif ch in ">)]":
            depth -= 1
        if ch == "," and depth == 0:
            args.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    if cur:
        args.append("".join(cur).strip())
    return tuple(args)
