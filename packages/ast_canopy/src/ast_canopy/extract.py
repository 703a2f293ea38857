"""Turn the cursors of a parsed translation unit into the declaration model.

Only the top-level children of the translation unit whose (expansion-location) file is retained
are visited, descending into namespaces, ``extern "C"`` blocks and the members of kept records.
Walking the whole translation unit would cost 5-10x more.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
from collections.abc import Iterable

from . import _clang
from ._clang import Cursor, CursorKind, TypeKind
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

_RECORD_KINDS = (CursorKind.STRUCT_DECL, CursorKind.UNION_DECL, CursorKind.CLASS_DECL)
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
_ACCESS = {"PUBLIC": Access.PUBLIC, "PROTECTED": Access.PROTECTED, "PRIVATE": Access.PRIVATE}
_CONSTEXPR_RE = re.compile(r"\bconstexpr\b")
_OPERATOR_RE = re.compile(r"operator\s*(?![A-Za-z_0-9])(.+)$|operator\s+(new|delete)(\[\])?$")
_CV_PREFIX_RE = re.compile(r"^(?:(?:const|volatile|struct|class|union|enum)\s+)+")
_CV_SUFFIX_RE = re.compile(r"(?:\s+(?:const|volatile))+$")


def _operator_symbol(name: str) -> str | None:
    if not name.startswith("operator"):
        return None
    m = _OPERATOR_RE.fullmatch(name)
    if not m:
        return None
    if m.group(2):
        return m.group(2) + (m.group(3) or "")
    return m.group(1).strip()


def fallback_id(qualified_name: str, param_types: Iterable[str], extra: str = "") -> str:
    """A stable identifier for a declaration clang gives no mangled name (e.g. a template)."""
    text = f"{qualified_name}({','.join(param_types)}){extra}"
    return "_acid_" + hashlib.sha256(text.encode()).hexdigest()[:20]


class _Extractor:
    """One extraction pass; holds the per-run caches (never shared between runs)."""

    def __init__(self, tu, retain: frozenset[str], toolkit: tuple[str, ...] = ()):
        self.tu = tu
        self.retain = retain
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
        self.specializations: list[ClassTemplateSpecialization] = []
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

    # --- traversal -----------------------------------------------------------------------

    def run(self) -> None:
        self._visit_scope(self.tu.cursor.get_children(), ())
        while self._pending:  # records of other files that the kept declarations use
            usr, c = self._pending.popitem()
            self._dependency_usrs.add(usr)
            ns = _namespaces_of(c)
            record = self._record(c, ns, _scope_of(c), self._location(c), ctors_only=True)
            self.dependencies.append(record)

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

    def _visit_scope(self, children: Iterable[Cursor], ns: tuple[str, ...]) -> None:
        for c in children:
            kind = c.kind
            if kind == CursorKind.NAMESPACE:
                if self._retained(c) is not None:
                    name = c.spelling
                    self._visit_scope(c.get_children(), (*ns, name) if name else ns)
                continue
            if kind == CursorKind.LINKAGE_SPEC:
                if self._retained(c) is not None:
                    self._visit_scope(c.get_children(), ns)
                continue
            loc = self._retained(c)
            if loc is None:
                continue
            if kind == CursorKind.FUNCTION_DECL:
                self._add_once(self.functions, c, self._function(c, ns, ns, loc))
            elif kind in _RECORD_KINDS:
                if not c.is_definition():
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
            elif kind == CursorKind.CLASS_TEMPLATE:
                self.class_templates.append(
                    ClassTemplate(
                        template_params=self._template_params(c),
                        record=self._record(c, ns, ns, loc),
                    )
                )
            elif kind == CursorKind.VAR_DECL:
                var = self._constexpr_var(c, ns, loc)
                if var is not None:
                    self.constexpr_vars.append(var)

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

    # --- functions -----------------------------------------------------------------------

    def _params(self, c: Cursor, template: bool, maybe_defaults: bool) -> tuple[Param, ...]:
        if template:
            cursors = [ch for ch in c.get_children() if ch.kind == CursorKind.PARM_DECL]
        else:
            cursors = list(c.get_arguments())
        params = []
        for p in cursors:
            default = None
            if maybe_defaults:
                text = self.pretty(p)
                if " = " in text and any(ch.kind.is_expression() for ch in p.get_children()):
                    default = text.split(" = ", 1)[1]
            params.append(Param(name=p.spelling or None, type=self._type(p.type), default=default))
        return tuple(params)

    def _function(
        self,
        c: Cursor,
        ns: tuple[str, ...],
        scope: tuple[str, ...],
        loc: Location,
        template: bool = False,
    ) -> Function:
        name = c.spelling
        qualified = _qual(scope, name)
        text = self.pretty(c)
        params = self._params(c, template, " = " in text)
        attrs = _clang.exec_space_attrs(c)
        if "global" in attrs:
            space = ExecSpace.GLOBAL
        elif "device" in attrs:
            space = ExecSpace.HOST_DEVICE if "host" in attrs else ExecSpace.DEVICE
        else:
            space = ExecSpace.HOST
        mangled = "" if template else c.mangled_name
        if not mangled:
            extra = text.split(">", 1)[0] if template else ""
            mangled = fallback_id(qualified, (p.type.canonical for p in params), extra)
        operator = None
        if c.kind != CursorKind.CONVERSION_FUNCTION:
            operator = _operator_symbol(name)
        variadic = False
        if c.type.kind == TypeKind.FUNCTIONPROTO:
            variadic = c.type.is_function_variadic()
        return Function(
            name=name,
            qualified_name=qualified,
            namespace=ns,
            return_type=self._type(c.result_type),
            params=params,
            exec_space=space,
            mangled_name=mangled,
            location=loc,
            is_constexpr=bool(_CONSTEXPR_RE.search(text)),
            is_inline=c.is_function_inlined() if not template else "inline" in text.split(),
            is_variadic=variadic,
            is_deleted=text.rstrip().endswith("= delete"),
            operator=operator,
            is_defined=template
            or c.get_definition() is not None
            or bool(self.toolkit and loc.file.startswith(self.toolkit))
            or os.path.basename(loc.file) in self.toolkit_names,
            is_specialization=not template and c.specialized_template is not None,
            is_invalid=_clang.is_invalid_declaration(c)
            or any(_clang.is_invalid_declaration(p) for p in c.get_arguments() or ()),
        )

    def _method(self, c: Cursor, ns: tuple[str, ...], scope: tuple[str, ...]) -> Method:
        fn = self._function(c, ns, scope, self._location(c))
        kind = c.kind
        if kind == CursorKind.CONSTRUCTOR:
            if c.is_default_constructor():
                mkind = MethodKind.DEFAULT_CONSTRUCTOR
            elif c.is_copy_constructor():
                mkind = MethodKind.COPY_CONSTRUCTOR
            elif c.is_move_constructor():
                mkind = MethodKind.MOVE_CONSTRUCTOR
            elif fn.params and sum(p.default is None for p in fn.params) <= 1:
                mkind = MethodKind.CONVERTING_CONSTRUCTOR  # callable with one argument
            else:
                mkind = MethodKind.OTHER_CONSTRUCTOR
        elif kind == CursorKind.DESTRUCTOR:
            mkind = MethodKind.DESTRUCTOR
        elif kind == CursorKind.CONVERSION_FUNCTION:
            mkind = MethodKind.CONVERSION
        elif fn.operator is not None:
            mkind = MethodKind.OPERATOR
        else:
            mkind = MethodKind.REGULAR
        return Method(
            function=fn,
            kind=mkind,
            access=_ACCESS.get(c.access_specifier.name, Access.PUBLIC),
            is_static=c.is_static_method(),
            is_const=c.is_const_method(),
            is_explicit=kind in (CursorKind.CONSTRUCTOR, CursorKind.CONVERSION_FUNCTION)
            and c.is_explicit_method(),
            is_deleted=c.is_deleted_method(),
            is_defaulted=c.is_default_method(),
            is_virtual=c.is_virtual_method(),
        )

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
        nested: list[Struct] = []
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

    def result(self, diagnostics: tuple[Diagnostic, ...]) -> Declarations:
        return Declarations(
            structs=tuple(self.structs),
            functions=tuple(self.functions),
            function_templates=tuple(self.function_templates),
            class_templates=tuple(self.class_templates),
            class_template_specializations=tuple(self.specializations),
            typedefs=tuple(self.typedefs),
            enums=tuple(self.enums),
            constexpr_vars=tuple(self.constexpr_vars),
            dependencies=tuple(sorted(self.dependencies, key=lambda r: r.qualified_name)),
            diagnostics=diagnostics,
        )


def _merge_function(first: Function, later: Function) -> Function:
    params = tuple(
        dataclasses.replace(a, name=a.name or b.name, default=a.default or b.default)
        for a, b in zip(first.params, later.params)
    )
    return dataclasses.replace(
        first,
        params=params if len(first.params) == len(later.params) else first.params,
        is_constexpr=first.is_constexpr or later.is_constexpr,
        is_inline=first.is_inline or later.is_inline,
        is_deleted=first.is_deleted or later.is_deleted,
        is_defined=first.is_defined or later.is_defined,
    )


def _merge(first, later):
    if isinstance(first, FunctionTemplate):
        return dataclasses.replace(first, function=_merge_function(first.function, later.function))
    return _merge_function(first, later)


def _qual(scope: tuple[str, ...], name: str) -> str:
    return "::".join((*scope, name))


def _template_tag(text: str) -> str:
    m = re.search(r">\s*(struct|class|union)\b", text)
    return m.group(1) if m else ""


def _namespaces_of(c: Cursor) -> tuple[str, ...]:
    names, cur = [], c.semantic_parent
    while cur is not None and cur.kind != CursorKind.TRANSLATION_UNIT:
        if cur.kind == CursorKind.NAMESPACE and cur.spelling:
            names.append(cur.spelling)
        cur = cur.semantic_parent
    return tuple(reversed(names))


def _scope_of(c: Cursor) -> tuple[str, ...]:
    """Enclosing namespaces and records of ``c`` (what its qualified name is made of)."""
    names, cur = [], c.semantic_parent
    while cur is not None and cur.kind != CursorKind.TRANSLATION_UNIT:
        if cur.spelling and cur.kind != CursorKind.LINKAGE_SPEC:
            names.append(cur.spelling)
        cur = cur.semantic_parent
    return tuple(reversed(names))


def _qualified_from_parents(c: Cursor) -> str:
    return "::".join((*_scope_of(c), c.spelling) if c.spelling else _scope_of(c))


def _split_template_args(spelling: str) -> tuple[str, ...]:
    """``"ns::S<int, Foo<a, b>>"`` -> ``("int", "Foo<a, b>")``."""
    start = spelling.find("<")
    if start < 0 or not spelling.endswith(">"):
        return ()
    body = spelling[start + 1 : -1]
    args: list[str] = []
    cur: list[str] = []
    depth = 0
    for ch in body:
        if ch in "<([":
            depth += 1
        elif ch in ">)]":
            depth -= 1
        if ch == "," and depth == 0:
            args.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    if cur:
        args.append("".join(cur).strip())
    return tuple(args)


def extract(
    tu,
    files_to_retain: Iterable[str],
    diagnostics: tuple[Diagnostic, ...] = (),
    toolkit_dirs: Iterable[str] = (),
) -> Declarations:
    """Build :class:`Declarations` from ``tu``, keeping declarations of ``files_to_retain``;
    ``toolkit_dirs``: the CUDA toolkit's include dirs (see ``Function.is_defined``)."""
    retain = frozenset(os.path.realpath(f) for f in files_to_retain)
    toolkit = tuple(os.path.join(os.path.realpath(d), "") for d in toolkit_dirs)
    ex = _Extractor(tu, retain, toolkit)
    ex.run()
    return ex.result(diagnostics)
