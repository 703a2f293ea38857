"""Turn the cursors of a parsed translation unit into the declaration model.

Only the top-level children of the translation unit whose (expansion-location) file is retained
are visited, descending into namespaces, ``extern "C"`` blocks and the members of kept records.
Walking the whole translation unit would cost 5-10x more.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from . import _clang
from ._clang import Cursor, CursorKind
from ._extract_base import _RECORD_KINDS
from ._extract_functions import _merge
from ._extract_records import _RecordExtractor
from ._names import _namespaces_of, _qual, _scope_of, fallback_id
from .model import ClassTemplate, Declarations, Diagnostic, FunctionTemplate, Location, Typedef

__all__ = ["extract", "fallback_id"]


class _Extractor(_RecordExtractor):
    """One extraction pass: the traversal of the translation unit (the parts: ``_extract_*``)."""

    # --- traversal -----------------------------------------------------------------------

    def run(self) -> None:
        self._visit_scope(self.tu.cursor.get_children(), ())
        while self._pending:  # records of other files that the kept declarations use
            usr, c = self._pending.popitem()
            self._dependency_usrs.add(usr)
            ns = _namespaces_of(c)
            record = self._record(c, ns, _scope_of(c), self._location(c), ctors_only=True)
            self.dependencies.append(record)

    def _visit_scope(self, children: Iterable[Cursor], ns: tuple[str, ...]) -> None:
        for c in children:
            kind = c.kind
            if kind == CursorKind.NAMESPACE:
                if self._retained(c) is not None:
                    name = c.spelling
                    if name and _clang.is_inline_namespace(c):
                        self.inline_namespaces.add("::".join((*ns, name)))
                    self._visit_scope(c.get_children(), (*ns, name) if name else ns)
                continue
            if kind == CursorKind.LINKAGE_SPEC:
                if self._retained(c) is not None:
                    self._visit_scope(c.get_children(), ns)
                continue
            loc = self._retained(c)
            if loc is None or self._hidden_from_nvrtc(c, loc):
                continue
            if kind == CursorKind.FUNCTION_DECL:
                self._add_once(self.functions, c, self._function(c, ns, ns, loc))
            elif kind in _RECORD_KINDS:
                if not c.is_definition():
                    if c.spelling and self._declared_only(c):
                        self.declared_only.append(self._record(c, ns, ns, loc))
                    continue
                tmpl = c.specialized_template
                if tmpl is not None and tmpl.kind == CursorKind.CLASS_TEMPLATE:
                    self.specializations.append(self._specialization(c, tmpl, ns, loc))
                else:
                    self.structs.append(self._record(c, ns, ns, loc))
            elif kind == CursorKind.ENUM_DECL:
                if c.is_definition():
                    self.enums.append(self._enum(c, ns, ns, loc))
            elif kind in (CursorKind.TYPEDEF_DECL, CursorKind.TYPE_ALIAS_DECL):
                self.typedefs.append(
                    Typedef(
                        name=c.spelling,
                        qualified_name=_qual(ns, c.spelling),
                        namespace=ns,
                        underlying=self._type(c.underlying_typedef_type),
                        location=loc,
                    )
                )
            elif kind == CursorKind.FUNCTION_TEMPLATE:
                tmpl = FunctionTemplate(
                    template_params=self._template_params(c),
                    function=self._function(c, ns, ns, loc, template=True),
                )
                self._add_once(self.function_templates, c, tmpl)
            elif kind == CursorKind.CLASS_TEMPLATE_PARTIAL_SPECIALIZATION:
                tmpl = c.specialized_template
                if c.is_definition() and tmpl is not None:
                    self.specializations.append(self._specialization(c, tmpl, ns, loc))
            elif kind == CursorKind.CLASS_TEMPLATE and (
                c.is_definition() or self._declared_only(c)
            ):
                self.class_templates.append(
                    ClassTemplate(
                        template_params=self._template_params(c),
                        record=self._record(c, ns, ns, loc),
                        is_defined=c.is_definition(),
                    )
                )
            elif kind == CursorKind.VAR_DECL:
                var = self._constexpr_var(c, ns, loc)
                if var is not None:
                    self.constexpr_vars.append(var)

    def _declared_only(self, c: Cursor) -> bool:
        """Whether ``c`` declares a record or class template defined nowhere in the translation
        unit, seen here for the first time (it may be declared again)."""
        if c.get_definition() is not None:
            return False
        usr = c.get_usr()
        seen = usr in self._declared_only_seen
        self._declared_only_seen.add(usr)
        return not seen

    def _hidden_from_nvrtc(self, c: Cursor, loc: Location) -> bool:
        """Whether ``c`` lies in an ``#if`` branch that NVRTC's macros skip (a header read
        without them, see ``parse_declarations``); such a declaration is reported, not kept."""
        if any(a <= loc.line <= b for a, b in self.hidden.get(loc.file, ())):
            why = "inside an #if branch its macros, e.g. __CUDACC_RTC__, leave out"
        elif loc.file in self.unread_builtins and c.get_definition() is None:
            why = "declared only, in a built-in header NVRTC does not read: an nvcc intrinsic"
        else:
            return False
        what = c.spelling or "this declaration"
        message = f"{what} is not bound: NVRTC does not compile it ({why})"
        self.hidden_diagnostics.append(Diagnostic("warning", loc, message))
        return True

    def _add_once(self, items: list, c: Cursor, item) -> None:
        """Append ``item``, or merge it into the entry of an earlier declaration of the same entity.

        Headers declare a function in ``.h`` and define it in ``.hpp``: one entity, one entry
        (at the first declaration's place), with default arguments and names from either.
        """
        canon = c.canonical
        key = (canon.hash, *_clang.location(canon))
        index = self._seen.get(key)
        if index is None:
            self._seen[key] = len(items)
            items.append(item)
        else:
            items[index] = _merge(items[index], item)

    def result(self, diagnostics: tuple[Diagnostic, ...]) -> Declarations:
        return Declarations(
            structs=tuple(self.structs),
            functions=tuple(self.functions),
            function_templates=tuple(self.function_templates),
            class_templates=tuple(self.class_templates),
            declared_only=tuple(self.declared_only),
            class_template_specializations=tuple(self.specializations),
            typedefs=tuple(self.typedefs),
            enums=tuple(self.enums),
            constexpr_vars=tuple(self.constexpr_vars),
            dependencies=tuple(sorted(self.dependencies, key=lambda r: r.qualified_name)),
            inline_namespaces=tuple(sorted(self.inline_namespaces)),
            diagnostics=diagnostics + tuple(self.hidden_diagnostics),
        )


def extract(
    tu,
    files_to_retain: Iterable[str],
    diagnostics: tuple[Diagnostic, ...] = (),
    toolkit_dirs: Iterable[str] = (),
    hidden: _clang.LineRanges | None = None,
    unread_builtins: frozenset[str] = frozenset(),
) -> Declarations:
    """Build :class:`Declarations` from ``tu``, keeping declarations of ``files_to_retain``;
    ``toolkit_dirs``: the CUDA toolkit's include dirs (see ``Function.is_defined``); ``hidden``:
    per file, line ranges whose declarations NVRTC does not see; ``unread_builtins``: built-in
    headers NVRTC does not read, whose declared-only functions it lacks (both reported, not
    kept)."""
    retain = frozenset(os.path.realpath(f) for f in files_to_retain)
    toolkit = tuple(os.path.join(os.path.realpath(d), "") for d in toolkit_dirs)
    ex = _Extractor(tu, retain, toolkit, hidden or {}, diagnostics, unread_builtins)
    ex.run()
    return ex.result(diagnostics)
