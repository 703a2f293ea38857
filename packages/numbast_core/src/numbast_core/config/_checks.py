"""Checks a schema cannot express (files exist, regexes compile, Python snippets parse, Numba
names exist), and the normalisation of each key into the ``Config`` fields."""

from __future__ import annotations

import ast
import keyword
import os
import re
from typing import Any

from ._model import Exclude, FrozenMap, Intent, ModuleCallbacks, PrefixRemoval, TemplateInstance
from ._numba_names import NUMBA_DATA_MODEL_CLASSES, NUMBA_TYPE_CLASSES
from ._paths import PathResolver, parse_include
from ._schema_errors import did_you_mean
from ._upstream import backend, upstream_values, version_text

_DOTTED_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_MACRO_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?$", re.DOTALL)
_INDEX_RE = re.compile(r"^[0-9]+$")


class Checker:
    """Semantic checks and normalisation of the keys whose schema validation passed."""

    def __init__(self, data: dict, paths: PathResolver, problems: list[str], bad: set[str]):
        self.data = data
        self.paths = paths
        self.problems = problems
        self.bad = bad
        self.warnings: list[str] = []

    def ok(self, key: str) -> bool:
        return key in self.data and key not in self.bad

    def get(self, key: str, default: Any) -> Any:
        """The key's value; ``default`` when it is absent, invalid, or null (null means none)."""
        value = self.data.get(key) if self.ok(key) else None
        return default if value is None else value

    # ---- the whole config -------------------------------------------------------------------

    def run(self) -> dict | None:
        """The ``Config`` fields, or None when a problem was recorded."""
        out: dict[str, Any] = self.headers()
        out["gpu_arch"] = tuple(self.get("GPU Arch", ()))
        out["name"] = self.get("Name", None)
        out["version"], warnings = version_text(self.get("Version", None))
        self.warnings += warnings
        out["types"] = self.numba_names("Types", NUMBA_TYPE_CLASSES, "numba.cuda.types")
        out["data_models"] = self.numba_names(
            "Data Models", NUMBA_DATA_MODEL_CLASSES, "numba.cuda.datamodel.models"
        )
        ex = self.get("Exclude", {})
        out["exclude"] = Exclude(
            functions=tuple(ex.get("Function") or ()),
            structs=tuple(ex.get("Struct") or ()),
            enums=tuple(ex.get("Enum") or ()),
        )
        out["additional_imports"] = self.imports()
        out["predefined_macros"] = self.macros()
        out["output_name"] = self.output_name()
        out["cooperative_regexes"] = self.regexes()
        pr = self.get("API Prefix Removal", {})
        out["prefix_removal"] = PrefixRemoval(
            **{
                field: (v,) if isinstance(v, str) else tuple(v)
                for field, v in (
                    ("functions", pr.get("Function", ())),
                    ("structs", pr.get("Struct", ())),
                    ("enums", pr.get("Enum", ())),
                )
            }
        )
        out["module_callbacks"] = self.callbacks()
        out["skip_prefix"] = self.get("Skip Prefix", None)
        out["use_separate_registry"] = bool(self.get("Use Separate Registry", False))
        out["function_argument_intents"] = self.intents()
        out["template_instances"] = self.template_instances()
        values, warnings = upstream_values(self.get)
        out.update(values)
        self.warnings += warnings
        out["backend"], problems = backend(self.get)
        self.problems += problems
        out["path_resolution"] = tuple(self.paths.notes)

        if self.problems or "entry_point" not in out:
            return None
        return out

    # ---- paths ------------------------------------------------------------------------------

    def headers(self) -> dict[str, Any]:
        """Include paths, File List, Entry Point, and how the glue includes the Entry Point."""
        out: dict[str, Any] = {}
        include_paths: list[str] = []
        for i, p in enumerate(self.get("Clang Include Paths", [])):
            path = self.paths.locate(p, f"Clang Include Paths[{i}]", directory=True)
            if path is not None:
                include_paths.append(path)
        inc = out["clang_include_paths"] = tuple(dict.fromkeys(include_paths))

        entry_spec = self.get("Entry Point", None)
        entry = self.paths.resolve_header(entry_spec, "Entry Point", inc) if entry_spec else None

        files: list[str] = []
        for i, spec in enumerate(self.get("File List", [])):
            resolved = self.paths.resolve_header(spec, f"File List[{i}]", inc)
            if resolved is not None:
                files.append(resolved)
        out["file_list"] = tuple(dict.fromkeys(files))
        complete = self.ok("File List") and len(files) == len(self.data["File List"])
        if entry and complete and entry not in out["file_list"]:
            self.warnings.append(
                "File List: does not contain the Entry Point, so declarations made in the "
                "Entry Point itself are not bound"
            )

        override = self.get("Shim Include Override", None)
        parsed = parse_include(override) if override is not None else None
        if override is not None and parsed is None:
            self.problems.append(
                f"Shim Include Override: {override!r} is not a header name; write it as x.h, "
                '<x.h> or "x.h" (path characters only: it is never evaluated as Python)'
            )
        name, quoted = parsed or (None, False)
        out["shim_include_override"] = name
        out["entry_point_include_quoted"] = quoted
        if entry:
            out["entry_point"] = entry
            out["entry_point_include"] = name or self.paths.include_name(entry_spec, entry)
        return out

    # ---- individual keys --------------------------------------------------------------------

    def output_name(self) -> str:
        output_name = self.get("Output Name", None)
        entry_spec = self.get("Entry Point", None)
        if output_name is None and entry_spec:
            stem = os.path.splitext(os.path.basename(entry_spec.strip().strip("<>")))[0]
            stem = re.sub(r"[^A-Za-z0-9_]", "_", stem) or "bindings"
            if stem[0].isdigit() or keyword.iskeyword(stem):
                stem = "_" + stem
            output_name = stem + ".py"
        elif output_name is not None and keyword.iskeyword(output_name[:-3]):
            self.problems.append(
                f"Output Name: {output_name!r} is not importable: {output_name[:-3]!r} is a "
                "Python keyword"
            )
        return output_name or ""

    def regexes(self) -> tuple[str, ...]:
        regexes = []
        for i, rx in enumerate(self.get("Cooperative Launch Required Functions Regex", [])):
            try:
                re.compile(rx)
            except (re.error, RecursionError, OverflowError) as e:
                self.problems.append(
                    f"Cooperative Launch Required Functions Regex[{i}]: {rx!r} is not a valid "
                    f"regular expression: {e}"
                )
            else:
                regexes.append(rx)
        return tuple(regexes)

    def numba_names(self, key: str, valid: frozenset, where: str) -> FrozenMap:
        result = {}
        for struct, name in self.get(key, {}).items():
            if name not in valid:
                hint = did_you_mean(name, sorted(valid))
                self.problems.append(f"{key}.{struct}: {name!r} is not a class in {where}{hint}")
            result[struct] = name
        return FrozenMap(result)

    def imports(self) -> tuple[str, ...]:
        result: list[str] = []
        for i, text in enumerate(self.get("Additional Import", [])):
            stmt = text.strip()
            if _DOTTED_NAME_RE.match(stmt) and not any(
                keyword.iskeyword(part) for part in stmt.split(".")
            ):
                result.append(f"import {stmt}")
                continue
            try:
                tree = ast.parse(stmt, mode="exec")
            except (SyntaxError, ValueError, RecursionError, MemoryError) as e:
                msg = getattr(e, "msg", None) or str(e)
                self.problems.append(
                    f"Additional Import[{i}]: {text!r} is not a Python import statement ({msg})"
                )
                continue
            if not tree.body or not all(
                isinstance(node, (ast.Import, ast.ImportFrom)) for node in tree.body
            ):
                self.problems.append(
                    f"Additional Import[{i}]: {text!r} is not a Python import statement; only "
                    "'import ...' and 'from ... import ...' are allowed"
                )
                continue
            result.extend(ast.unparse(node) for node in tree.body)
        return tuple(dict.fromkeys(result))

    def macros(self) -> tuple[tuple[str, str | None], ...]:
        result = []
        for i, text in enumerate(self.get("Predefined Macros", [])):
            m = _MACRO_RE.match(text)
            if not m:  # pragma: no cover - the schema's pattern already rejects it
                self.problems.append(f"Predefined Macros[{i}]: {text!r} is not NAME or NAME=VALUE")
                continue
            result.append((m.group(1), m.group(2)))
        return tuple(result)

    def callbacks(self) -> ModuleCallbacks:
        values = {}
        for which, expr in self.get("Module Callbacks", {}).items():
            if expr is None or not expr.strip():
                continue  # null or empty: no callback (upstream configs write "")
            try:
                ast.parse(expr.strip(), mode="eval")
            except (SyntaxError, ValueError, RecursionError, MemoryError) as e:
                msg = getattr(e, "msg", None) or str(e)
                self.problems.append(
                    f"Module Callbacks.{which}: {expr!r} is not a single Python expression ({msg})"
                )
                continue
            values[which] = expr.strip()
        return ModuleCallbacks(**values)

    def template_instances(self) -> tuple[TemplateInstance, ...]:
        def spelled(value: Any) -> str:  # a YAML bool is C++'s true/false
            return ("true" if value else "false") if isinstance(value, bool) else str(value)

        return tuple(
            TemplateInstance(
                entry["Function"],
                tuple(entry.get("Arguments") or ()),
                tuple((k, spelled(v)) for k, v in (entry.get("Template Arguments") or {}).items()),
            )
            for entry in self.get("Template Instances", [])
        )

    def intents(self) -> FrozenMap:
        result = {}
        for func, params in self.get("Function Argument Intents", {}).items():
            per_param = {}
            for param, spec in params.items():
                value = spec["intent"] if isinstance(spec, dict) else spec
                key: str | int = int(param) if _INDEX_RE.match(param) else param
                if key in per_param:
                    self.problems.append(
                        f"Function Argument Intents.{func}.{param}: parameter given twice"
                    )
                    continue
                per_param[key] = Intent(value)
            result[func] = FrozenMap(per_param)
        return FrozenMap(result)
