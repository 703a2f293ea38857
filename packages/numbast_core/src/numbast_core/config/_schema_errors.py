"""Validate config data against the schema and turn each schema error into one message that
starts with the offending key path (``Exclude.Function[2]: ...``)."""

from __future__ import annotations

import difflib
import functools
import re
from typing import Any, cast

import jsonschema
import yaml

from numbast_core._schema import schema_path
from numbast_core.errors import ConfigError

MAX_NODES = 100_000  # a config is small; this stops YAML alias bombs early


def known_keys() -> list[str]:
    """The config's top-level keys, as the schema lists them."""
    schema = cast(dict, _schema_validator(str(schema_path())).schema)
    return list(schema["properties"])


@functools.lru_cache(maxsize=1)
def _schema_validator(path: str) -> jsonschema.Draft202012Validator:
    """The validator of the schema file at ``path``: read and built once per process (loading
    the YAML was most of the time of a config load)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(path, encoding="utf-8") as f:
        schema = yaml.load(f, Loader=loader)  # a safe loader (C if available)
    return jsonschema.Draft202012Validator(schema)


def fmt_path(parts) -> str:
    """``("Exclude", "Function", 2)`` -> ``"Exclude.Function[2]"``."""
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += f".{p}" if out else str(p)
    return out or "<config>"


def to_json_data(obj: Any, path: tuple, problems: list[str], budget: list[int], stack: set) -> Any:
    """Copy the YAML data into JSON-like data: mapping keys become strings (an int key is kept
    as its decimal string), recursion and alias bombs are stopped."""
    budget[0] -= 1
    if budget[0] < 0:
        raise ConfigError([f"{fmt_path(path)}: config is too large (over {MAX_NODES} values)"])
    if isinstance(obj, (dict, list)):
        if id(obj) in stack:
            raise ConfigError([f"{fmt_path(path)}: a YAML alias refers to itself"])
        stack.add(id(obj))
        try:
            if isinstance(obj, list):
                return [
                    to_json_data(v, (*path, i), problems, budget, stack) for i, v in enumerate(obj)
                ]
            out: dict = {}
            for k, v in obj.items():
                if isinstance(k, bool) or not isinstance(k, (str, int)):
                    problems.append(
                        f"{fmt_path(path)}: key {k!r} is not a string (quote it in the YAML)"
                    )
                    continue
                key = str(k)
                if key in out:
                    problems.append(f"{fmt_path((*path, key))}: duplicate key")
                    continue
                out[key] = to_json_data(v, (*path, key), problems, budget, stack)
            return out
        finally:
            stack.discard(id(obj))
    return obj


def schema_problem(error) -> str:
    """One message (lines for several unknown keys) for one jsonschema error."""
    path = list(error.absolute_path)
    if error.validator == "required":
        missing = re.match(r"'(.*)' is a required property", error.message)
        name = missing.group(1) if missing else error.message
        return f"{fmt_path([*path, name])}: required key is missing"
    if error.validator == "additionalProperties" and error.validator_value is False:
        known = list(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(known))
        msgs = []
        for key in extra:
            hint = did_you_mean(key, known)
            allowed = ", ".join(repr(k) for k in known)
            msgs.append(f"{fmt_path([*path, key])}: unknown key{hint} (allowed: {allowed})")
        return "\n".join(msgs)
    if error.validator in ("anyOf", "oneOf") and error.context:
        deeper = [e for e in error.context if e.relative_path]
        if deeper:
            best = max(deeper, key=lambda e: len(e.relative_path))
            return schema_problem(best)
        titles = [s.get("title") for s in error.validator_value]
        if all(titles):
            return f"{fmt_path(path)}: {error.instance!r} is not {' or '.join(titles)}"
    if "propertyNames" in error.absolute_schema_path:
        return f"{fmt_path(path)}: key {error.message}"
    return f"{fmt_path(path)}: {error.message}"


def validate(data: dict) -> tuple[list[str], set[str]]:
    """The schema's problems with ``data``, and the top-level keys they concern (``"<all>"``
    when the problem is the whole config's, other than a missing required key)."""
    validator = _schema_validator(str(schema_path()))
    problems: list[str] = []
    bad_keys: set[str] = set()
    for error in sorted(validator.iter_errors(data), key=lambda e: fmt_path(e.absolute_path)):
        problems.extend(schema_problem(error).split("\n"))
        top = error.absolute_path[0] if error.absolute_path else None
        if top is None and error.validator == "required":
            continue
        bad_keys.add(top if isinstance(top, str) else "<all>")
    return problems, bad_keys


def did_you_mean(key: str, known) -> str:
    """A "; did you mean 'X'?" hint when ``key`` looks like a misspelling of a known key."""
    lowered = {k.lower(): k for k in known}
    match = difflib.get_close_matches(key.lower(), list(lowered), n=1, cutoff=0.6)
    return f"; did you mean {lowered[match[0]]!r}?" if match else ""


def kind_of(obj: Any) -> str:
    """How a message names the type of a YAML value."""
    if isinstance(obj, (list, tuple)):
        return "a list"
    if isinstance(obj, str):
        return "a string"
    return f"a {type(obj).__name__} value"
