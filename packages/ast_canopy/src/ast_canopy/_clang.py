"""Everything that touches ``clang.cindex`` lives here (arguments, parse flags, C API extras).

The rest of ast_canopy works with the small helpers below and with cursors as opaque values.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from clang import cindex

from .model import Diagnostic, Location

# libclang-ng injects ``-isystem <its libc++>`` unless disabled; CUDA on x86 must use the host
# libstdc++, so switch it off before any Index exists.
if hasattr(cindex.Config, "libcxx_dir"):
    cindex.Config.libcxx_dir = None

CursorKind = cindex.CursorKind
TypeKind = cindex.TypeKind
Cursor: TypeAlias = cindex.Cursor
ClangType: TypeAlias = cindex.Type

RESOURCE_DIR = getattr(cindex.Config, "resource_dir", None) or os.path.join(
    os.path.dirname(os.path.realpath(cindex.__file__)), "native", "resource"
)

PARSE_KEEP_GOING = 0x200
PARSE_SKIP_FUNCTION_BODIES = 0x40
PARSE_VISIT_IMPLICIT_ATTRIBUTES = 0x2000  # no cindex constant; shows implicit __host__ __device__

# Arches the bundled clang accepts together with a modern (>= 12) CUDA toolkit.
SUPPORTED_ARCHS: tuple[str, ...] = (
    "sm_50", "sm_52", "sm_53", "sm_60", "sm_61", "sm_62", "sm_70", "sm_72", "sm_75", "sm_80",
    "sm_86", "sm_87", "sm_88", "sm_89", "sm_90", "sm_90a", "sm_100", "sm_100a", "sm_101",
    "sm_101a", "sm_103", "sm_103a", "sm_110", "sm_110a", "sm_120", "sm_120a", "sm_121",
    "sm_121a",
)  # fmt: skip

_ARCH_RE = re.compile(r"sm_\d+a?")


def clang_version() -> str:
    """The bundled libclang's version string, e.g. ``"clang version 22.1.0"``."""
    fn = _lib_fn("clang_getClangVersion", [], cindex._CXString)
    return cindex._CXString.from_result(fn())


def normalize_arch(compute_capability: object) -> str:
    """Turn ``"sm_90"``, ``"90"``, ``90`` or ``(9, 0)`` into ``"sm_90"``; reject anything else."""
    cc = compute_capability
    if isinstance(cc, tuple) and len(cc) == 2 and all(isinstance(x, int) for x in cc):
        arch = f"sm_{cc[0]}{cc[1]}"
    elif isinstance(cc, int) and not isinstance(cc, bool):
        arch = f"sm_{cc}"
    elif isinstance(cc, str):
        arch = cc.strip()
        if re.fullmatch(r"\d+a?", arch):
            arch = "sm_" + arch
    else:
        arch = repr(cc)
    if not _ARCH_RE.fullmatch(arch) or arch not in SUPPORTED_ARCHS:
        raise ValueError(
            f"unsupported GPU arch {compute_capability!r}: expected sm_<digits>[a] within the "
            f"range the bundled clang supports ({SUPPORTED_ARCHS[0]} .. {SUPPORTED_ARCHS[-1]}: "
            f"{', '.join(SUPPORTED_ARCHS)})"
        )
    return arch


def build_args(
    arch: str,
    cuda_root: str,
    include_dirs: Sequence[str],
    cxx_standard: str,
    additional_includes: Sequence[str] = (),
    defines: Sequence[str] = (),
    stub_dir: str | None = None,
    extra_header_dirs: Sequence[str] = (),
) -> list[str]:
    args = [
        "-x",
        "cuda",
        "--cuda-device-only",
        f"--cuda-gpu-arch={arch}",
        f"--cuda-path={cuda_root}",
        f"-std={cxx_standard}",
        "-nocudalib",
        "-Wno-unknown-cuda-version",
        "-Wno-pragma-once-outside-header",  # headers are parsed as the main file
        "-ferror-limit=0",  # (the 20th error would end the parse: some are only warnings here)
        "-resource-dir",  # two tokens, so libclang-ng does not append its own
        RESOURCE_DIR,
    ]
    # NVRTC's order: its CUDA dirs, then the extra search paths, then in-memory headers (which
    # stand in for the C++ standard headers NVRTC lacks: before clang's system dirs).
    args += [f"-I{d}" for d in include_dirs]
    args += [f"-I{d}" for d in additional_includes]
    args += [f"-I{d}" for d in extra_header_dirs]
    args += [f"-D{d}" for d in defines]
    if stub_dir:
        args += ["-idirafter", stub_dir]
    return args


