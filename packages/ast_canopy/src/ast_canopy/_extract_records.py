"""Records, enums, template parameters and constexpr variables of one extraction pass."""

from __future__ import annotations

import re

from . import _clang
from ._clang import Cursor, CursorKind
from ._extract_base import _ACCESS, _CONSTEXPR_RE, _RECORD_KINDS
from ._extract_functions import _FunctionExtractor
from ._names import _qual, _qualified_from_parents, _split_template_args, _template_tag
from .model import (
    Access,
    ClassTemplateSpecialization,
    ConstExprVar,
    Enum,
    Enumerator,
    Field,
    Location,
    Method,
    Struct,
    TemplateParam,
    TemplateParamKind,
)

_METHOD_KINDS = (
    CursorKind.CXX_METHOD,
    CursorKind.CONSTRUCTOR,
    CursorKind.DESTRUCTOR,
    CursorKind.CONVERSION_FUNCTION,
)
_TEMPLATE_PARAM_KINDS = {
    CursorKind.TEMPLATE_TYPE_PARAMETER: TemplateParamKind.TYPE,
    CursorKind.TEMPLATE_NON_TYPE_PARAMETER: TemplateParamKind.NON_TYPE,
    CursorKind.TEMPLATE_TEMPLATE_PARAMETER: TemplateParamKind.TEMPLATE,
}


class _RecordExtractor(_FunctionExtractor):
    """The record, enum, template and constant part of ``extract._Extractor``."""

    # --- records -------------------------------------------------------------------------

    def _record(
        self,
        c: Cursor,
        ns: tuple[str, ...],
        scope: tuple[str, ...],
        loc: Location,
        ctors_only: bool = False,
    ) -> Struct:
        name = "" if c.is_anonymous() else c.spelling
        inner = (*scope, name) if name else scope
        in_template = c.kind == CursorKind.CLASS_TEMPLATE
        rtype = c.type
        fields: list[Field] = []
        methods: list[Method] = []
        member_templates: list[Method] = []
        nested: list[Struct] = []
        bases: list[str] = []
        for m in c.get_children():
            k = m.kind
            if k == CursorKind.FIELD_DECL:
                width = m.get_bitfield_width() if m.is_bitfield() else None
                offset = m.get_field_offsetof()
                fields.append(
                    Field(
                        name=m.spelling,
                        type=self._type(m.type),
                        access=_ACCESS.get(m.access_specifier.name, Access.PUBLIC),
                        offset_bits=offset if offset >= 0 else -1,
                        bitfield_width=width if width is not None and width >= 0 else None,
                    )
                )
            elif k in _METHOD_KINDS:
                if not ctors_only or k == CursorKind.CONSTRUCTOR:
                    methods.append(self._method(m, ns, inner))
            elif ctors_only:
                continue
            elif k == CursorKind.CXX_BASE_SPECIFIER:
                base = m.referenced
                if base is not None and m.access_specifier.name == "PUBLIC":
                    bases.append(_qualified_from_parents(base))
            elif k == CursorKind.FUNCTION_TEMPLATE:
                member_templates.append(self._method(m, ns, inner, template=True))
            elif k in _RECORD_KINDS and m.is_definition():
                sub = self._record(m, ns, inner, self._location(m))
                nested.append(sub)
                if m.is_anonymous_record_decl():
                    first = next(
                        (f.spelling for f in m.get_children() if f.kind == CursorKind.FIELD_DECL),
                        None,
                    )
                    offset = rtype.get_offset(first) if first and not in_template else -1
                    fields.append(
                        Field(
                            name="",
                            type=self._type(m.type),
                            access=_ACCESS.get(m.access_specifier.name, Access.PUBLIC),
                            offset_bits=offset if offset >= 0 else -1,
                            is_anonymous=True,
                        )
                    )
            elif k == CursorKind.ENUM_DECL and m.is_definition():
                self.enums.append(self._enum(m, ns, inner, self._location(m)))
        tag = _template_tag(self.pretty(c)) if in_template else ""
        size = align = None
        if not in_template:
            s, a = rtype.get_size(), rtype.get_align()
            size = s if s >= 0 else None
            align = a if a >= 0 else None
        return Struct(
            name=name,
            qualified_name=_qual(scope, name) if name else "",
            namespace=ns,
            is_union=c.kind == CursorKind.UNION_DECL or tag == "union",
            size=size,
            align=align,
            fields=tuple(fields),
            methods=tuple(methods),
            nested=tuple(nested),
            member_templates=tuple(member_templates),
            bases=tuple(bases),
            location=loc,
            is_class=c.kind == CursorKind.CLASS_DECL or tag == "class",
        )

    def _specialization(
        self, c: Cursor, tmpl: Cursor, ns: tuple[str, ...], loc: Location
    ) -> ClassTemplateSpecialization:
        spelling = c.type.spelling
        args = _split_template_args(spelling)
        return ClassTemplateSpecialization(
            template_name=_qualified_from_parents(tmpl),
            template_args=args,
            record=self._record(c, ns, ns, loc),
        )

    def _enum(self, c: Cursor, ns: tuple[str, ...], scope: tuple[str, ...], loc: Location) -> Enum:
        name = "" if c.is_anonymous() else c.spelling
        return Enum(
            name=name,
            qualified_name=_qual(scope, name) if name else "",
            namespace=ns,
            is_scoped=c.is_scoped_enum(),
            underlying=self._type(c.enum_type),
            enumerators=tuple(
                Enumerator(e.spelling, _clang.enum_constant_value(e, c))
                for e in c.get_children()
                if e.kind == CursorKind.ENUM_CONSTANT_DECL
            ),
            location=loc,
        )

    # --- templates, constants ------------------------------------------------------------

    def _template_params(self, c: Cursor) -> tuple[TemplateParam, ...]:
        out = []
        for p in c.get_children():
            kind = _TEMPLATE_PARAM_KINDS.get(p.kind)
            if kind is None:
                continue
            name = p.spelling
            text = self.pretty(p)
            default = None
            head = text
            if name:
                m = re.search(rf"\b{re.escape(name)}\s*=\s*(.*)$", text)
                if m:
                    default = m.group(1)
                    head = text[: m.start(1)]
            else:
                m = re.search(r"(?:typename|class|\w)\s*(?:\.\.\.)?\s*=\s*(.*)$", text)
                if m:
                    default = m.group(1)
                    head = text[: m.start(1)]
            if kind == TemplateParamKind.TEMPLATE:
                head = head.rsplit(">", 1)[-1]  # ignore packs inside the parameter's own list
            out.append(
                TemplateParam(
                    kind=kind,
                    name=name,
                    default=default,
                    is_pack="..." in head,
                    type=p.type.spelling if kind == TemplateParamKind.NON_TYPE else None,
                )
            )
        return tuple(out)

    def _constexpr_var(self, c: Cursor, ns: tuple[str, ...], loc: Location) -> ConstExprVar | None:
        text = self.pretty(c)
        if not _CONSTEXPR_RE.search(text.split("=", 1)[0]):
            return None
        value = _clang.evaluate(c)
        t = self._type(c.type)
        if value is not None and t.kind == "BOOL":
            value = bool(value)
        return ConstExprVar(
            name=c.spelling,
            qualified_name=_qual(ns, c.spelling),
            type=t,
            value=value,
            location=loc,
        )
