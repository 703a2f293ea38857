"""A chunked glue reads its headers once per arch: the chunks start from a PCH of the prelude."""

from __future__ import annotations

import pytest
from test_portable import _generate

pytest.importorskip("cuda.bindings.nvrtc")


@pytest.fixture
def chunked(monkeypatch):
    from numbast_core import glue_build

    monkeypatch.setattr(glue_build, "SPLIT_ABOVE", 1)  # as if the header had > 512 shims
    monkeypatch.setattr(glue_build, "CHUNK_SIZE", 1)
    return glue_build


def _recording(glue_build, monkeypatch):
    """The PCH of each NVRTC compile (run from /, NVRTC compiles in this process: root_cwd)."""
    monkeypatch.chdir("/")
    seen = []
    real = glue_build._ltoir

    def ltoir(source, arch, dirs, headers, pch=None):
        seen.append(pch)
        return real(source, arch, dirs, headers, pch)

    monkeypatch.setattr(glue_build, "_ltoir", ltoir)
    return seen


def test_chunks_compile_from_a_precompiled_prelude(tmp_path, chunked, monkeypatch):
    seen = _recording(chunked, monkeypatch)
    result = _generate(tmp_path, archs=("sm_90",))
    assert "chunk_size=1," in result.path.read_text()
    used = [p for p in seen if p]
    assert len(used) == 2, seen  # both chunks (pt_add, pt_hopper) from the one PCH
    assert len(set(used)) == 1 and used[0].endswith("sm_90.pch")


def test_the_pch_is_made_per_arch_and_the_sidecars_are_deterministic(tmp_path, chunked):
    first = _generate(tmp_path / "a", archs=("sm_80", "sm_90"))
    second = _generate(tmp_path / "b", archs=("sm_80", "sm_90"))
    for arch in ("sm_80", "sm_90"):
        name = f"{first.path.stem}.{arch}.ltoir"
        assert (first.path.parent / name).read_bytes() == (second.path.parent / name).read_bytes()
    assert first.path.read_text() == second.path.read_text()


def test_a_glue_of_one_chunk_makes_no_pch(tmp_path, monkeypatch):
    from numbast_core import glue_build

    seen = _recording(glue_build, monkeypatch)
    _generate(tmp_path, archs=("sm_90",))
    assert seen and not any(seen)


def test_without_a_pch_the_chunks_compile_from_the_headers(tmp_path, chunked, monkeypatch):
    seen = _recording(chunked, monkeypatch)
    monkeypatch.setattr(chunked, "_prelude_pch", lambda *args: None)  # e.g. NVRTC < 12.8
    result = _generate(tmp_path, archs=("sm_90",))
    assert "chunk_size=1," in result.path.read_text()
    assert seen and not any(seen)


def test_a_small_pch_heap_is_grown_for_the_pch_then_given_back(tmp_path, chunked, monkeypatch):
    from cuda.bindings import nvrtc

    seen = _recording(chunked, monkeypatch)
    original = chunked.nvrtc_pch_heap()
    nvrtc.nvrtcSetPCHHeapSize(1 << 16)  # far below what even a small header's PCH needs
    try:
        small = chunked.nvrtc_pch_heap()
        _generate(tmp_path, archs=("sm_90",))
        assert chunked.nvrtc_pch_heap() == small
    finally:
        nvrtc.nvrtcSetPCHHeapSize(original)
    assert [p for p in seen if p], seen  # the PCH was made after growing the heap