def probe_args(
    arch: str,
    cuda_root: str,
    cxx_standard: str,
    include_dirs: Sequence[str],
    defines: Sequence[str],
) -> list[str]:
    """Arguments that read a header the way NVRTC does: no CUDA wrapper, no system headers."""
    args = [
        "-x", "cuda", "--cuda-device-only", f"--cuda-gpu-arch={arch}", f"--cuda-path={cuda_root}",
        "-nocudainc", "-nocudalib", "-nostdlibinc", "-Wno-unknown-cuda-version",
        f"-std={cxx_standard}", "-resource-dir", RESOURCE_DIR, "-D__CUDACC__=1",
    ]  # fmt: skip
    return args + [f"-I{d}" for d in include_dirs] + [f"-D{d}" for d in defines]


LineRanges: TypeAlias = dict[str, tuple[tuple[int, int], ...]]
PARSE_DETAILED_PREPROCESSING = 0x01  # (keeps the ranges #if skipped)


class _SourceRangeList(ctypes.Structure):
    _fields_ = [("count", ctypes.c_uint), ("ranges", ctypes.POINTER(cindex.SourceRange))]


def preprocessed(
    path: str, args: Sequence[str], unsaved: Sequence[tuple[str, str]]
) -> tuple[set[str], LineRanges]:
    """Realpaths of every file the preprocessor opened for ``path`` (errors do not matter), and
    per file the line ranges its ``#if`` branches skipped."""
    tu = _parse_tu(path, args, True, unsaved, PARSE_DETAILED_PREPROCESSING)
    real = _realpaths()
    lib = cindex.conf.lib
    get, dispose = lib.clang_getAllSkippedRanges, lib.clang_disposeSourceRangeList
    get.argtypes, get.restype = [ctypes.c_void_p], ctypes.POINTER(_SourceRangeList)
    dispose.argtypes, dispose.restype = [ctypes.POINTER(_SourceRangeList)], None
    found = get(tu.obj)
    skipped: dict[str, list[tuple[int, int]]] = {}
    try:
        for r in found.contents.ranges[: found.contents.count]:
            start = r.start
            if start.file is not None:
                skipped.setdefault(real(start.file.name), []).append((start.line, r.end.line))
    finally:
        dispose(found)
    files = {real(i.include.name) for i in tu.get_includes() if i.include}
    return files, {name: tuple(ranges) for name, ranges in skipped.items()}


def _realpaths() -> Callable[[str], str]:
    """``os.path.realpath`` remembered per name: a translation unit names each header once per
    ``#include`` of it (NVSHMEM: ~100k inclusions of a few hundred files)."""
    return functools.lru_cache(maxsize=None)(os.path.realpath)


def reached_from(tu: cindex.TranslationUnit, source: str) -> set[str]:
    """Realpaths of the files ``tu`` included, directly or not, from the file ``source``."""
    real = _realpaths()
    children: dict[str, set[str]] = {}
    for i in tu.get_includes():
        if i.source and i.include:
            children.setdefault(real(i.source.name), set()).add(real(i.include.name))
    seen, todo = {source}, [source]
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return seen


def _parse_tu(path, args, skip_function_bodies, unsaved, flags=0) -> cindex.TranslationUnit:
    options = PARSE_KEEP_GOING | PARSE_VISIT_IMPLICIT_ATTRIBUTES | flags
    if skip_function_bodies:
        options |= PARSE_SKIP_FUNCTION_BODIES
    index = cindex.Index.create()
    return index.parse(path, list(args), unsaved_files=list(unsaved) or None, options=options)


