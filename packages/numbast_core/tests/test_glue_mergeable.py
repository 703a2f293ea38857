"""A header written for one translation unit (external ``__inline_hint__``/``__noinline__``
functions and ``__constant__`` globals, as NVSHMEM's NVRTC mode defines them) still splits its
glue into chunks: the chunks read it with those keywords made ``inline``, so a kernel that calls
shims of two chunks links, and each function or global is defined once in the cubin."""

from __future__ import annotations

import struct

import _codegen_helpers as helpers
import numbast_core
import pytest
from test_portable import _forget_imports, _int_args, _no_nvrtc  # noqa: F401 (a fixture)

pytest.importorskip("cuda.bindings.nvrtc")
pytest.importorskip("cuda.bindings.nvjitlink")

HEADER = """#pragma once
__constant__ int mg_table[4] = {1, 2, 3, 4};
__constant__ int mg_state;
__device__ __inline_hint__ int mg_scale(int a) { return a * mg_table[1] + mg_state; }
__device__ __noinline__ int mg_twice(int a) { return 2 * a; }
__device__ inline int mg_first(int a) { return mg_scale(a) + mg_twice(a); }
__device__ inline int mg_second(int a) { return mg_scale(a) - mg_table[3]; }
"""


@pytest.fixture
def chunked(monkeypatch):
    from numbast_core import glue_build

    monkeypatch.setattr(glue_build, "SPLIT_ABOVE", 1)  # as if the header had > 512 shims
    monkeypatch.setattr(glue_build, "CHUNK_SIZE", 1)
    return glue_build


def _generate(root, name="mg_api", **kwargs):
    (root / "include").mkdir(parents=True, exist_ok=True)
    (root / "include" / "mg_api.cuh").write_text(HEADER)
    config = root / "mg.yml"
    config.write_text(
        "Entry Point: include/mg_api.cuh\nFile List: [include/mg_api.cuh]\n"
        f"GPU Arch: [sm_90]\nOutput Name: {name}.py\n"
    )
    return numbast_core.generate(numbast_core.load_config(config), root / "out", **kwargs)


def _defined_symbols(cubin: bytes) -> list[str]:
    """Names of the defined symbols in an ELF64 cubin's symbol table."""
    (shoff,) = struct.unpack_from("<Q", cubin, 0x28)
    size, count = struct.unpack_from("<HH", cubin, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", cubin, shoff + i * size) for i in range(count)]
    names = []
    for _, kind, _, _, offset, length, link, _, _, entry in sections:
        if kind != 2:  # SHT_SYMTAB
            continue
        strings = sections[link][4]
        for at in range(offset, offset + length, entry):
            name, _, _, index = struct.unpack_from("<IBBH", cubin, at)
            if index:  # defined (not SHN_UNDEF)
                end = cubin.index(b"\0", strings + name)
                names.append(cubin[strings + name : end].decode())
    return names


def _kernel(module):
    def kernel(out, a):
        out[0] = module.mg_first(a) + module.mg_second(a)

    return kernel


def test_the_plain_headers_define_what_two_chunks_would_both_define(tmp_path, chunked):
    from ast_canopy.cuda_paths import find_cuda_paths

    (tmp_path / "mg_api.cuh").write_text(HEADER)
    dirs = (*find_cuda_paths().nvrtc_include_dirs, str(tmp_path))
    prelude = '#include "mg_api.cuh"\n'
    plain = chunked._ltoir(prelude, "sm_90", dirs, ())
    assert isinstance(plain, bytes) and not chunked._links_together([plain, plain], "sm_90")
    merged = chunked._ltoir(chunked.mergeable_prelude(prelude), "sm_90", dirs, ())
    assert isinstance(merged, bytes) and chunked._links_together([merged, merged], "sm_90")


def test_kernels_calling_shims_of_two_chunks_link_with_each_definition_once(
    tmp_path, chunked, monkeypatch
):
    result = _generate(tmp_path)
    text = result.path.read_text()
    assert "chunk_size=1," in text and "#define __constant__ inline" in text
    module = helpers.import_module(result.path)
    _no_nvrtc(module, monkeypatch)  # the precompiled chunks only
    glue = module._glue
    cres = helpers.compile_and_link(_kernel(module), _int_args(1), cc=(9, 0))
    first, second = (next(s for s in glue.shims if n in s) for n in ("mg_first", "mg_second"))
    assert glue._chunk_of[first] != glue._chunk_of[second] and len(glue._compiled) == 2
    cubin = cres.library.get_cubin(cc=(9, 0))
    symbols = _defined_symbols(bytes(getattr(cubin, "code", cubin)))  # (cuda.core ObjectCode)
    for name in ("mg_table", "mg_state", "_Z8mg_scalei", "_Z8mg_twicei"):
        assert symbols.count(name) <= 1, (name, symbols)
    assert symbols.count("mg_table") == 1  # the global the shims read, one object


def test_the_run_time_compile_uses_the_same_prelude(tmp_path, chunked):
    result = _generate(tmp_path)
    for sidecar in result.path.parent.glob("*.ltoir"):
        sidecar.unlink()  # NVRTC compiles each chunk at run time
    module = helpers.import_module(result.path)
    helpers.compile_and_link(_kernel(module), _int_args(1), cc=(9, 0))
    assert len(module._glue._compiled) == 2


def test_the_module_is_deterministic(tmp_path, chunked):
    first = _generate(tmp_path / "a").path
    second = _generate(tmp_path / "b").path
    assert first.read_text() == second.read_text()
    assert first.with_suffix(".sm_90.ltoir").read_bytes() == (
        second.with_suffix(".sm_90.ltoir").read_bytes()
    )


def test_a_module_compiled_only_at_run_time_chunks_the_same_way(tmp_path, chunked):
    result = _generate(tmp_path, name="mg_late", precompile=False)
    text = result.path.read_text()
    assert "chunk_size=1," in text and "#define __constant__ inline" in text
    module = helpers.import_module(result.path)
    helpers.compile_and_link(_kernel(module), _int_args(1), cc=(9, 0))
    assert len(module._glue._compiled) == 2
