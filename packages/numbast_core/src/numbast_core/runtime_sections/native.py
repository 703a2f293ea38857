# ruff: noqa: F821 (names defined by core.py and structs.py, which come first in every module)
# ---- runtime section: native (C++ types bound to numba-cuda's own float16, bfloat16) ----------
# C++ promotes before a converting constructor (``__half(int8_t)`` runs ``__half(int)``) and
# after a conversion operator (``double(h)`` runs ``operator float``): (narrower, promoted type).
_PROMOTIONS = (
    (types.boolean, types.int32),
    (types.int8, types.int32),
    (types.uint8, types.int32),
    (types.int16, types.int32),
    (types.uint16, types.int32),
    (types.float32, types.float64),
)


def _promoting_lowering(glue, row, before, after):
    """A cast lowered as numba's cast to ``before``, the C++ call, numba's cast to ``after``."""

    def cast(context, builder, fromty, toty, value):
        source, target = before or fromty, row[2]
        value = context.cast(builder, value, fromty, source)
        result = _call(context, builder, glue, row, [value], [source])[0]
        return context.cast(builder, result, target, after or toty)

    return cast


def _bind_native(registries, glue, ty, casts=(), conversions=()):
    """Casts to and from numba-cuda's own type ``ty`` (one-argument constructors, conversion
    operators): ``bfloat16(3.14)`` in a kernel is numba-cuda's cast, lowered by these. A numeric
    type with no exact C++ counterpart is cast as C++ would, through its promoted type."""
    lower_cast = registries.target.lower_cast
    sources, targets = dict(casts), dict(conversions)
    for source, row in casts if not _SIMULATOR else ():
        lower_cast(source, ty)(_cast_lowering(glue, row))
    for target, row in conversions if not _SIMULATOR else ():
        lower_cast(ty, target)(_cast_lowering(glue, row))
    for narrow, wide in _PROMOTIONS if not _SIMULATOR else ():
        if narrow not in sources and wide in sources:
            lower_cast(narrow, ty)(_promoting_lowering(glue, sources[wide], wide, None))
    for wide in dict.fromkeys(w for _, w in _PROMOTIONS) if not _SIMULATOR else ():
        via = [n for n, w in _PROMOTIONS if w == wide and n in targets]
        if wide not in targets and len(via) == 1:  # two would be ambiguous in C++
            lower_cast(ty, wide)(_promoting_lowering(glue, targets[via[0]], None, wide))
