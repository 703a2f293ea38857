"""ast_canopy: CUDA C++ header introspection over libclang."""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
from collections.abc import Mapping, Sequence

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
    dirs = cudatoolkit_include_dirs or find_cuda_paths().include_dirs
    for d in dirs:
        try:
            with open(os.path.join(d, "cuda.h")) as f:
                m = re.search(r"^#define\s+CUDA_VERSION\s+(\d+)", f.read(), re.MULTILINE)
        except OSError:
            continue
        if m:
            v = int(m.group(1))
            return f"{v // 1000}.{v % 1000 // 10}"
    return None


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
    extra_headers: Mapping[str, str] | None = None,
) -> Declarations:
    from . import _cache, _clang, _fallback, _interrupt, extract, nvrtc_view, support

    arch = _clang.normalize_arch(compute_capability)
    paths = find_cuda_paths(_as_list(cudatoolkit_include_dirs) or None)
    includes = _as_list(additional_includes)
    for d in includes:
        if not os.path.isdir(d):
            raise FileNotFoundError(f"include directory not found: {d}")
    source_path = os.path.realpath(source_path)
    cache = _cache.cache_dir()
    nvrtc_macros = nvrtc_view.macros(_version_tuple(cuda_version(paths.include_dirs)))
    builtins = nvrtc_view.builtin_links(os.path.join(paths.toolkit_root, "include"))
    # Ctrl-C is held while libclang runs (it would be lost in a visitor callback), then raised.
    with contextlib.ExitStack() as stack:
        stack.enter_context(_interrupt.ctrl_c_deferred())
        root, include_dirs, stub = stack.enter_context(support.support_dir(paths, cache))
        # the standard headers clang's wrapper reads from the system's C++ library keep
        # theirs (an in-memory replacement would change clang's prelude)
        prelude: frozenset[str] = frozenset()
        if extra_headers:
            plain_args = _clang.build_args(
                arch, root, include_dirs, cxx_standard, includes, _as_list(defines), stub, []
            )
            prelude = _cache.wrapper_names(plain_args, cache) or nvrtc_view.PRELUDE_STD_HEADERS
        extra = {k: v for k, v in (extra_headers or {}).items() if k not in prelude}
        compat = stack.enter_context(support.header_dir(extra, cache))
        builtin_dir = stack.enter_context(support.header_dir({}, cache, builtins))
        extra_dirs = [compat] if compat else []
        args = _clang.build_args(
            arch, root, include_dirs, cxx_standard, includes, _as_list(defines), stub, extra_dirs
        )
        pch = _cache.prefix_pch(args, cache)
        main = nvrtc_view.main_path(source_path)
        # NVRTC's built-in headers are its prelude, whose stand-in is clang's wrapper: read them
        # as the wrapper does (under __CUDACC_RTC__ they clash with clang's own intrinsics).
        builtin = source_path in builtins.values()
        if verbose:
            print(f"ast_canopy: clang {' '.join(args)} {main}", file=sys.stderr)
            print(f"ast_canopy: prefix PCH {pch}", file=sys.stderr)

        def read(defined: tuple[tuple[str, str], ...]):
            files = [*unsaved, (main, nvrtc_view.main_text(source_path, defined))]
            tu = _clang.parse(main, args, skip_function_bodies, files, pch)
            return tu, _clang.diagnostics(tu)

        # Some headers' __CUDACC_RTC__ branches assume NVRTC's built-ins (e.g. they typedef
        # uint64_t as unsigned long long, which glibc's stdint.h in clang's wrapper already
        # declared as unsigned long): when clang reports errors with NVRTC's macros, the header
        # is read as clang's wrapper does, and the result says so.
        (tu, diags), plain = _fallback.first_or_second(
            lambda: read(() if builtin else nvrtc_macros),
            lambda: read(()),
            lambda parsed: not builtin and _has_errors(parsed[1]),
            speculate_after=None if builtin else _fallback.SPECULATE_AFTER,
        )
        if plain is not None:
            clashes = "; ".join(d.message for d in diags if d.severity in ("error", "fatal"))
            warning = Diagnostic(
                "warning",
                Location(source_path, 1, 1),
                f"parsed without NVRTC's predefined macros (with __CUDACC_RTC__ clang reported: "
                f"{clashes[:300]})",
            )
            tu, plain_diags = plain
            diags = (*plain_diags, warning)
        if verbose:
            for diag in diags:
                print(f"ast_canopy: {diag}", file=sys.stderr)
        if not bypass_parse_error and _has_errors(diags):
            raise ParseError(source_path, diags)
        # Files the header itself brings in are read with NVRTC's macros already (unless it was
        # read as clang's wrapper does: a builtin, or a fallback); the probe judges the others,
        # which clang's CUDA wrapper read (e.g. runtime .hpp files).
        nvrtc_read = not builtin and plain is None
        reached = _clang.reached_from(tu, source_path) if nvrtc_read else set()
        from_wrapper = [f for f in files_to_retain if os.path.realpath(f) not in reached]
        unseen, skipped = _unseen_by_nvrtc(
            main, source_path, from_wrapper, unsaved,
            _clang.probe_args(
                arch, root, cxx_standard,
                [*include_dirs, *includes, *extra_dirs, *([builtin_dir] if builtin_dir else [])],
                [*_as_list(defines), *(f"{n}={v}" for n, v in nvrtc_macros)],
            ),
        )  # fmt: skip
        # A builtin's files that NVRTC does not read are compiled into NVRTC: what they define
        # it has; what they only declare (nvcc's intrinsics) it lacks: extract.py drops those.
        unread = frozenset(d.location.file for d in unseen)
        kept = [f for f in files_to_retain if builtin or os.path.realpath(f) not in unread]
        # Inside the ``with``: locations may point through links in the temp dir.
        # A fallback read without NVRTC's macros: what their #if branches leave out is not bound
        # either (a builtin's are NVRTC's built-in declarations: kept)
        hidden = skipped if plain is not None else {}
        declarations = extract.extract(
            tu, kept, diags + (() if builtin else unseen), paths.include_dirs, hidden,
            unread if builtin else frozenset(),
        )  # fmt: skip
        del tu  # disposed of here, not in a finalizer after the ``with`` (see ctrl_c_deferred)
        return declarations