def parse(
    path: str,
    args: Sequence[str],
    skip_function_bodies: bool = False,
    unsaved: Sequence[tuple[str, str]] = (),
    pch: str | None = None,
) -> cindex.TranslationUnit:
    """Parse ``path``; with ``pch`` (from :func:`prefix_pch`) unless clang rejects it."""
    if pch is not None:
        try:
            tu = _parse_tu(path, [*args, "-include-pch", pch], skip_function_bodies, unsaved)
        except cindex.TranslationUnitLoadError:
            tu = None
        if tu is not None and not any(_pch_problem(d, pch) for d in tu.diagnostics):
            return tu
        with contextlib.suppress(OSError):  # stale (headers changed): rebuilt next time
            os.remove(pch)
    return _parse_tu(path, args, skip_function_bodies, unsaved)


def _pch_problem(diag, pch: str) -> bool:
    return diag.severity >= 3 and (pch in diag.spelling or "precompiled" in diag.spelling)


_SEVERITY = {2: "warning", 3: "error", 4: "fatal"}


# A header redeclaring what clang's CUDA wrapper (its stand-in for NVRTC's built-ins) declares
# already, differently: crt/sm_80_rt.h's ``static __reduce_add_sync``. NVRTC sees one declaration.
WRAPPER_CLASH_NOTE = " (clang's CUDA wrapper declares it; NVRTC has this declaration only)"
_WRAPPER_CLASH = re.compile(
    r"static declaration of '.*' follows non-static declaration"
    r"|declaration of '.*' has a different language linkage"
)


def diagnostics(tu: cindex.TranslationUnit) -> tuple[Diagnostic, ...]:
    out = []
    real = _realpaths()
    for d in tu.diagnostics:
        if d.severity < 2:
            continue
        loc = d.location
        file = real(loc.file.name) if loc.file else "<command line>"
        severity, message = _SEVERITY.get(d.severity, "error"), d.spelling
        if severity == "error" and _WRAPPER_CLASH.fullmatch(message) and _clashes_with_wrapper(d):
            severity = "warning"
            message += WRAPPER_CLASH_NOTE
        out.append(Diagnostic(severity, Location(file, loc.line, loc.column), message))
    return tuple(out)


def _clashes_with_wrapper(d: cindex.Diagnostic) -> bool:
    """Whether the earlier declaration a diagnostic's note points to is clang's CUDA wrapper's."""
    for note in d.children:
        name = note.location.file.name if note.location.file else ""
        if name.startswith(RESOURCE_DIR) and os.path.basename(name).startswith("__clang_cuda"):
            return True
    return False


def location(cursor: Cursor) -> tuple[int, int, int]:
    """Expansion location as ``(file handle, line, column)``; handle 0 means no file.

    One C call and no strings: this runs for every top-level cursor. :func:`file_name` turns
    a handle into the file name as clang spells it (call it once per distinct handle).
    """
    f = cindex.c_object_p()
    line, column, offset = ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint()
    cindex.conf.lib.clang_getInstantiationLocation(
        cursor.location, ctypes.byref(f), ctypes.byref(line), ctypes.byref(column),
        ctypes.byref(offset),
    )  # fmt: skip
    handle = ctypes.cast(f, ctypes.c_void_p).value or 0
    return handle, line.value, column.value


def file_name(cursor: Cursor) -> str | None:
    f = cursor.location.file
    return f.name if f else None


@dataclass(frozen=True)
class Printer:
    """Pretty-prints declarations (terse: no bodies), the text cindex has no API for."""

    policy: cindex.PrintingPolicy

    @classmethod
    def for_tu(cls, tu: cindex.TranslationUnit) -> Printer:
        policy = cindex.PrintingPolicy.create(tu.cursor)
        policy.set_property(cindex.PrintingPolicyProperty.TerseOutput, 1)
        policy.set_property(cindex.PrintingPolicyProperty.IncludeNewlines, 0)
        return cls(policy)

    def __call__(self, cursor: Cursor) -> str:
        return cursor.pretty_printed(self.policy)


