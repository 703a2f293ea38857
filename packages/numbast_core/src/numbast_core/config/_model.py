"""The validated config as frozen dataclasses: what every later stage reads."""

from __future__ import annotations

import dataclasses
import enum
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from numbast_core.errors import ConfigError

ARCH_RE = re.compile(r"^sm_[0-9]+a?$")


class FrozenMap(Mapping):
    """A read-only, hashable, insertion-ordered mapping."""

    __slots__ = ("_data",)
    _data: dict[Any, Any]

    def __init__(self, items: Mapping | Any = ()) -> None:
        object.__setattr__(self, "_data", dict(items))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("FrozenMap is immutable")

    def __getitem__(self, key: Any) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        return hash(frozenset(self._data.items()))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return dict(self.items()) == dict(other.items())
        return NotImplemented

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"


class Intent(enum.Enum):
    """How a pointer or reference parameter is used (``Function Argument Intents``)."""

    IN = "in"
    INOUT_PTR = "inout_ptr"
    OUT_PTR = "out_ptr"
    OUT_RETURN = "out_return"


@dataclass(frozen=True)
class Exclude:
    """C++ names that are not bound (``Exclude``)."""

    functions: tuple[str, ...] = ()
    structs: tuple[str, ...] = ()
    enums: tuple[str, ...] = ()


@dataclass(frozen=True)
class PrefixRemoval:
    """Prefixes removed from C++ names to form Python names (``API Prefix Removal``)."""

    functions: tuple[str, ...] = ()
    structs: tuple[str, ...] = ()
    enums: tuple[str, ...] = ()


@dataclass(frozen=True)
class ModuleCallbacks:
    """Python expressions run when the CUDA module is loaded / unloaded."""

    setup: str | None = None
    teardown: str | None = None


@dataclass(frozen=True)
class TemplateInstance:
    """A function template instance bound ahead (config Template Instances): planned as an
    ordinary function and precompiled with the glue."""

    function: str  # the template's C++ name (qualified or not)
    arguments: tuple[str, ...] = ()  # C++ types of the call's arguments (deduced as C++ does)
    template_arguments: tuple[tuple[str, str], ...] = ()  # explicit ones, by parameter name


@dataclass(frozen=True)
class Config:
    """A validated, normalised config. Build it with ``load_config`` or ``Config.from_dict``."""

    entry_point: str
    entry_point_include: str  # the header name between the include's delimiters
    file_list: tuple[str, ...]
    gpu_arch: tuple[str, ...]
    name: str | None = None
    version: str | None = None
    types: FrozenMap = dataclasses.field(default_factory=FrozenMap)
    data_models: FrozenMap = dataclasses.field(default_factory=FrozenMap)
    exclude: Exclude = Exclude()
    clang_include_paths: tuple[str, ...] = ()
    additional_imports: tuple[str, ...] = ()
    shim_include_override: str | None = None  # the header name, without quotes or brackets
    predefined_macros: tuple[tuple[str, str | None], ...] = ()
    output_name: str = ""
    cooperative_regexes: tuple[str, ...] = ()
    prefix_removal: PrefixRemoval = PrefixRemoval()
    module_callbacks: ModuleCallbacks = ModuleCallbacks()
    skip_prefix: str | None = None
    use_separate_registry: bool = False
    function_argument_intents: FrozenMap = dataclasses.field(default_factory=FrozenMap)
    template_instances: tuple[TemplateInstance, ...] = ()
    config_path: str | None = None
    warnings: tuple[str, ...] = ()
    # `#include "name"` rather than `#include <name>` (a quoted Shim Include Override).
    entry_point_include_quoted: bool = False
    # "numba-cuda" or "numba-cuda-mlir" (``Backend``, or upstream's ``MLIR Backend: true``)
    backend: str = "numba-cuda"
    # Upstream Numbast's numba-cuda-mlir key: read and kept, not used.
    module_link_variables_used: tuple[str, ...] = ()
    # One line per relative path: which base directory it was resolved against (for `-v`).
    path_resolution: tuple[str, ...] = ()

    @property
    def arch(self) -> str:
        """The first GPU architecture (the one the module falls back to outside a compile)."""
        return self.gpu_arch[0]

    def with_arch(self, arch: str) -> Config:
        """Return a copy whose ``GPU Arch`` is ``[arch]`` (the command line's override)."""
        if not isinstance(arch, str) or not ARCH_RE.match(arch):
            raise ConfigError([f"GPU Arch[0]: {arch!r} does not match {ARCH_RE.pattern!r}"])
        return dataclasses.replace(self, gpu_arch=(arch,))

    @classmethod
    def from_dict(
        cls,
        mapping: Mapping,
        base_dir: str | os.PathLike,
        *,
        config_path: str | os.PathLike | None = None,
    ) -> Config:
        """Validate ``mapping`` (a parsed config) and normalise it.

        A relative path is resolved against ``base_dir``, or against the current directory when
        it is not found there (as upstream Numbast does). Raises ``ConfigError`` with every
        problem found.
        """
        from ._build import build  # the builder constructs Config: import it on use

        cfg_path = os.path.abspath(os.fspath(config_path)) if config_path is not None else None
        return build(mapping, os.path.abspath(os.fspath(base_dir)), cfg_path)
