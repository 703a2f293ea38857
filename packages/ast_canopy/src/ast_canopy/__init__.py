"""ast_canopy: CUDA C++ header introspection over libclang."""

from __future__ import annotations

import os
import re
import sys
import tempfile
from collections.abc import Sequence

from .cuda_paths import CudaPaths, find_cuda_paths
from .model import (
    Access,
    ClassTemplate,
    ClassTemplateSpecialization,
    ConstExprVar,
    Declarations,
    Diagnostic,
    Enum,
    Enumerator,
    ExecSpace,
    Field,
    Function,
    FunctionTemplate,
    Location,
    Method,
    MethodKind,
    Param,
    Struct,
    TemplateParam,
    TemplateParamKind,
    Type,
    Typedef,
)

__version__ = "0.2.0"

__all__ = [
    "Access",
    "ClassTemplate",
    "ClassTemplateSpecialization",
    "ConstExprVar",
    "CudaPaths",
    "Declarations",
    "Diagnostic",
    "Enum",
    "Enumerator",
    "ExecSpace",
    "Field",
    "Function",
    "FunctionTemplate",
    "Location",
    "Method",
    "MethodKind",
    "Param",
    "ParseError",
    "Struct",
    "TemplateParam",
    "TemplateParamKind",
    "Type",
    "Typedef",
    "__version__",
    "clang_version",
    "cuda_version",
    "find_cuda_paths",
    "parse",
    "parse_declarations_from_source",
    "value_from_constexpr_vardecl",
]


class ParseError(Exception):
    """clang reported errors; ``.diagnostics`` holds every diagnostic (errors and warnings)."""

    def __init__(self, source: str, diagnostics: Sequence[Diagnostic]):
        self.source = source
        self.diagnostics = tuple(diagnostics)
        errors = [d for d in self.diagnostics if d.severity in ("error", "fatal")]
        lines = [f"{d.location}: {d.message}" for d in errors]
        super().__init__(
            f"{len(errors)} error(s) parsing {source}:\n" + "\n".join("  " + x for x in lines)
        )

    def __reduce__(self):
        return (type(self), (self.source, self.diagnostics))


def clang_version() -> str:
    """Version string of the bundled libclang."""
    from . import _clang

    return _clang.clang_version()


def cuda_version(cudatoolkit_include_dirs: Sequence[str] | None = None) -> str | None:
    """``"13.0"``: ``CUDA_VERSION`` from ``cuda.h`` of the headers a parse would use."""
    paths = find_cuda_paths(_as_list(cudatoolkit_include_dirs) or None)
    try:
        with open(os.path.join(paths.include_dirs[0], "cuda.h")) as f:
            m = re.search(r"^#define\s+CUDA_VERSION\s+(\d+)", f.read(), re.MULTILINE)
    except OSError:
        return None
    if not m:
        return None
    v = int(m.group(1))
    return f"{v // 1000}.{v % 1000 // 10}"


def _as_list(value: str | os.PathLike | Sequence[str | os.PathLike] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (str, os.PathLike)):
        return [os.fspath(value)]
    return [os.fspath(v) for v in value]


