"""Directives whose content is computed at docs build time by running Numbast itself.

- ``numbast-supported-cxx``: plans ``examples/supported/constructs.cuh`` and tabulates the
  planner's verdict (bound, or the Skipped reason) for each ``// @construct`` marker.
- ``numbast-intents``: generates ``examples/intents.yml`` and shows, for each function, the C++
  signature, the intent given in the config, the Python call and the Numba signature(s) the
  generated module registers.
- ``numbast-error``: loads (or generates) a config and shows the exact error message.

Each rendering function returns reStructuredText and is usable without Sphinx (the tests call
them directly).
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
import tempfile
import uuid
from pathlib import Path
from typing import ClassVar

DOCS = Path(__file__).resolve().parent.parent
EXAMPLES = DOCS / "examples"
MARKER = re.compile(r"^\s*//\s*@construct\s+(?P<name>.+?):\s+(?P<text>.+)$")


def _cell(text: str) -> str:
    """Prose for a table cell: `x` becomes ``x``; outside literals, ``|`` and a word-final
    ``_`` (``__global__`` would be a hyperlink reference in reST) are escaped."""
    text = re.sub(r"(?<!`)`([^`]+)`(?!`)", r"``\1``", text)
    parts = re.split(r"(``.+?``)", text)
    for i in range(0, len(parts), 2):
        parts[i] = re.sub(r"_(?=\W|$)", r"\\_", parts[i].replace("|", "\\|"))
    return "".join(parts)


def _code(text: str) -> str:
    return "``" + " ".join(text.split()) + "``"


# ---------------------------------------------------------------------------------------------
# supported C++


def constructs(header: Path) -> list[tuple[str, str, str]]:
    """(C++ name, description, example line) for each ``// @construct NAME: TEXT`` marker."""
    lines = header.read_text(encoding="utf-8").splitlines()
    found = []
    for i, line in enumerate(lines):
        m = MARKER.match(line)
        if not m:
            continue
        name = m["name"].strip()
        example = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if MARKER.match(example) or example.startswith("//"):
            example = _member_line(lines, name)
        found.append((name, m["text"].strip(), example))
    return found


def _member_line(lines: list[str], name: str) -> str:
    """The line declaring member ``Struct::member``, searched from ``struct Struct``."""
    owner, _, member = name.rpartition("::")
    if not owner:
        return ""
    start = next(
        (i for i, line in enumerate(lines) if re.search(rf"\b(struct|class) {owner}\b", line)), 0
    )
    pattern = re.compile(r"(?<![\w~])" + re.escape(member) + r"\s*[(:]")
    return next((line.strip() for line in lines[start:] if pattern.search(line)), "")


def _matches(row_name: str, name: str) -> bool:
    if row_name == name:
        return True
    if re.search(r"(^|[\s*&])" + re.escape(name) + r"\(", row_name):
        return True
    return row_name.startswith("template <") and row_name.endswith(f" {name}")  # a class template


def supported_rows(config_path: Path | None = None) -> list[tuple[str, str, str]]:
    """(construct, example, verdict) rows, the verdicts taken from the planner."""
    from numbast_core import load_config, parse, plan

    config_path = config_path or EXAMPLES / "supported" / "constructs.yml"
    config = load_config(config_path)
    decls = parse(config)
    binding_plan = plan.build(config, decls)
    rows = binding_plan.rows()
    out: dict[str, list] = {}
    for name, text, example in constructs(Path(config.entry_point)):
        matched = [r for r in rows if _matches(r.cxx_name, name)]
        verdicts = []
        for r in matched:
            if r.status == "bound" and r.kind in ("constructor", "method", "conversion"):
                verdict = f"bound ({r.kind} of {_code(r.python_name)})"
            elif r.status == "bound":
                verdict = f"bound ({r.kind}, Python {_code(r.python_name)})"
            else:
                verdict = f"skipped: {r.reason}"
            if verdict not in verdicts:
                verdicts.append(verdict)
        if not matched:
            verdicts.append("not bound: the planner emits nothing for it")
        entry = out.setdefault(text, [[], []])
        if example and example not in entry[0]:
            entry[0].append(example)
        entry[1] += [v for v in verdicts if v not in entry[1]]
    return [
        (text, " ".join(_code(e) for e in examples) or "(see above)", "; ".join(verdicts))
        for text, (examples, verdicts) in out.items()
    ]


def render_supported(config_path: Path | None = None) -> str:
    lines = [
        ".. list-table::",
        "   :header-rows: 1",
        "   :widths: 25 40 35",
        "",
        "   * - C++ construct",
        "     - Example (from ``docs/examples/supported/constructs.cuh``)",
        "     - What the planner does",
    ]
    for text, example, verdict in supported_rows(config_path):
        lines += [f"   * - {_cell(text)}", f"     - {_cell(example)}", f"     - {_cell(verdict)}"]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# argument intents


