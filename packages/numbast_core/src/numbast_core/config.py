"""Load and validate a Numbast config: YAML safe-load, JSON Schema, semantic checks.

``load_config(path)`` and ``Config.from_dict(mapping, base_dir)`` return a frozen, normalised
``Config`` or raise ``ConfigError`` listing every problem found, each ``<key path>: <problem>``.
The contract (keys, types, defaults, constraints) lives in ``schema/``; this module adds the checks
a schema cannot express (files exist, regexes compile, Python snippets parse, Numba names exist).

Nothing here imports numba: the names of Numba type and data model classes are listed below and
a test checks them against the installed numba-cuda.
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
import enum
import keyword
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from numbast_core._schema import schema_path
from numbast_core.errors import ConfigError

__all__ = [
    "Config",
    "ConfigError",
    "Exclude",
    "FrozenMap",
    "Intent",
    "ModuleCallbacks",
    "PrefixRemoval",
    "load_config",
    "schema_path",
]

# Class names in numba.cuda.types that are numba Type subclasses (valid `Types` values).
NUMBA_TYPE_CLASSES = frozenset(
    (
        "Array",
        "ArrayCTypes",
        "ArrayCompatible",
        "ArrayFlags",
        "ArrayIterator",
        "BaseAnonymousTuple",
        "BaseContainerIterator",
        "BaseContainerPayload",
        "BaseFunction",
        "BaseNamedTuple",
        "BaseTuple",
        "Boolean",
        "BooleanLiteral",
        "BoundFunction",
        "Buffer",
        "ByteArray",
        "Bytes",
        "CPointer",
        "Callable",
        "CharSeq",
        "ClassDataType",
        "ClassInstanceType",
        "ClassType",
        "Complex",
        "ConstSized",
        "Container",
        "ContextManager",
        "DType",
        "DTypeSpec",
        "DeferredType",
        "DictItemsIterableType",
        "DictIteratorType",
        "DictKeysIterableType",
        "DictType",
        "DictValuesIterableType",
        "Dim3",
        "Dispatcher",
        "Dummy",
        "EllipsisType",
        "EnumClass",
        "EnumMember",
        "EnumerateType",
        "EphemeralArray",
        "EphemeralPointer",
        "ExceptionClass",
        "ExceptionInstance",
        "ExternalFunction",
        "ExternalFunctionPointer",
        "Float",
        "Function",
        "FunctionPrototype",
        "FunctionType",
        "Generator",
        "GridGroup",
        "Hashable",
        "IntEnumClass",
        "IntEnumMember",
        "Integer",
        "IntegerLiteral",
        "IterableType",
        "IteratorType",
        "List",
        "ListIter",
        "ListPayload",
        "ListType",
        "ListTypeIterableType",
        "ListTypeIteratorType",
        "Literal",
        "LiteralList",
        "LiteralStrKeyDict",
        "MakeFunctionLiteral",
        "MemInfoPointer",
        "MemoryView",
        "Module",
        "MutableSequence",
        "NPDatetime",
        "NPTimedelta",
        "NamedTuple",
        "NamedTupleClass",
        "NamedUniTuple",
        "NestedArray",
        "NoneType",
        "NumPyRandomBitGeneratorType",
        "NumPyRandomGeneratorType",
        "Number",
        "NumberClass",
        "NumpyFlatType",
        "NumpyNdEnumerateType",
        "NumpyNdIndexType",
        "NumpyNdIterType",
        "ObjModeDispatcher",
        "Object",
        "Omitted",
        "Opaque",
        "Optional",
        "Pair",
        "Phantom",
        "Poison",
        "PolynomialType",
        "PyArray",
        "PyObject",
        "RangeIteratorType",
        "RangeType",
        "RawPointer",
        "Record",
        "RecursiveCall",
        "Sequence",
        "Set",
        "SetEntry",
        "SetIter",
        "SetIterableType",
        "SetIteratorType",
        "SetPayload",
        "SetType",
        "SimpleIterableType",
        "SimpleIteratorType",
        "Sized",
        "SliceLiteral",
        "SliceType",
        "StarArgTuple",
        "StarArgUniTuple",
        "StringLiteral",
        "StructRef",
        "StructRefPayload",
        "Tuple",
        "Type",
        "TypeRef",
        "UndefVar",
        "Undefined",
        "UndefinedFunctionType",
        "UniTuple",
        "UniTupleIter",
        "UnicodeCharSeq",
        "UnicodeIteratorType",
        "UnicodeType",
        "UnionType",
        "VarArg",
        "WeakType",
        "ZipType",
    )
)

# Class names in numba.cuda.datamodel.models that are DataModel subclasses (`Data Models` values).
NUMBA_DATA_MODEL_CLASSES = frozenset(
    (
        "ArrayCTypesModel",
        "ArrayFlagsModel",
        "ArrayIterator",
        "ArrayModel",
        "BooleanModel",
        "CContiguousFlatIter",
        "CharSeq",
        "ComplexModel",
        "CompositeModel",
        "DataModel",
        "DeferredStructModel",
        "EnumModel",
        "EnumerateType",
        "EphemeralArrayModel",
        "EphemeralPointerModel",
        "ExternalFuncPointerModel",
        "FlatIter",
        "FloatModel",
        "GeneratorModel",
        "IntegerModel",
        "ListIterModel",
        "ListModel",
        "ListPayloadModel",
        "MemInfoModel",
        "NdIndexModel",
        "NdIter",
        "NestedArrayModel",
        "OmittedArgDataModel",
        "OpaqueModel",
        "OptionalModel",
        "PairModel",
        "PointerModel",
        "PrimitiveModel",
        "ProxyModel",
        "RangeIteratorType",
        "RangeModel",
        "RecordModel",
        "SetEntryModel",
        "SetIterModel",
        "SetModel",
        "SetPayloadModel",
        "SliceModel",
        "StructModel",
        "StructPayloadModel",
        "StructRefModel",
        "TupleModel",
        "UniTupleIter",
        "UniTupleModel",
        "UnicodeCharSeq",
        "UnionModel",
        "ZipType",
    )
)

_ARCH_RE = re.compile(r"^sm_[0-9]+a?$")
_DOTTED_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_MACRO_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?$", re.DOTALL)
_INDEX_RE = re.compile(r"^[0-9]+$")
_MAX_NODES = 100_000  # a config is small; this stops YAML alias bombs early


# --------------------------------------------------------------------------------------------
# Value types
# --------------------------------------------------------------------------------------------


class FrozenMap(Mapping):
    """A read-only, hashable, insertion-ordered mapping."""

    __slots__ = ("_data",)

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
class Config:
    """A validated, normalised config. Build it with ``load_config`` or ``Config.from_dict``."""

    entry_point: str
    entry_point_include: str
    file_list: tuple[str, ...]
    gpu_arch: tuple[str, ...]
    name: str | None = None
    version: str | None = None
    types: FrozenMap = dataclasses.field(default_factory=FrozenMap)
    data_models: FrozenMap = dataclasses.field(default_factory=FrozenMap)
    exclude: Exclude = Exclude()
    clang_include_paths: tuple[str, ...] = ()
    additional_imports: tuple[str, ...] = ()
    shim_include_override: str | None = None
    predefined_macros: tuple[tuple[str, str | None], ...] = ()
    output_name: str = ""
    cooperative_regexes: tuple[str, ...] = ()
    prefix_removal: PrefixRemoval = PrefixRemoval()
    module_callbacks: ModuleCallbacks = ModuleCallbacks()
    skip_prefix: str | None = None
    use_separate_registry: bool = False
    function_argument_intents: FrozenMap = dataclasses.field(default_factory=FrozenMap)
    config_path: str | None = None
    warnings: tuple[str, ...] = ()

    @property
    def arch(self) -> str:
        """The (single) GPU architecture."""
        return self.gpu_arch[0]

    def with_arch(self, arch: str) -> Config:
        """Return a copy whose ``GPU Arch`` is ``[arch]`` (the command line's override)."""
        if not isinstance(arch, str) or not _ARCH_RE.match(arch):
            raise ConfigError([f"GPU Arch[0]: {arch!r} does not match {_ARCH_RE.pattern!r}"])
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

        Relative paths are resolved against ``base_dir``. Raises ``ConfigError`` with every
        problem found.
        """
        cfg_path = os.path.abspath(os.fspath(config_path)) if config_path is not None else None
        return _build(mapping, os.path.abspath(os.fspath(base_dir)), cfg_path)


def load_config(path: str | os.PathLike) -> Config:
    """Read, validate and normalise the YAML config at ``path``."""
    path = os.path.abspath(os.fspath(path))
    data = _read_yaml(path)
    return _build(data, os.path.dirname(path), path)


# --------------------------------------------------------------------------------------------
# YAML
# --------------------------------------------------------------------------------------------


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


def _read_yaml(path: str) -> Any:
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
    return _parse_yaml(text, path)


def _parse_yaml(text: str, source: str) -> Any:
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


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


def _load_schema() -> dict:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(schema_path(), encoding="utf-8") as f:
        return yaml.load(f, Loader=loader)  # a safe loader (C if available)


def _fmt_path(parts) -> str:
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += f".{p}" if out else str(p)
    return out or "<config>"


def _jsonable(obj: Any, path: tuple, problems: list[str], budget: list[int], stack: set) -> Any:
    """Copy the YAML data into JSON-like data: mapping keys become strings (an int key is kept
    as its decimal string), recursion and alias bombs are stopped."""
    budget[0] -= 1
    if budget[0] < 0:
        raise ConfigError([f"{_fmt_path(path)}: config is too large (over {_MAX_NODES} values)"])
    if isinstance(obj, (dict, list)):
        if id(obj) in stack:
            raise ConfigError([f"{_fmt_path(path)}: a YAML alias refers to itself"])
        stack.add(id(obj))
        try:
            if isinstance(obj, list):
                return [
                    _jsonable(v, (*path, i), problems, budget, stack) for i, v in enumerate(obj)
                ]
            out: dict = {}
            for k, v in obj.items():
                if isinstance(k, bool) or not isinstance(k, (str, int)):
                    problems.append(
                        f"{_fmt_path(path)}: key {k!r} is not a string (quote it in the YAML)"
                    )
                    continue
                key = str(k)
                if key in out:
                    problems.append(f"{_fmt_path((*path, key))}: duplicate key")
                    continue
                out[key] = _jsonable(v, (*path, key), problems, budget, stack)
            return out
        finally:
            stack.discard(id(obj))
    return obj


def _schema_problem(error) -> str:
    path = list(error.absolute_path)
    if error.validator == "required":
        missing = re.match(r"'(.*)' is a required property", error.message)
        name = missing.group(1) if missing else error.message
        return f"{_fmt_path([*path, name])}: required key is missing"
    if error.validator == "additionalProperties" and error.validator_value is False:
        known = list(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(known))
        msgs = []
        for key in extra:
            hint = _did_you_mean(key, known)
            allowed = ", ".join(repr(k) for k in known)
            msgs.append(f"{_fmt_path([*path, key])}: unknown key{hint} (allowed: {allowed})")
        return "\n".join(msgs)
    if error.validator in ("anyOf", "oneOf") and error.context:
        deeper = [e for e in error.context if e.relative_path]
        if deeper:
            best = max(deeper, key=lambda e: len(e.relative_path))
            return _schema_problem(best)
        titles = [s.get("title") for s in error.validator_value]
        if all(titles):
            return f"{_fmt_path(path)}: {error.instance!r} is not {' or '.join(titles)}"
    if "propertyNames" in error.absolute_schema_path:
        return f"{_fmt_path(path)}: key {error.message}"
    return f"{_fmt_path(path)}: {error.message}"


def _did_you_mean(key: str, known) -> str:
    lowered = {k.lower(): k for k in known}
    match = difflib.get_close_matches(key.lower(), list(lowered), n=1, cutoff=0.6)
    return f"; did you mean {lowered[match[0]]!r}?" if match else ""


def _build(mapping: Any, base_dir: str, config_path: str | None) -> Config:
    source = config_path
    if mapping is None:
        raise ConfigError(
            [
                "<config>: the config is empty; it must be a mapping with at least "
                "'Entry Point', 'GPU Arch' and 'File List'"
            ],
            source,
        )
    if not isinstance(mapping, Mapping):
        raise ConfigError(
            [f"<config>: the top level must be a mapping of keys to values, not {_kind(mapping)}"],
            source,
        )
    problems: list[str] = []
    try:
        data = _jsonable(dict(mapping), (), problems, [_MAX_NODES], set())
    except ConfigError as e:
        raise ConfigError(e.problems, source) from None

    schema = _load_schema()
    validator = jsonschema.Draft202012Validator(schema)
    bad_keys: set[str] = set()
    for error in sorted(validator.iter_errors(data), key=lambda e: _fmt_path(e.absolute_path)):
        problems.extend(_schema_problem(error).split("\n"))
        top = error.absolute_path[0] if error.absolute_path else None
        if top is None and error.validator == "required":
            continue
        bad_keys.add(top if isinstance(top, str) else "<all>")

    warnings = []
    known = list(schema["properties"])
    for key in data:
        if key not in schema["properties"]:
            warnings.append(f"{key}: unknown key, ignored{_did_you_mean(key, known)}")

    checker = _Checker(data, base_dir, problems, bad_keys)
    values = checker.run() if "<all>" not in bad_keys else None
    if problems or values is None:
        raise ConfigError(problems, source)
    warnings.extend(checker.warnings)
    return Config(**values, config_path=config_path, warnings=tuple(warnings))


def _kind(obj: Any) -> str:
    if isinstance(obj, (list, tuple)):
        return "a list"
    if isinstance(obj, str):
        return "a string"
    return f"a {type(obj).__name__} value"


class _Checker:
    """Semantic checks and normalisation of keys whose schema validation passed."""

    def __init__(self, data: dict, base_dir: str, problems: list[str], bad: set[str]) -> None:
        self.data = data
        self.base_dir = base_dir
        self.problems = problems
        self.bad = bad
        self.warnings: list[str] = []
        self._cuda_dirs: tuple[str, ...] | None = None

    def ok(self, key: str) -> bool:
        return key in self.data and key not in self.bad

    def get(self, key: str, default: Any) -> Any:
        return self.data[key] if self.ok(key) else default

    def cuda_include_dirs(self) -> tuple[str, ...]:
        if self._cuda_dirs is None:
            from ast_canopy.cuda_paths import find_cuda_paths  # cheap: no numba, no libclang

            try:
                self._cuda_dirs = find_cuda_paths().include_dirs
            except (OSError, RuntimeError):
                self._cuda_dirs = ()
        return self._cuda_dirs

    # ---- paths ------------------------------------------------------------------------------

    def resolve_header(self, spec: str, key: str, include_paths: tuple[str, ...]) -> str | None:
        spec = spec.strip()
        if spec.startswith("<") and spec.endswith(">") and len(spec) > 2:
            name = spec[1:-1].strip()
            searched = (*include_paths, *self.cuda_include_dirs())
            for d in searched:
                candidate = os.path.join(d, name)
                if os.path.isfile(candidate):
                    return os.path.realpath(candidate)
            where = ", ".join(searched) if searched else "no directories: no CUDA headers found"
            self.problems.append(
                f"{key}: {spec} not found in Clang Include Paths or the CUDA include "
                f"directories (searched: {where})"
            )
            return None
        path = self.abspath(spec)
        if not os.path.isfile(path):
            what = "is not a file" if os.path.exists(path) else "not found"
            self.problems.append(f"{key}: {spec!r} {what} (looked for {path})")
            return None
        return os.path.realpath(path)

    def abspath(self, spec: str) -> str:
        return os.path.normpath(os.path.join(self.base_dir, os.path.expanduser(spec)))

    def include_name(self, spec: str, resolved: str) -> str:
        spec = spec.strip()
        if spec.startswith("<") and spec.endswith(">"):
            return spec[1:-1].strip()
        for d in self.cuda_include_dirs():
            d = os.path.realpath(d)
            if resolved.startswith(d.rstrip(os.sep) + os.sep):
                return Path(os.path.relpath(resolved, d)).as_posix()
        return resolved

    # ---- the whole config -------------------------------------------------------------------

    def run(self) -> dict | None:
        out: dict[str, Any] = {}

        include_paths: list[str] = []
        for i, p in enumerate(self.get("Clang Include Paths", [])):
            path = self.abspath(p)
            if not os.path.isdir(path):
                what = "is not a directory" if os.path.exists(path) else "not found"
                self.problems.append(f"Clang Include Paths[{i}]: {p!r} {what} (looked for {path})")
            else:
                include_paths.append(os.path.realpath(path))
        out["clang_include_paths"] = tuple(dict.fromkeys(include_paths))
        inc = out["clang_include_paths"]

        entry_spec = self.get("Entry Point", None)
        entry = self.resolve_header(entry_spec, "Entry Point", inc) if entry_spec else None

        files: list[str] = []
        for i, spec in enumerate(self.get("File List", [])):
            resolved = self.resolve_header(spec, f"File List[{i}]", inc)
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
        out["shim_include_override"] = override.strip() if override else None
        if entry:
            out["entry_point"] = entry
            out["entry_point_include"] = out["shim_include_override"] or self.include_name(
                entry_spec, entry
            )

        out["gpu_arch"] = tuple(self.get("GPU Arch", ()))
        out["name"] = self.get("Name", None)
        out["version"] = self.get("Version", None)
        out["types"] = self.numba_names("Types", NUMBA_TYPE_CLASSES, "numba.cuda.types")
        out["data_models"] = self.numba_names(
            "Data Models", NUMBA_DATA_MODEL_CLASSES, "numba.cuda.datamodel.models"
        )

        ex = self.get("Exclude", {})
        out["exclude"] = Exclude(
            functions=tuple(ex.get("Function", ())),
            structs=tuple(ex.get("Struct", ())),
            enums=tuple(ex.get("Enum", ())),
        )
        out["additional_imports"] = self.imports()
        out["predefined_macros"] = self.macros()

        output_name = self.get("Output Name", None)
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
        out["output_name"] = output_name or ""

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
        out["cooperative_regexes"] = tuple(regexes)

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

        if self.problems or "entry_point" not in out:
            return None
        return out

    # ---- individual keys --------------------------------------------------------------------

    def numba_names(self, key: str, valid: frozenset, where: str) -> FrozenMap:
        result = {}
        for struct, name in self.get(key, {}).items():
            if name not in valid:
                hint = _did_you_mean(name, sorted(valid))
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
            if expr is None:
                continue
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
