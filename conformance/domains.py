"""Input domains of the GPU tier: what values each parameter kind is drawn from.

A new header needs nothing here unless its functions want special inputs: add them to
``OVERRIDES`` keyed by (header, label) -> {parameter index: list of values}. Everything is in
*storage* form (the bit patterns a kernel loads): float16/bfloat16 as uint16, bool as uint8.
"""

from __future__ import annotations

import numpy as np

STORAGE = {
    "boolean": np.uint8, "int8": np.int8, "int16": np.int16, "int32": np.int32,
    "int64": np.int64, "uint8": np.uint8, "uint16": np.uint16, "uint32": np.uint32,
    "uint64": np.uint64, "float16": np.uint16, "bfloat16": np.uint16, "float32": np.float32,
    "float64": np.float64,
}  # fmt: skip

# Saturation/rounding boundaries of fp8 (e4m3 448/464, e5m2 57344/61440), fp6 (7.5, 28),
# fp4 (6), e8m0 (2^127), fp16 (65504/65520), bf16 (3.39e38).
_BOUNDARIES = [448.0, 449.0, 464.0, 465.0, 480.0, 57344.0, 57345.0, 61440.0, 61441.0, 7.5, 7.75,
               8.0, 28.0, 30.0, 32.0, 6.0, 6.5, 7.0, 65504.0, 65519.0, 65520.0, 1.5, 2.5,
               2.0**-6, 2.0**-9, 2.0**-10, 2.0**-14, 2.0**-16, 2.0**-24, 2.0**-25, 2.0**-126,
               2.0**127, 3.3895313892515355e38]  # fmt: skip


def _float_edges(dtype) -> np.ndarray:
    info = np.finfo(dtype)
    base = [0.0, 1.0, 0.5, 1.0 / 3, float(info.max), float(info.tiny)]
    sub = float(info.smallest_subnormal)
    base += [sub, float(info.tiny) - sub, np.inf, np.nan, *_BOUNDARIES]
    with np.errstate(over="ignore"):
        values = np.array(base, dtype=np.float64).astype(dtype)
    return np.concatenate([values, -values])


def _bits_edges(bits: int) -> np.ndarray:
    """Edge bit patterns of a 16-bit float: ±0, ±min subnormal, ±max, ±inf and NaNs."""
    sign = 1 << (bits - 1)
    pats = [0, 1, 0x3FF, 0x400, 0x3C00, 0x7BFF, 0x7C00, 0x7C01, 0x7E00, 0x7FFF,  # fp16
            0x007F, 0x0080, 0x3F80, 0x7F7F, 0x7F80, 0x7F81, 0x7FC0]  # bf16  # fmt: skip
    return np.array(pats + [p | sign for p in pats], dtype=np.uint16)


def edges(numba: str) -> np.ndarray:
    dtype = STORAGE[numba]
    if numba == "boolean":
        return np.array([0, 1], dtype=dtype)
    if numba in ("float16", "bfloat16"):
        return _bits_edges(16)
    if numba in ("float32", "float64"):
        return _float_edges(dtype)
    info = np.iinfo(dtype)
    values = [0, 1, 2, 3, 7, 8, 15, 16, 31, 32, 63, 64, 127, 128, 255, info.max, info.max - 1]
    if info.min < 0:
        values += [-1, -2, -127, -128, info.min, info.min + 1]
    return np.array(sorted({v for v in values if info.min <= v <= info.max}), dtype=dtype)


def draw(numba: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """At least ``n`` values of a parameter kind: edges first, every pattern of an 8-bit kind,
    then random bit patterns (floats: half random bits, half random magnitudes)."""
    dtype = np.dtype(STORAGE[numba])
    parts = [edges(numba)]
    if numba == "boolean":
        parts.append(rng.integers(0, 2, n, dtype=np.uint8))
    elif dtype.kind in "iu" or numba in ("float16", "bfloat16"):
        unsigned = np.dtype(f"u{dtype.itemsize}")
        if dtype.itemsize == 1:
            parts.append(np.arange(256, dtype=np.uint8).view(dtype))
        bits = rng.integers(0, np.iinfo(unsigned).max, n, dtype=unsigned, endpoint=True)
        parts.append(bits.view(dtype))
    else:
        half = n // 2
        unsigned = np.dtype(f"u{dtype.itemsize}")
        bits = rng.integers(0, np.iinfo(unsigned).max, n - half, dtype=unsigned, endpoint=True)
        scaled = rng.standard_normal(half) * 10.0 ** rng.integers(-8, 8, half)
        parts += [bits.view(dtype), scaled.astype(dtype)]
    return np.concatenate([p.astype(dtype) for p in parts])


# Warp shuffles: the mask must name every lane of the (full) warp, else the call is undefined
# (an illegal instruction on sm_90); the width must be a power of two <= 32, the same across a
# warp. Lanes/deltas cover in-range and out-of-range sources.
_SHUFFLE = {
    0: [0xFFFFFFFF],
    2: list(range(40)),
    3: [w for w in (1, 2, 4, 8, 16, 32) for _ in range(32)],
}

# (header, label) -> {parameter index: values in storage form}
OVERRIDES: dict[tuple[str, str], dict[int, list]] = {
    (header, shuffle): _SHUFFLE
    for header in ("cuda_fp16", "cuda_bf16")
    for shuffle in ("__shfl_sync", "__shfl_up_sync", "__shfl_down_sync", "__shfl_xor_sync")
}

# Bessel functions of order n iterate n times per call (a recurrence): orders over the whole
# int range keep a warp busy for billions of steps (the crt_math_functions tier never ended).
# Orders from -4 (NaN in C++) to 127 cover every branch.
_BESSEL_ORDER = {0: list(range(-4, 128))}
OVERRIDES |= {("crt_math_functions", f): _BESSEL_ORDER for f in ("jn", "yn")}

# `cudaRoundMode` parameters take only the modes each header supports: anything else fails the
# header's own `assert` (device assert, which loses the CUDA context) in C++ as in the binding.
# cudaRoundNearest = 0, cudaRoundZero = 1, cudaRoundPosInf = 2 (cuda_fp8: the e8m0 conversions).
ROUND_MODES = {"cuda_fp4": [0, 1], "cuda_fp6": [0, 1], "cuda_fp8": [1, 2]}


def overrides(entry: dict) -> dict[int, list]:
    """Parameter index -> values, for the parameters of ``entry`` with a restricted domain."""
    found = dict(OVERRIDES.get((entry["header"], entry["label"]), {}))
    for index, p in enumerate(entry["params"]):
        if p.get("cxx", "").split()[-1] == "cudaRoundMode" and entry["header"] in ROUND_MODES:
            found.setdefault(index, ROUND_MODES[entry["header"]])
    return found


# Functions whose NaN results may differ in payload (C++ leaves the payload unspecified there).
# Empty: every bound function so far is expected to give the very same NaN bits.
NAN_PAYLOAD_FREE: set[tuple[str, str]] = set()
