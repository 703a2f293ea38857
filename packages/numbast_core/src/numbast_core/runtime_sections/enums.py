# ruff: noqa: F821 (names defined by core.py, which comes first in every module)
# ---- runtime section: enums (bound C++ enums; enums of other headers) -------------------------
import enum as _pyenum  # noqa: F401 (the enum classes below)


def _enum(cls, underlying):
    return ("in", types.IntEnumMember(cls, types.int64), underlying)


def _enums_by_name(cases, enums):
    """A ``apply`` for cases with enums of other headers: ``enums`` gives each case's (argument
    position, C++ enum name); an IntEnum member is accepted there only from an enum of that name."""

    def apply(self, args, kws):
        fitting = [
            case
            for case, named in zip(cases, enums)
            if not any(
                i < len(args)
                and isinstance(args[i], types.IntEnumMember)
                and args[i].instance_class.__name__ != enum
                for i, enum in named
            )
        ]
        return self._select(fitting, args, kws) if fitting else None

    return apply
