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
        if not fitting:
            return None
        # numba-cuda converts only enum.IntEnum members to integers; cuda-bindings' enums are
        # ints of their own class from 13.1.2 on (FastEnum): a member of the named enum is
        # selected by its value (the call's lowering casts any IntEnumMember to its integer)
        named = {i for case, n in zip(cases, enums) if case in fitting for i, _ in n}
        values = tuple(
            a.dtype if i in named and isinstance(a, types.IntEnumMember) else a
            for i, a in enumerate(args)
        )
        return self._select(fitting, values, kws)

    return apply
