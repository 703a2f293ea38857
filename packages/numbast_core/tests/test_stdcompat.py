"""C++ standard headers for NVRTC (libcu++ forwarders) and NVRTC's built-in crt headers: the
same set makes clang's parse and NVRTC's compile agree."""

from __future__ import annotations

import ast_canopy
import pytest
from ast_canopy.cuda_paths import find_cuda_paths
from numbast_core import stdcompat

USER_HEADER = (
    "#pragma once\n"
    "#include <cstdint>\n"
    "#include <type_traits>\n"
    "#include <limits>\n"
    "__device__ inline uint32_t mix(std::uint64_t a, int8_t b) {\n"
    '  static_assert(std::is_same<std::uint32_t, uint32_t>::value, "");\n'
    "  return (uint32_t)(a >> 3) + b + std::numeric_limits<std::int16_t>::max();\n"
    "}\n"
)
GLUE = (
    '#include "user.h"\n'
    "#include <crt/sm_70_rt.h>\n"
    "#include <crt/math_functions.h>\n"
    'extern "C" __device__ int shim(uint32_t* r, const std::uint64_t* a, const int8_t* b,\n'
    "                               unsigned m) {\n"
    "  *r = mix(*a, *b) + __match_any_sync(m, 1) + (int)sinf(1.f);\n"
    "  return 0;\n"
    "}\n"
)


def _nvrtc_compile(source: str, headers: dict[str, str]) -> tuple[bool, str]:
    """Compile with NVRTC as numba-cuda does (its include dirs, -rdc) for compute_90."""
    nvrtc = pytest.importorskip("cuda.bindings.nvrtc")
    names = [k.encode() for k in headers]
    texts = [v.encode() for v in headers.values()]
    err, prog = nvrtc.nvrtcCreateProgram(source.encode(), b"glue.cu", len(names), texts, names)
    assert err == nvrtc.nvrtcResult.NVRTC_SUCCESS
    options = [b"-arch=compute_90", b"-rdc=true"]
    options += [f"-I{d}".encode() for d in find_cuda_paths().nvrtc_include_dirs]
    (result,) = nvrtc.nvrtcCompileProgram(prog, len(options), options)
    _, size = nvrtc.nvrtcGetProgramLogSize(prog)
    log = b" " * size
    nvrtc.nvrtcGetProgramLog(prog, log)
    nvrtc.nvrtcDestroyProgram(prog)
    return result == nvrtc.nvrtcResult.NVRTC_SUCCESS, log.decode(errors="replace")


def test_glue_including_cstdint_and_crt_headers_compiles_with_nvrtc():
    ok, log = _nvrtc_compile(GLUE, {**stdcompat.nvrtc_headers(), "user.h": USER_HEADER})
    assert ok, log


def test_without_the_mapping_nvrtc_cannot_open_cstdint():
    ok, log = _nvrtc_compile(GLUE, {"user.h": USER_HEADER})
    assert not ok and 'cannot open source file "cstdint"' in log


def _probe_including(names) -> str:
    includes = "".join(f"#include <{name}>\n" for name in names)
    return includes + 'extern "C" __device__ int probe() { return 0; }\n'


def test_the_forwarders_compile_together_with_nvrtc():
    ok, log = _nvrtc_compile(_probe_including(stdcompat.STD_HEADERS), stdcompat.std_headers())
    assert ok, log


@pytest.mark.slow  # (one NVRTC compile each; all of them together: the test above)
@pytest.mark.parametrize("name", stdcompat.STD_HEADERS)
def test_each_forwarder_compiles_alone_with_nvrtc(name):
    ok, log = _nvrtc_compile(_probe_including([name]), stdcompat.std_headers())
    assert ok, log


def test_clang_parses_the_user_header_through_the_same_headers(tmp_path):
    header = tmp_path / "user.h"
    header.write_text(USER_HEADER)
    decls = ast_canopy.parse(header, [header], "sm_90", extra_headers=stdcompat.std_headers())
    (mix,) = decls.functions
    assert [p.type.spelling for p in mix.params] == ["std::uint64_t", "int8_t"]
    assert mix.params[1].type.canonical == "signed char"
    # (std::uint64_t is `unsigned long` for clang (glibc's stdint.h, read by clang's wrapper)
    # but `unsigned long long` under NVRTC: a known gap, see nvrtc_view.)


def test_builtin_stubs_cover_only_crt_headers_nvrtc_has_built_in():
    stubs = stdcompat.builtin_stubs()
    assert "crt/sm_70_rt.h" in stubs and "crt/mma.h" not in stubs  # mma is not built in
    assert all(name.startswith("crt/") for name in stubs)
    assert set(stdcompat.std_headers()).isdisjoint(stubs)


def test_a_user_header_including_cstdint_generates_and_every_binding_links(tmp_path):
    """End to end: clang parses <cstdint> through the forwarders, and the generated module hands
    the same headers to NVRTC, so the glue compiles (it failed with `cannot open source file
    "cstdint"` when the module passed none)."""
    import numbast_core
    from numbast_core.check import check_module

    header = tmp_path / "widths.cuh"
    header.write_text(
        "#pragma once\n#include <cstdint>\n"
        "__device__ inline uint32_t add_u32(uint32_t a, std::uint64_t b)"
        " { return a + (uint32_t)b; }\n"
        "__device__ inline int8_t neg8(int8_t a) { return -a; }\n"
    )
    (tmp_path / "widths.yml").write_text(
        "Name: widths\nVersion: '1'\nEntry Point: widths.cuh\nFile List: [widths.cuh]\n"
        "GPU Arch: [sm_90]\n"
    )
    config = numbast_core.load_config(tmp_path / "widths.yml")
    result = numbast_core.generate(config, tmp_path / "out", format=False)
    assert sorted(f.python_name for f in result.plan.functions) == ["add_u32", "neg8"]
    report = check_module(result.path, result.plan)
    assert [r.error for r in report.failed] == []
    assert report.ok_count == 2
