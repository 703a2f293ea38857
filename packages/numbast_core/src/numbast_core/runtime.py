"""The runtime copied into every generated module, made of the sections the module uses.

Each section is a Python file in ``runtime_sections/`` (package data, linted like code):
``ALWAYS`` go into every module; the others (``SECTIONS``) only into modules that use them. A
section may replace a class of an earlier one by defining one of the same name (``_Registries``)
or extend it by a subclass of the same name (``_Glue``). What a file has above its ``# ---- ``
heading (lint directives) is not copied; ``nvrtc.py`` and ``bisect.py`` are also imported by
``glue_build`` (generation compiles the glue as the module does).
"""

from __future__ import annotations

import ast
import builtins
from importlib import resources

ALWAYS = ("core", "nvrtc", "glue")
# in module order, after ALWAYS: a separate registry; glue compiled at run time (modules without
# precompiled glue); overloads on some archs only; CUDA vector types; enums; structs; C++ types
# bound to numba-cuda's own types; writes to struct fields and items; calls that change structs
# (non-const methods, structs passed by reference); operators
SECTIONS = (
    "registry",
    "bisect",
    "compile",
    "archs",
    "vectors",
    "enums",
    "structs",
    "native",
    "writes",
    "mutators",
    "operators",
    "templates",
    "class_templates",
)
_FOLDER = "runtime_sections"
_END = "# ---- end of numbast runtime " + "-" * 66


def _source(section: str) -> str:
    path = resources.files("numbast_core") / _FOLDER / f"{section}.py"
    return path.read_text(encoding="utf-8")


def _copied(section: str) -> str:
    text = _source(section)
    return text[text.index("# ---- ") :].strip("\n")


def runtime_text(features: frozenset[str] | set[str] = frozenset()) -> str:
    """The runtime of a module that uses ``features`` (a subset of ``SECTIONS``)."""
    unknown = set(features) - set(SECTIONS)
    if unknown:
        raise ValueError(f"unknown runtime sections: {sorted(unknown)}")
    parts = [_copied(s) for s in (*ALWAYS, *(s for s in SECTIONS if s in features))]
    parts.append(_END)
    return "\n\n\n".join(parts) + "\n"


def _section_trees() -> list[ast.Module]:
    return [ast.parse(_source(s)) for s in (*ALWAYS, *SECTIONS)]


def runtime_names(trees: list[ast.Module] | None = None) -> frozenset[str]:
    """Top-level names of every section (``_function``, ``_Glue``, its imports, ...): the names
    a binding must not take, whatever sections its module includes. ``trees``: the sections
    parsed (``_section_trees()``), when the caller has them."""
    names: set[str] = set()
    statements = [node for tree in trees or _section_trees() for node in tree.body]
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


def runtime_builtins(trees: list[ast.Module] | None = None) -> frozenset[str]:
    """Python builtins the runtime reads through module globals (``len``, ``zip``, ...): a
    binding of that name would replace them for the runtime, so it must not take it. Other
    builtin names (``sum``, ``next``) are free for bindings."""
    available = set(dir(builtins))
    return frozenset(
        node.id
        for tree in trees or _section_trees()
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in available
    )


def reserved_names() -> frozenset[str]:
    """``runtime_names() | runtime_builtins()``, the sections parsed once."""
    trees = _section_trees()
    return runtime_names(trees) | runtime_builtins(trees)
