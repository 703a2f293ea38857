"""Render ``schema/static_binding_generator.schema.yaml`` as reStructuredText at build time.

The config reference page holds only the ``.. numbast-schema-reference::`` directive: every key,
type, default, constraint and example on that page comes from the schema, so the reference cannot
drift from what ``numbast_core.config`` validates. ``render_schema(schema)`` is pure (dict in,
text out) so tests can check the text without running Sphinx.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

HEADINGS = ("-", "~", "^", '"')  # section underlines below the page title, by depth


def load_schema() -> dict:
    from numbast_core._schema import schema_path

    with open(schema_path(), encoding="utf-8") as f:
        return yaml.safe_load(f)


def slug(key: str) -> str:
    return "config-" + re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-")


def inline(text: str) -> str:
    """Schema descriptions use Markdown-style `code`; reST wants ``code``."""
    return re.sub(r"(?<!`)`([^`]+)`(?!`)", r"``\1``", " ".join(text.split()))


def literal(value: Any) -> str:
    text = (
        value
        if isinstance(value, str)
        else yaml.safe_dump(value, default_flow_style=True, sort_keys=False)
    )
    return "``" + text.strip().replace("\n", " ").removesuffix("...").strip() + "``"


def resolve(node: dict, root: dict) -> dict:
    ref = node.get("$ref")
    if not ref:
        return node
    target = root
    for part in ref.removeprefix("#/").split("/"):
        target = target[part]
    merged = {k: v for k, v in node.items() if k != "$ref"}
    return {**resolve(target, root), **merged}


def type_text(node: dict, root: dict) -> str:
    node = resolve(node, root)
    if "anyOf" in node or "oneOf" in node:
        options = node.get("anyOf") or node.get("oneOf")
        return " or ".join(
            inline(o["title"]) if "title" in o else type_text(o, root)
            for o in (resolve(o, root) for o in options)
        )
    if "enum" in node:
        return "one of " + ", ".join(literal(v) for v in node["enum"])
    types = node.get("type", "any")
    types = types if isinstance(types, list) else [types]
    words = []
    for t in types:
        if t == "array" and isinstance(node.get("items"), dict):
            words.append(f"list of ({type_text(node['items'], root)})")
        elif t == "object" and isinstance(node.get("additionalProperties"), dict):
            words.append(f"mapping of string to ({type_text(node['additionalProperties'], root)})")
        elif t == "object" and "properties" in node:
            words.append("mapping with the keys below")
        else:
            words.append(t)
    return " or ".join(words)


def constraints(node: dict, root: dict, prefix: str = "") -> list[str]:
    node = resolve(node, root)
    out = []
    if "minLength" in node:
        out.append(f"{prefix}at least {node['minLength']} character(s)")
    if "pattern" in node:
        out.append(f"{prefix}matches the regular expression {literal(node['pattern'])}")
    if "enum" in node and prefix:
        out.append(f"{prefix}one of " + ", ".join(literal(v) for v in node["enum"]))
    if "minItems" in node:
        out.append(f"{prefix}at least {node['minItems']} item(s)")
    if "maxItems" in node:
        out.append(f"{prefix}at most {node['maxItems']} item(s)")
    if node.get("uniqueItems"):
        out.append(f"{prefix}no item twice")
    if node.get("additionalProperties") is False and "properties" in node:
        names = ", ".join(literal(k) for k in node["properties"])
        out.append(f"{prefix}no keys other than {names}")
    if node.get("required") and prefix:
        out.append(f"{prefix}requires " + ", ".join(literal(k) for k in node["required"]))
    if isinstance(node.get("propertyNames"), dict):
        out += constraints(node["propertyNames"], root, f"{prefix}each key: ")
    if isinstance(node.get("items"), dict):
        out += constraints(node["items"], root, f"{prefix}each item: ")
    if isinstance(node.get("additionalProperties"), dict):
        value = resolve(node["additionalProperties"], root)
        out += constraints(value, root, f"{prefix}each value: ")
    for option in node.get("anyOf", ()):
        option = resolve(option, root)
        title = inline(option.get("title", "option"))
        out += constraints(option, root, f"{prefix}as {title}: ")
    return out


def yaml_block(path: str, value: Any) -> list[str]:
    """``value`` under its key, nested keys inside their parents (``Exclude:`` / ``Function:``)."""
    for key in reversed(path.split(".")):
        value = {key: value}
    text = yaml.safe_dump(value, sort_keys=False, allow_unicode=True, width=90)
    return ["", ".. code-block:: yaml", ""] + ["   " + line for line in text.splitlines()]


def render_key(
    key: str, node: dict, root: dict, required: bool, depth: int, path: str = ""
) -> list[str]:
    node = resolve(node, root)
    full = f"{path}.{key}" if path else key
    lines = [f".. _{slug(full)}:", "", full, HEADINGS[depth] * len(full), ""]
    if node.get("description"):
        lines += [inline(node["description"]), ""]
    lines.append(f":Type: {type_text(node, root)}")
    if required:
        lines.append(":Required: yes")
    else:
        lines.append(":Required: no")
        if "default" in node:
            lines.append(f":Default: {literal(node['default'])}")
    found = constraints(node, root)
    if found:
        lines.append(":Constraints:")
        lines += [f"   - {c}" for c in found]
    examples = node.get("examples") or []
    if examples:
        lines += ["", "Example" + ("s" if len(examples) > 1 else "") + ":"]
        for example in examples:
            lines += yaml_block(full, example)
    lines.append("")
    nested = node.get("properties") or {}
    for sub, sub_node in nested.items():
        lines += render_key(sub, sub_node, root, sub in node.get("required", ()), depth + 1, full)
    return lines


def render_schema(schema: dict) -> str:
    """The whole reference as reStructuredText (sections start at ``-`` underlines)."""
    props = schema.get("properties", {})
    required = [k for k in schema.get("required", ()) if k in props]
    optional = [k for k in props if k not in required]
    lines = [inline(schema.get("description", "")), ""]
    if schema.get("examples"):
        lines += ["A complete example:", "", ".. code-block:: yaml", ""]
        text = yaml.safe_dump(schema["examples"][0], sort_keys=False, width=90)
        lines += ["   " + line for line in text.splitlines()] + [""]
    lines += ["Required keys", HEADINGS[0] * 13, ""]
    for key in required:
        lines += render_key(key, props[key], schema, True, 1)
    lines += ["Optional keys", HEADINGS[0] * 13, ""]
    for key in optional:
        lines += render_key(key, props[key], schema, False, 1)
    return "\n".join(lines) + "\n"


def all_key_paths(schema: dict) -> list[str]:
    """Every key of the schema, nested ones written ``Parent.Child``."""
    out = []

    def walk(props: dict, path: str) -> None:
        for key, node in props.items():
            full = f"{path}.{key}" if path else key
            out.append(full)
            walk(resolve(node, schema).get("properties") or {}, full)

    walk(schema.get("properties", {}), "")
    return out


def setup(app):
    from docutils.parsers.rst import Directive
    from docutils.statemachine import StringList
    from sphinx.util.nodes import nested_parse_with_titles

    class SchemaReference(Directive):
        has_content = False

        def run(self):
            from docutils import nodes
            from numbast_core._schema import schema_path

            self.state.document.settings.record_dependencies.add(str(schema_path()))
            text = render_schema(load_schema())
            container = nodes.section()
            container.document = self.state.document
            nested_parse_with_titles(
                self.state, StringList(text.splitlines(), "<schema reference>"), container
            )
            return container.children

    app.add_directive("numbast-schema-reference", SchemaReference)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
