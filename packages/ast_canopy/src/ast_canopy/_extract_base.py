"""State, locations and types of one extraction pass (the base of ``extract._Extractor``)."""

from __future__ import annotations

import os
import re

from . import _clang
from ._clang import Cursor, CursorKind, TypeKind
from .model import (
    Access,
    ClassTemplate,
    ClassTemplateSpecialization,
    ConstExprVar,
    Diagnostic,
    Enum,
    Function,
    FunctionTemplate,
    Location,
    Struct,
    Type,
    Typedef,
)

_RECORD_KINDS = (CursorKind.STRUCT_DECL, CursorKind.UNION_DECL, CursorKind.CLASS_DECL)
_ACCESS = {"PUBLIC": Access.PUBLIC, "PROTECTED": Access.PROTECTED, "PRIVATE": Access.PRIVATE}
_CONSTEXPR_RE = re.compile(r"\bconstexpr\b")
_CV_PREFIX_RE = re.compile(r"^(?:(?:const|volatile|struct|class|union|enum)\s+)+")
_CV_SUFFIX_RE = re.compile(r"(?:\s+(?:const|volatile))+$")


class _ExtractorBase:
    """One extraction pass; holds the per-run caches (never shared between runs)."""

    def __init__(
        self,
        tu,
        retain: frozenset[str],
        toolkit: tuple[str, ...] = (),
        hidden=None,
        diagnostics: tuple[Diagnostic, ...] = (),
        unread_builtins: frozenset[str] = frozenset(),
    ) -> None:
        self.tu = tu
        self.retain = retain
        self.wrapper_clashes = frozenset(
            (d.location.file, d.location.line, d.location.column)
            for d in diagnostics
            if d.message.endswith(_clang.WRAPPER_CLASH_NOTE)
        )
        self.hidden: _clang.LineRanges = hidden or {}  # (extract.py: _hidden_from_nvrtc)
        self.unread_builtins = unread_builtins
        self.hidden_diagnostics: list[Diagnostic] = []
        self.toolkit = toolkit  # the CUDA toolkit's include dirs ("/" ended): Function.is_defined
        # file names of the toolkit's headers: a vendored copy (numba-cuda's include/12/
        # cuda_fp16.h) relies on NVRTC's built-in definitions just as the original does
        self.toolkit_names = frozenset(
            name for d in toolkit if os.path.isdir(d) for name in os.listdir(d)
        )
        self.pretty = _clang.Printer.for_tu(tu)
        self._realpaths: dict[int, str] = {}
        self._types: dict[tuple[str, str, str], Type] = {}
        self._seen: dict[tuple, int] = {}
        self.structs: list[Struct] = []
        self.functions: list[Function] = []
        self.function_templates: list[FunctionTemplate] = []
        self.class_templates: list[ClassTemplate] = []
        self.declared_only: list[Struct] = []
        self._declared_only_seen: set[str] = set()  # USRs of the records and templates in it
        self.specializations: list[ClassTemplateSpecialization] = []
        self.inline_namespaces: set[str] = set()
        self.typedefs: list[Typedef] = []
        self.enums: list[Enum] = []
        self.constexpr_vars: list[ConstExprVar] = []
        self.dependencies: list[Struct] = []
        self._pending: dict[str, Cursor] = {}  # USR -> definition of a non-retained record
        self._dependency_usrs: set[str] = set()

    # --- locations -----------------------------------------------------------------------

    def _file(self, handle: int, cursor: Cursor) -> str:
        """Realpath of the file behind a location handle (looked up once per file)."""
        path = self._realpaths.get(handle)
        if path is None:
            name = _clang.file_name(cursor)
            path = self._realpaths[handle] = os.path.realpath(name) if name else ""
        return path

    def _retained(self, cursor: Cursor) -> Location | None:
        handle, line, column = _clang.location(cursor)
        if not handle:
            return None
        path = self._file(handle, cursor)
        if path not in self.retain:
            return None
        return Location(path, line, column)

    def _location(self, cursor: Cursor) -> Location:
        handle, line, column = _clang.location(cursor)
        return Location(self._file(handle, cursor) if handle else "", line, column)

    def _note_dependency(self, canon) -> None:
        """Remember the definition of a record type declared in a file that is not retained."""
        decl = canon.get_declaration()
        if decl is None or decl.kind not in _RECORD_KINDS:
            return
        definition = decl.get_definition()
        if definition is None or definition.specialized_template is not None:
            return
        usr = definition.get_usr()
        if not usr or usr in self._pending or usr in self._dependency_usrs:
            return
        if self._retained(definition) is None and not definition.is_anonymous():
            self._pending[usr] = definition

    # --- types ---------------------------------------------------------------------------

    def _type(self, t) -> Type:
        canon = t.get_canonical()
        # Fully qualified but with typedef names kept ("geo::Vec", "__nv_fp8_storage_t"); part
        # of the key because the same spelling ("T", "Vec") can name different types.
        fq = t.get_fully_qualified_name(self.pretty.policy) or t.spelling
        key = (t.spelling, canon.spelling, fq)
        cached = self._types.get(key)
        if cached is not None:
            return cached
        ck = canon.kind
        is_lref = ck == TypeKind.LVALUEREFERENCE
        is_rref = ck == TypeKind.RVALUEREFERENCE
        is_ptr = ck == TypeKind.POINTER
        pointee = None
        is_const = canon.is_const_qualified()
        if is_lref or is_rref or is_ptr:
            pt = t.get_pointee()
            if pt.kind == TypeKind.INVALID:  # a typedef of a pointer: ask its canonical type
                pt = canon.get_pointee()
            pointee = self._type(pt)
            if is_lref or is_rref:
                is_const = pt.get_canonical().is_const_qualified()
        if pointee is not None and (is_lref or is_rref):
            unqual = pointee.unqualified_non_ref_type_name
        elif is_ptr:
            unqual = _CV_SUFFIX_RE.sub("", fq)
        else:
            unqual = _CV_SUFFIX_RE.sub("", _CV_PREFIX_RE.sub("", fq))
        if ck == TypeKind.RECORD:
            self._note_dependency(canon)
        extent = None
        element = None
        if ck == TypeKind.CONSTANTARRAY:
            extent = canon.get_array_size()
            et = t.get_array_element_type()
            element = self._type(
                et if et.kind != TypeKind.INVALID else canon.get_array_element_type()
            )
        size = align = None
        if not canon.spelling.startswith("type-parameter") and ck != TypeKind.DEPENDENT:
            s = t.get_size()
            a = t.get_align()
            size = s if s >= 0 else None
            align = a if a >= 0 else None
        result = Type(
            spelling=t.spelling,
            canonical=canon.spelling,
            unqualified_non_ref_type_name=unqual,
            is_const=is_const,
            is_pointer=is_ptr,
            is_lvalue_ref=is_lref,
            is_rvalue_ref=is_rref,
            array_extent=extent,
            size=size,
            align=align,
            pointee=pointee,
            element=element,
            kind=ck.name,
        )
        self._types[key] = result
        return result
