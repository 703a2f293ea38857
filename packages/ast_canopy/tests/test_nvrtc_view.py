"""The parse sees what NVRTC compiles: its include dirs (the runtime's order), its predefined
macros, the files it reads, and in-memory headers."""

from __future__ import annotations

import importlib.util
import json
import os

import ast_canopy
import pytest
from ast_canopy.cuda_paths import find_cuda_paths

HAS_NUMBA_CUDA = importlib.util.find_spec("numba_cuda") is not None


@pytest.mark.skipif(not HAS_NUMBA_CUDA, reason="numba-cuda is not installed")
def test_include_dirs_are_the_generated_runtimes_nvrtc_dirs_in_its_order(monkeypatch):
    """The runtime's ``_nvrtc_ltoir`` gives NVRTC pathfinder's cudart dir, then cccl."""
    from cuda import pathfinder

    monkeypatch.delenv("NUMBA_CUDA_NVRTC_EXTRA_SEARCH_PATHS", raising=False)
    expected = [
        pathfinder.find_nvidia_header_directory("cudart"),
        pathfinder.locate_nvidia_header_directory("cccl").abs_path,
    ]
    got = find_cuda_paths().nvrtc_include_dirs
    assert list(got) == [os.path.realpath(d) for d in expected]


def test_extra_search_paths_come_last(monkeypatch, tmp_path):
    monkeypatch.setenv("NUMBA_CUDA_NVRTC_EXTRA_SEARCH_PATHS", f"{tmp_path}:{tmp_path / 'b'}")
    dirs = find_cuda_paths().nvrtc_include_dirs
    assert dirs[-2:] == (str(tmp_path), str(tmp_path / "b"))


def test_crt_headers_resolve_through_the_toolkit_only():
    paths = find_cuda_paths()
    assert os.path.isfile(os.path.join(paths.toolkit_root, "include", "crt", "host_defines.h"))
    assert paths.include_dirs[: len(paths.nvrtc_include_dirs)] == paths.nvrtc_include_dirs


def test_nvrtc_macros_and_language_are_defined_for_the_header(tmp_path):
    header = tmp_path / "macros.cuh"
    header.write_text(
        "#if !defined(__CUDACC_RTC__) || __CUDACC_RDC__ != 1 || !defined(__CUDACC__)\n"
        "#error not NVRTC's macros\n#endif\n"
        "#if __CUDACC_VER_MAJOR__ < 12 || __cplusplus != 201703L || __CUDA_PREC_DIV != 1\n"
        "#error not NVRTC's versions\n#endif\n"
        "#ifdef __CUDACC_RTC__\n__device__ inline int only_rtc(int x) { assert(x); return x; }\n"
        "#endif\n"
    )
    decls = ast_canopy.parse(header, [header], "sm_90")
    assert [f.name for f in decls.functions] == ["only_rtc"]


def test_files_nvrtc_never_reads_are_not_bound():
    """sm_60_atomic_functions.h includes its .hpp only without __CUDACC_RTC__ (NVRTC has those
    functions built in); the .hpp's helpers such as __dAtomicAdd do not exist under NVRTC."""
    h = os.path.join(find_cuda_paths().toolkit_root, "include", "sm_60_atomic_functions.h")
    decls = ast_canopy.parse(h, [h, h + "pp"], "sm_90")
    names = {f.name for f in decls.functions}
    assert "atomicAdd_block" in names and "__dAtomicAdd" not in names
    assert {os.path.realpath(f.location.file) for f in decls.functions} == {os.path.realpath(h)}
    unseen = [d for d in decls.diagnostics if "NVRTC does not read this file" in d.message]
    assert [d.location.file for d in unseen] == [os.path.realpath(h + "pp")]


def test_extra_headers_are_on_the_include_path(tmp_path):
    header = tmp_path / "uses_config.cuh"
    header.write_text("#include <mylib/config.h>\n__device__ inline int n() { return MYLIB_N; }\n")
    with pytest.raises(ast_canopy.ParseError, match=r"mylib/config\.h"):
        ast_canopy.parse(header, [header], "sm_90")
    decls = ast_canopy.parse(
        header, [header], "sm_90", extra_headers={"mylib/config.h": "#define MYLIB_N 3\n"}
    )
    assert [f.name for f in decls.functions] == ["n"]


def test_extra_headers_come_before_the_system_headers(tmp_path):
    """A header named like a libstdc++ one that clang's wrapper does not read is replaced."""
    header = tmp_path / "uses_array.cuh"
    header.write_text("#include <array>\n__device__ inline int k() { return REPLACED_ARRAY; }\n")
    decls = ast_canopy.parse(
        header, [header], "sm_90", extra_headers={"array": "#define REPLACED_ARRAY 1\n"}
    )
    assert [f.name for f in decls.functions] == ["k"]