def _parse(
    source_path: str,
    files_to_retain: Sequence[str],
    compute_capability: object,
    cudatoolkit_include_dirs: Sequence[str] | None,
    cxx_standard: str,
    additional_includes: Sequence[str] | None,
    defines: Sequence[str] | None,
    verbose: bool,
    bypass_parse_error: bool,
    skip_function_bodies: bool,
    unsaved: Sequence[tuple[str, str]] = (),
) -> Declarations:
    from . import _clang, _interrupt, extract

    arch = _clang.normalize_arch(compute_capability)
    paths = find_cuda_paths(_as_list(cudatoolkit_include_dirs) or None)
    includes = _as_list(additional_includes)
    for d in includes:
        if not os.path.isdir(d):
            raise FileNotFoundError(f"include directory not found: {d}")
    cache = _clang.cache_dir()
    # Ctrl-C is held while libclang runs (it would be lost in a visitor callback), then raised.
    with (
        _interrupt.ctrl_c_deferred(),
        _clang.support_dir(paths, cache) as (root, include_dirs, stub),
    ):
        args = _clang.build_args(
            arch, root, include_dirs, cxx_standard, includes, _as_list(defines), stub
        )
        pch = _clang.prefix_pch(args, cache)
        if verbose:
            print(f"ast_canopy: clang {' '.join(args)} {source_path}", file=sys.stderr)
            print(f"ast_canopy: prefix PCH {pch}", file=sys.stderr)
        tu = _clang.parse(source_path, args, skip_function_bodies, unsaved, pch)
        diags = _clang.diagnostics(tu)
        if verbose:
            for diag in diags:
                print(f"ast_canopy: {diag}", file=sys.stderr)
        if not bypass_parse_error and any(d.severity in ("error", "fatal") for d in diags):
            raise ParseError(source_path, diags)
        # Inside the ``with``: locations may point through links in the temp dir.
        declarations = extract.extract(tu, files_to_retain, diags)
        del tu  # disposed of here, not in a finalizer after the ``with`` (see ctrl_c_deferred)
        return declarations


def parse_declarations_from_source(
    source_file_path: str | os.PathLike,
    files_to_retain: Sequence[str | os.PathLike],
    compute_capability: str | int | tuple[int, int],
    cudatoolkit_include_dirs: Sequence[str] | None = None,
    cxx_standard: str = "gnu++17",
    additional_includes: Sequence[str] | None = None,
    defines: Sequence[str] | None = None,
    verbose: bool = False,
    bypass_parse_error: bool = False,
    skip_function_bodies: bool = False,
) -> Declarations:
    """Parse ``source_file_path`` as CUDA device code for ``compute_capability`` ("sm_90").

    Declarations are kept when their file's realpath is among ``files_to_retain``. ``defines``
    are ``"NAME"`` or ``"NAME=VALUE"``; ``additional_includes`` are extra ``-I`` directories.
    Raises ``FileNotFoundError`` (missing file), ``ValueError`` (bad arch) or ``ParseError``
    (clang errors, unless ``bypass_parse_error``; the diagnostics are then on the result).
    """
    path = os.fspath(source_file_path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"source file not found: {path}")
    retain = _as_list(files_to_retain)
    for f in retain:
        if not os.path.exists(f):
            raise FileNotFoundError(f"file to retain not found: {f}")
    return _parse(
        path,
        retain,
        compute_capability,
        cudatoolkit_include_dirs,
        cxx_standard,
        additional_includes,
        defines,
        verbose,
        bypass_parse_error,
        skip_function_bodies,
    )


parse = parse_declarations_from_source


def value_from_constexpr_vardecl(
    source: str,
    vardecl_name: str,
    compute_capability: str | int | tuple[int, int],
    cxx_standard: str = "gnu++17",
    cudatoolkit_include_dirs: Sequence[str] | None = None,
    additional_includes: Sequence[str] | None = None,
    defines: Sequence[str] | None = None,
    verbose: bool = False,
) -> ConstExprVar | None:
    """Evaluate the ``constexpr`` variable ``vardecl_name`` declared in the C++ text ``source``.

    ``vardecl_name`` may be plain (``"N"``) or qualified (``"ns::N"``). Returns ``None`` when
    no such variable exists; ``.value`` is ``None`` when clang cannot evaluate it.
    """
    with tempfile.TemporaryDirectory(prefix="ast_canopy_") as tmp:
        path = os.path.join(tmp, "constexpr_source.cu")
        with open(path, "w") as f:
            f.write(source)
        decls = _parse(
            path,
            [path],
            compute_capability,
            cudatoolkit_include_dirs,
            cxx_standard,
            additional_includes,
            defines,
            verbose,
            False,
            False,  # bodies are needed: the initializer may call constexpr functions
        )
    for var in decls.constexpr_vars:
        if vardecl_name in (var.name, var.qualified_name):
            return var
    return None
