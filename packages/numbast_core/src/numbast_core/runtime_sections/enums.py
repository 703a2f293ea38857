# ruff: noqa: F821 (names defined by core.py, which comes first in every module)
# ---- runtime section: enums (bound C++ enums) ------------------------------------------------
import enum as _pyenum  # noqa: F401 (the enum classes below)


def _enum(cls, underlying):
    return ("in", types.IntEnumMember(cls, types.int64), underlying)