def test_extra_headers_never_replace_what_clangs_wrapper_reads(tmp_path, monkeypatch):
    """Which system headers clang's CUDA wrapper reads depends on the machine (libstdc++ 13's
    <cmath> reads <bit>; 12's does not): it is measured, not listed. <stdint.h> is read by the
    wrapper and was not on the gcc-12 list; replacing it broke the wrapper."""
    monkeypatch.setenv("AST_CANOPY_CACHE_DIR", str(tmp_path / "cache"))
    header = tmp_path / "lib.cuh"
    header.write_text("#include <stdint.h>\n__device__ inline uint32_t k() { return 1u; }\n")
    broken = {"stdint.h": '#error "the wrapper read a replaced <stdint.h>"\n'}
    for _ in range(2):  # measured, then from the cache
        decls = ast_canopy.parse(header, [header], "sm_90", extra_headers=broken)
        assert [f.name for f in decls.functions] == ["k"]
    (kept,) = (tmp_path / "cache" / "pch").glob("*.json")
    assert "cmath" in json.loads(kept.read_text())["names"]


def test_the_measured_wrapper_names_are_measured_again_when_a_file_changes(tmp_path, monkeypatch):
    from ast_canopy import _cache

    calls = []

    def measure(args):
        calls.append(args)
        return frozenset({"cmath"}), frozenset({str(system)})

    system = tmp_path / "cmath"
    system.write_text("")
    cache = str(tmp_path / "cache")
    monkeypatch.setattr(_cache, "wrapper_includes", measure)
    assert _cache.wrapper_names(["-x", "cuda"], cache) == {"cmath"}
    assert _cache.wrapper_names(["-x", "cuda"], cache) == {"cmath"}
    assert len(calls) == 1
    os.utime(system, ns=(1, 1))  # the system's header changed (e.g. a gcc upgrade)
    assert _cache.wrapper_names(["-x", "cuda"], cache) == {"cmath"}
    assert len(calls) == 2


def test_a_header_read_without_nvrtc_macros_binds_only_what_nvrtc_compiles(tmp_path):
    """NVSHMEM's headers clash with clang's wrapper under __CUDACC_RTC__ (a uint64_t typedef),
    so they are read without NVRTC's macros; declarations in the branches NVRTC skips (its
    host-only launch API) must not be bound: NVRTC would not find them."""
    header = tmp_path / "lib.cuh"
    header.write_text(
        "#pragma once\n#include <stdint.h>\n"
        "#ifdef __CUDACC_RTC__\ntypedef unsigned long long uint64_t;\n#endif\n"
        "__device__ int seen(uint64_t x);\n"
        "#if !defined __CUDACC_RTC__\n"
        "struct host_only { int x; };\nint launch(host_only *attr);\n"
        "#endif\n"
        "#ifndef __CUDACC_RTC__\n__device__ int plain_only();\n#else\n__device__ int rtc_only();\n"
        "#endif\n"
    )
    decls = ast_canopy.parse(header, [header], "sm_90")
    notes = [d.message for d in decls.diagnostics]
    assert any("parsed without NVRTC's predefined macros" in m for m in notes), notes
    assert [f.name for f in decls.functions] == ["seen"]
    assert decls.structs == ()
    hidden = [
        (d.location.line, d.message.split()[0]) for d in decls.diagnostics if "#if" in d.message
    ]
    assert hidden == [(8, "host_only"), (9, "launch"), (12, "plain_only")]


def test_redeclarations_of_clangs_wrapper_intrinsics_are_bound_as_nvrtc_sees_them():
    """crt/sm_80_rt.h redeclares what clang's CUDA wrapper declares (``static``, or extern "C"):
    warnings, and the declarations stay valid. Its .hpp, which NVRTC does not read, keeps only
    definitions: its declared-only ``*_impl`` are nvcc intrinsics NVRTC lacks."""
    h = os.path.join(find_cuda_paths().toolkit_root, "include", "crt", "sm_80_rt.h")
    decls = ast_canopy.parse(h, [h, h[:-1] + "hpp"], "sm_90")
    names = {f.name for f in decls.functions}
    assert {"__reduce_add_sync", "__reduce_xor_sync", "__nv_memcpy_async_shared_global_4"} <= names
    assert not any(f.is_invalid for f in decls.functions)
    assert not [n for n in names if n.endswith("_impl")]
    clashes = [d for d in decls.diagnostics if "clang's CUDA wrapper declares it" in d.message]
    assert clashes and all(d.severity == "warning" for d in clashes)
    intrinsics = [d.message.split()[0] for d in decls.diagnostics if "nvcc intrinsic" in d.message]
    assert "__reduce_add_sync_unsigned_impl" in intrinsics