def _unseen_by_nvrtc(
    main: str,
    source: str,
    files: Sequence[str],
    unsaved: Sequence[tuple[str, str]],
    probe: Sequence[str],
) -> tuple[tuple[Diagnostic, ...], dict[str, tuple[tuple[int, int], ...]]]:
    """A warning for each of ``files`` that NVRTC never reads: the preprocessor run with NVRTC's
    include dirs and macros, without clang's CUDA wrapper and system headers (``probe`` args,
    NVRTC's built-in crt headers on the path), does not open it. Also the line ranges that run's
    ``#if`` branches skipped, per file."""
    from . import _clang

    visible, skipped = _clang.preprocessed(
        main, probe, [*unsaved, (main, f'#include "{source}"\n')]
    )
    visible.add(source)
    unseen = tuple(
        Diagnostic(
            "warning",
            Location(os.path.realpath(f), 1, 1),
            "NVRTC does not read this file (not reached from the entry point with NVRTC's "
            "include dirs and macros, e.g. __CUDACC_RTC__): its declarations are not bound",
        )
        for f in files
        if os.path.realpath(f) not in visible
    )
    return unseen, skipped


def _has_errors(diags: Sequence[Diagnostic]) -> bool:
    return any(d.severity in ("error", "fatal") for d in diags)


def _version_tuple(version: str | None) -> tuple[int, int] | None:
    if not version:
        return None
    major, minor = version.split(".")
    return int(major), int(minor)


def parse_declarations_from_source(
    source_file_path: str | os.PathLike,
    files_to_retain: Sequence[str | os.PathLike],
    compute_capability: str | int | tuple[int, int],
    cudatoolkit_include_dirs: Sequence[str] | None = None,
    cxx_standard: str = "c++17",
    additional_includes: Sequence[str] | None = None,
    defines: Sequence[str] | None = None,
    verbose: bool = False,
    bypass_parse_error: bool = False,
    skip_function_bodies: bool = False,
    extra_headers: Mapping[str, str] | None = None,
) -> Declarations:
    """Parse ``source_file_path`` as CUDA device code for ``compute_capability`` ("sm_90"), the
    way NVRTC compiles it (its include dirs and order, its predefined macros: see
    :mod:`ast_canopy.nvrtc_view`).

    Declarations are kept when their file's realpath is among ``files_to_retain`` and NVRTC
    reads that file (others get a warning diagnostic). ``defines`` are ``"NAME"`` or
    ``"NAME=VALUE"``; ``additional_includes`` are extra ``-I`` directories, searched after the
    CUDA ones (as NVRTC's extra search paths are); ``extra_headers`` ({include name: text}) are
    in-memory headers searched after those and before clang's system headers.
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
        extra_headers=extra_headers,
    )


parse = parse_declarations_from_source


def value_from_constexpr_vardecl(
    source: str,
    vardecl_name: str,
    compute_capability: str | int | tuple[int, int],
    cxx_standard: str = "c++17",
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
