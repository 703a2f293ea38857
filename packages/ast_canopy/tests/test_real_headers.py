"""The CUDA headers numbast binds parse with zero errors on every arch, with stable counts."""

from __future__ import annotations

import functools

import ast_canopy
import pytest
from _realheaders import HEADERS, counts, header_path, retained
from ast_canopy import MethodKind

# (structs, free functions, function templates, typedefs, enums), CUDA 13.0 headers. A function
# declared in the .h and defined in the .hpp is one entry: the census (fp8 47, fp16 553,
# bf16 594 functions) counted both declarations.
# NVRTC's view (__CUDACC_RTC__): host-only and internal host/device helpers that NVRTC never
# compiles are gone (fp16 280 -> 271, bf16 323 -> 271, curand 201 -> 198 functions).
SM80 = {
    "cuda_fp8.h": (9, 28, 0, 5, 2),
    "cuda_fp16.h": (4, 271, 0, 10, 0),
    "cuda_bf16.h": (4, 271, 0, 4, 0),
    "cuda_fp6.h": (6, 10, 0, 4, 1),
    "cuda_fp4.h": (3, 11, 0, 4, 1),
    "curand_kernel.h": (17, 198, 31, 33, 5),
    "vector_types.h": (59, 0, 0, 59, 0),
}
# Some bf16 intrinsics need sm_80: 7 fewer functions on sm_75.
PER_ARCH = {"sm_75": {**SM80, "cuda_bf16.h": (4, 264, 0, 4, 0)}}
# The oldest arch (its own counts), the default one and the newest run by default; the arches
# in between expect the same counts as sm_90 and run under -m slow (and in nox -s conformance).
ARCHS = (
    "sm_75",
    "sm_90",
    "sm_120",
    *(pytest.param(a, marks=pytest.mark.slow) for a in ("sm_80", "sm_86", "sm_89", "sm_100")),
)


def _errors(decls):
    return [str(d) for d in decls.diagnostics if d.severity in ("error", "fatal")]


@functools.cache
def _parse_alone(header: str, arch: str):
    return ast_canopy.parse_declarations_from_source(
        header_path(header), retained(header), arch, bypass_parse_error=True
    )


@pytest.mark.parametrize("header", HEADERS)
def test_header_alone_sm80(header):
    decls = _parse_alone(header, "sm_80")
    assert _errors(decls) == []
    assert tuple(counts(decls).values()) == SM80[header]


@pytest.mark.parametrize("arch", ARCHS)
def test_all_headers_together(arch, tmp_path):
    """One translation unit per arch including every header: zero errors, same counts."""
    src = tmp_path / "all.cu"
    src.write_text("".join(f"#include <{h}>\n" for h in HEADERS))
    files = [f for h in HEADERS for f in retained(h)]
    decls = ast_canopy.parse_declarations_from_source(src, files, arch, bypass_parse_error=True)
    assert _errors(decls) == []
    expected = PER_ARCH.get(arch, SM80)
    got = {h: tuple(counts(decls, set(retained(h))).values()) for h in HEADERS}
    assert got == expected


def test_fp8_census():
    decls = _parse_alone("cuda_fp8.h", "sm_80")
    methods = [m for s in decls.structs for m in s.methods]
    ctors = [m for m in methods if m.kind.name.endswith("CONSTRUCTOR")]
    assert len(ctors) == 75
    assert sum(m.is_explicit for m in ctors) == 66
    conversions = [m for m in methods if m.kind == MethodKind.CONVERSION]
    assert sum(m.is_explicit for m in conversions) == 58
    assert {s.size for s in decls.structs} == {1, 2, 4}


def test_fp16_operators():
    decls = _parse_alone("cuda_fp16.h", "sm_80")
    assert sum(f.operator is not None for f in decls.functions) == 40  # 80 declarations
    assert len({(f.mangled_name, f.exec_space) for f in decls.functions}) == 271
    half = next(s for s in decls.structs if s.name == "__half")
    assert half.size == 2 and half.align == 2
