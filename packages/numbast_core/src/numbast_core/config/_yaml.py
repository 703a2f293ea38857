"""Read a config file as YAML: safe-load only, duplicate keys and bad bytes reported with
``file:line:col``."""

from __future__ import annotations

import re
from typing import Any

import yaml

from numbast_core.errors import ConfigError


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that records duplicate mapping keys instead of silently keeping the last."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[int, str]] = []

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.setdefault(key, key_node.start_mark)
                except TypeError:
                    continue  # unhashable key: the base class reports it
                if first is not key_node.start_mark:
                    m = key_node.start_mark
                    self.duplicates.append(
                        (
                            m.line,
                            f"{m.line + 1}:{m.column + 1}: duplicate key {key!r} "
                            f"(first given at line {first.line + 1})",
                        )
                    )
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: str) -> Any:
    """The YAML data in the file at ``path``."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise ConfigError([f"{path}: cannot read config: {e.strerror or e}"], path) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ConfigError(
            [f"{path}: not UTF-8 text (byte {e.start}: {raw[e.start : e.start + 1]!r})"], path
        ) from None
    return parse_yaml(text, path)


def parse_yaml(text: str, source: str) -> Any:
    """The YAML data in ``text`` (read from ``source``); duplicate keys are errors."""
    loader = None
    try:
        loader = _StrictLoader(text)
        data = loader.get_single_data()
    except yaml.reader.ReaderError as e:
        before = text[: e.position]
        line, col = before.count("\n") + 1, e.position - before.rfind("\n")
        raise ConfigError(
            [f"{source}:{line}:{col}: character {e.character:#06x} is not allowed in YAML"],
            source,
        ) from None
    except yaml.MarkedYAMLError as e:
        raise ConfigError([_yaml_problem(e, text, source)], source) from None
    except yaml.YAMLError as e:  # pragma: no cover - every PyYAML error we know is marked
        raise ConfigError([f"{source}: invalid YAML: {e}"], source) from None
    except (RecursionError, ValueError, TypeError, OverflowError) as e:
        raise ConfigError([f"{source}: invalid YAML: {type(e).__name__}: {e}"], source) from None
    finally:
        if loader is not None:
            loader.dispose()
    if loader.duplicates:
        raise ConfigError([f"{source}:{d}" for _, d in sorted(loader.duplicates)], source)
    return data


def _yaml_problem(e: yaml.MarkedYAMLError, text: str, source: str) -> str:
    mark = e.problem_mark or e.context_mark
    where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
    problem = e.problem or "invalid YAML"
    if isinstance(e, yaml.constructor.ConstructorError):
        tag = re.search(r"tag '([^']*)'", problem)
        if tag:
            name = tag.group(1).replace("tag:yaml.org,2002:", "!!")
            if name.startswith("!!python/"):
                return (
                    f"{where}: the YAML tag {name!r} is refused: configs are read with YAML "
                    "safe_load, which never creates Python objects"
                )
            return f"{where}: unknown YAML tag {name!r}"
        if "unhashable" in problem:
            return f"{where}: a mapping key must be a plain value, not a list or mapping"
    if mark is not None:
        lines = text.splitlines()
        line = lines[mark.line] if mark.line < len(lines) else ""
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent or "'\\t'" in problem:
            return f"{where}: tab character in indentation; YAML allows only spaces"
    context = f" ({e.context})" if e.context else ""
    return f"{where}: invalid YAML: {problem}{context}"
