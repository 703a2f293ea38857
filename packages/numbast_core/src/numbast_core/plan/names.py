"""Python names of bindings: prefix removal, identifiers, reserved names, shim symbols."""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterable

from ..runtime import reserved_names

# Names the generated module itself defines (the runtime's, and those the renderer adds), and
# the builtins the runtime reads through module globals (``len``: a binding of that name would
# break it); a binding that would shadow one gets a "_" suffix. Other C++ names are kept, even
# where they are Python builtins (``sum``, ``next``).
RESERVED_NAMES = frozenset(
    {"types", "install", "typing_registry", "target_registry", "_glue", "_registries", "_shared"}
    | {"_templates"}
    | reserved_names()
)


def strip_prefix(name: str, prefixes: Iterable[str]) -> str:
    """Remove the first matching prefix, unless that leaves no valid identifier."""
    for prefix in prefixes:
        if prefix and name.startswith(prefix):
            rest = name[len(prefix) :]
            if rest.isidentifier() and not keyword.iskeyword(rest):
                return rest
    return name


def python_identifier(name: str) -> str:
    """A module-level name: never a keyword, nor a name the module or the runtime relies on."""
    name = attribute_name(name)
    return name + "_" if name in RESERVED_NAMES else name


def attribute_name(name: str) -> str:
    """A field, method or enumerator name: only keywords and invalid characters are changed."""
    name = re.sub(r"\W", "_", name)
    if keyword.iskeyword(name) or name[:1].isdigit():
        name += "_"
    return name


def shim_name(mangled: str, arity: int | None = None, module: str = "") -> str:
    """The shim's C symbol. It names the module: two modules binding the same C++ entity
    (cuda_fp16 and cuda_fp8 both build ``__half2``) are linked into one kernel side by side."""
    tag = re.sub(r"\W", "_", module.removesuffix(".py"))
    base = f"__numbast_{tag}_" + re.sub(r"\W", "_", mangled)
    return base if arity is None else f"{base}__{arity}"