def is_inline_namespace(cursor: Cursor) -> bool:
    """An ``inline namespace`` (libcu++'s ``__4``, CUB's per-arch ``CUB_300001_SM_900``)."""
    check = _lib_fn("clang_Cursor_isInlineNamespace", [Cursor], ctypes.c_uint)
    return bool(check(cursor))


def is_invalid_declaration(cursor: Cursor) -> bool:
    """clang marked the declaration invalid (an error it recovered from, e.g. an unknown type
    replaced by ``int``); not wrapped by this cindex."""
    check = _lib_fn("clang_isInvalidDeclaration", [Cursor], ctypes.c_uint)
    return bool(check(cursor))


# --- clang_Cursor_Evaluate (not wrapped by cindex) -------------------------------------------

_EVAL_INT = 1
_EVAL_FLOAT = 2


def _lib_fn(name: str, argtypes: list, restype: object) -> Callable[..., Any]:
    fn = getattr(cindex.conf.lib, name)
    fn.argtypes = argtypes
    fn.restype = restype
    return fn


_UNSIGNED_KINDS = frozenset(
    {
        TypeKind.BOOL, TypeKind.CHAR_U, TypeKind.UCHAR, TypeKind.CHAR16, TypeKind.CHAR32,
        TypeKind.USHORT, TypeKind.UINT, TypeKind.ULONG, TypeKind.ULONGLONG, TypeKind.UINT128,
    }
)  # fmt: skip


def enum_constant_value(enumerator: Cursor, enum: Cursor) -> int:
    """The value of an enumerator of ``enum``, read as its underlying type's signedness.

    cindex's ``enum_value`` looks at the underlying type's own kind, so an enum over a typedef
    (``enum E : uint16_t``) reads 40000 as -25536; the canonical type decides here."""
    unsigned = enum.enum_type.get_canonical().kind in _UNSIGNED_KINDS
    if unsigned:
        get = _lib_fn("clang_getEnumConstantDeclUnsignedValue", [Cursor], ctypes.c_ulonglong)
    else:
        get = _lib_fn("clang_getEnumConstantDeclValue", [Cursor], ctypes.c_longlong)
    return int(get(enumerator))


def evaluate(cursor: Cursor) -> int | float | None:
    """Value of a constant expression declaration (``constexpr`` variable), or ``None``."""
    ev = _lib_fn("clang_Cursor_Evaluate", [Cursor], ctypes.c_void_p)
    res = ev(cursor)
    if not res:
        return None
    try:
        kind = _lib_fn("clang_EvalResult_getKind", [ctypes.c_void_p], ctypes.c_int)(res)
        if kind == _EVAL_INT:
            unsigned = _lib_fn("clang_EvalResult_isUnsignedInt", [ctypes.c_void_p], ctypes.c_uint)
            if unsigned(res):
                get = _lib_fn(
                    "clang_EvalResult_getAsUnsigned", [ctypes.c_void_p], ctypes.c_ulonglong
                )
            else:
                get = _lib_fn(
                    "clang_EvalResult_getAsLongLong", [ctypes.c_void_p], ctypes.c_longlong
                )
            return int(get(res))
        if kind == _EVAL_FLOAT:
            get = _lib_fn("clang_EvalResult_getAsDouble", [ctypes.c_void_p], ctypes.c_double)
            return float(get(res))
        return None
    finally:
        _lib_fn("clang_EvalResult_dispose", [ctypes.c_void_p], None)(res)


def exec_space_attrs(cursor: Cursor) -> set[str]:
    """Names of the CUDA attributes (explicit or implicit) on a function cursor."""
    found: set[str] = set()
    for child in cursor.get_children():
        k = child.kind
        if k == CursorKind.CUDADEVICE_ATTR:
            found.add("device")
        elif k == CursorKind.CUDAHOST_ATTR:
            found.add("host")
        elif k == CursorKind.CUDAGLOBAL_ATTR:
            found.add("global")
    return found