def _import(path: Path):
    name = f"_numbast_docs_{uuid.uuid4().hex}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def intent_rows(config_path: Path | None = None) -> list[dict]:
    """For each function of the config's intents (and ``mylib_twice``, all-``in``), the facts."""
    import warnings

    from numbast_core import generate, load_config

    config_path = config_path or EXAMPLES / "intents.yml"
    config = load_config(config_path)
    with tempfile.TemporaryDirectory(prefix="numbast_docs_") as tmp:
        result = generate(config, tmp, format=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            module = _import(result.path)
    wanted = ["mylib_twice", *config.function_argument_intents]
    rows = []
    for cxx in wanted:
        fn = next(f for f in result.plan.functions if f.cxx_name == cxx)
        overload = fn.overloads[0]
        given = config.function_argument_intents.get(cxx, {})
        intents = [f"{key}: {value.value}" for key, value in given.items()] or [
            "(none: every parameter is ``in``)"
        ]
        outs = ["result"] if overload.result else []
        outs += [p.name for p in overload.params if p.mode == "out"]
        args = [p.name if p.mode == "in" else f"{p.name}_ptr" for p in overload.params]
        args = [a for a, p in zip(args, overload.params) if p.mode != "out"]
        call = f"{fn.python_name}({', '.join(args)})"
        if outs:
            call = f"{', '.join(outs)} = {call}"
        template = getattr(module, fn.python_name)._numba_type.templates[0]
        rows.append(
            {
                "cxx": overload.cxx_signature,
                "intents": intents,
                "call": call,
                "numba": [str(case) for case in template.cases],
            }
        )
    return rows


def render_intents(config_path: Path | None = None) -> str:
    lines = [
        ".. list-table::",
        "   :header-rows: 1",
        "   :widths: 30 20 25 25",
        "",
        "   * - C++ signature",
        "     - Config (``Function Argument Intents``)",
        "     - Python call in a kernel",
        "     - Generated Numba signature",
    ]
    for row in intent_rows(config_path):
        intents = ", ".join(i if i.startswith("(") else _code(i) for i in row["intents"])
        lines += [
            f"   * - {_code(row['cxx'])}",
            f"     - {intents}",
            f"     - {_code(row['call'])}",
            f"     - {' '.join(_code(s) for s in row['numba'])}",
        ]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# error messages


def error_message(config_path: Path, stage: str = "load") -> str:
    """The message Numbast gives for ``config_path`` (paths shown relative to docs/), run from
    the config's folder: a path that is not found is then looked for in one place only, not
    also in whatever directory the docs are built from."""
    from numbast_core import ConfigError, GenerationError, generate, load_config

    cwd = os.getcwd()
    try:
        os.chdir(config_path.parent)
        config = load_config(config_path)
        if stage == "generate":
            with tempfile.TemporaryDirectory(prefix="numbast_docs_") as tmp:
                generate(config, tmp, format=False)
    except (ConfigError, GenerationError) as err:
        text = f"{type(err).__name__}: {err}"
    else:
        raise RuntimeError(f"{config_path} was expected to fail at {stage} but did not")
    finally:
        os.chdir(cwd)
    return text.replace(str(DOCS) + "/", "").replace(str(DOCS.resolve()) + "/", "")


def render_error(config_path: Path, stage: str = "load") -> str:
    text = error_message(config_path, stage)
    return ".. code-block:: text\n\n" + "".join(f"   {line}\n" for line in text.splitlines())


# ---------------------------------------------------------------------------------------------
# Sphinx glue


def setup(app):
    from docutils.parsers.rst import Directive, directives
    from docutils.statemachine import StringList

    def parsed(directive, text: str, dependencies: list[Path]):
        from docutils import nodes

        for dep in dependencies:
            directive.state.document.settings.record_dependencies.add(str(dep))
        container = nodes.container()
        directive.state.nested_parse(StringList(text.splitlines(), "<numbast-docs>"), 0, container)
        return container.children

    class Supported(Directive):
        def run(self):
            deps = list((EXAMPLES / "supported").iterdir())
            return parsed(self, render_supported(), deps)

    class Intents(Directive):
        def run(self):
            deps = [EXAMPLES / "intents.yml", EXAMPLES / "mylib" / "mylib.cuh"]
            return parsed(self, render_intents(), deps)

    class Error(Directive):
        required_arguments = 1
        option_spec: ClassVar[dict] = {"stage": directives.unchanged}

        def run(self):
            path = DOCS / self.arguments[0]
            stage = self.options.get("stage", "load")
            return parsed(self, render_error(path, stage), [path])

    app.add_directive("numbast-supported-cxx", Supported)
    app.add_directive("numbast-intents", Intents)
    app.add_directive("numbast-error", Error)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
