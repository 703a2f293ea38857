"""Functions and methods of one extraction pass, and the merging of redeclarations."""

from __future__ import annotations

import dataclasses
import os

from . import _clang
from ._clang import Cursor, CursorKind, TypeKind
from ._extract_base import _ACCESS, _CONSTEXPR_RE, _ExtractorBase
from ._names import _operator_symbol, _qual, fallback_id
from .model import (
    Access,
    ExecSpace,
    Function,
    FunctionTemplate,
    Location,
    Method,
    MethodKind,
    Param,
)


class _FunctionExtractor(_ExtractorBase):
    """The function and method part of ``extract._Extractor``."""

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
            # (a redeclaration of clang's CUDA wrapper's is invalid to clang only: _clang.py)
            is_invalid=(loc.file, loc.line, loc.column) not in self.wrapper_clashes
            and (
                _clang.is_invalid_declaration(c)
                or any(_clang.is_invalid_declaration(p) for p in c.get_arguments() or ())
            ),
        )

    def _method(
        self, c: Cursor, ns: tuple[str, ...], scope: tuple[str, ...], template: bool = False
    ) -> Method:
        fn = self._function(c, ns, scope, self._location(c), template=template)
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
