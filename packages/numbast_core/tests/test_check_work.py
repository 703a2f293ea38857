"""``--check`` cuts its work by cost (issue 17): heavy callables (NVSHMEM's collectives) get
small kernels, cheap ones big kernels, a chunk's kernels share one link, and processes get
shares of equal weight."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from numbast_core import check
from numbast_core.check_work import (
    Link,
    callable_weights,
    kernels_by_weight,
    links_of,
    plan_links,
    shares_of,
)

# three chunks of 4 shims: chunk 1's LTO-IR is 2x the others' (a collectives chunk)
SIZES = (4000, 8000, 4000)
SHIMS = [f"s{i:02d}" for i in range(12)]
CHUNK_INDEX = {s: i // 4 for i, s in enumerate(SHIMS)}


def test_weights_are_lto_ir_bytes_per_shim_relative_to_the_typical_chunk_cubed():
    weights = callable_weights([0, 1, 2, 1], SIZES, [4, 4, 4])
    assert weights == [1.0, 8.0, 1.0, 8.0]
    assert callable_weights([2], (4000, 4000, 16000), [4, 4, 4]) == [64.0]  # 4x per shim


def test_without_chunk_sizes_every_callable_weighs_the_same():
    assert callable_weights([0, 1, 1], None, [2, 2]) == [1.0, 1.0, 1.0]
    assert callable_weights([0, 1], (10,), [1, 1]) == [1.0, 1.0]  # sizes not of these chunks


def test_heavy_callables_get_small_kernels_and_light_ones_big_kernels():
    weights = [1.0] * 30 + [12.0] * 5 + [30.0] * 2 + [1.0] * 3
    chunk_of = [0] * 30 + [1] * 7 + [2] * 3
    kernels = kernels_by_weight(weights, chunk_of, max_calls=24, max_weight=24.0)
    sizes = [len(k) for k in kernels]
    assert sizes == [24, 6, 2, 2, 1, 1, 1, 3]
    # without chunks, a kernel may straddle them: light callables fill up with a heavy one
    assert [len(k) for k in kernels_by_weight(weights, max_weight=24.0)] == [24, 7, 2, 2, 1, 1, 3]
    assert [i for k in kernels for i in k] == list(range(len(weights)))  # each once, in order
    heavy = [k for k in kernels if any(weights[i] > 1 for i in k)]
    assert all(sum(weights[i] for i in k) <= 24 or len(k) == 1 for k in heavy)


def test_a_chunks_kernels_share_a_link_and_chunks_do_not():
    chunk_of = [0] * 6 + [1] * 3
    kernels = [(0, 1), (2, 3), (4, 5), (6,), (7, 8)]
    links = links_of(kernels, chunk_of, [1.0] * 6 + [5.0] * 3, max_calls=4)
    assert [link.kernels for link in links] == [((0, 1), (2, 3)), ((4, 5),), ((6,), (7, 8))]
    assert [link.weight for link in links] == [4.0, 2.0, 15.0]
    light = links_of(kernels, chunk_of, [1.0] * 6 + [5.0] * 3, max_calls=4, max_weight=10)
    assert [link.kernels for link in light][-2:] == [((6,),), ((7, 8),)]  # heavy: one each


def test_shares_have_equal_weight_heaviest_first():
    links = [Link(((i,),), w) for i, w in enumerate([1, 9, 2, 8, 3, 7])]
    shares = shares_of(links, 2)
    assert [[link.weight for link in share] for share in shares] == [[9, 3, 2, 1], [8, 7]]
    assert shares_of(links[:1], 4) == [[links[0]]]  # no empty shares


def test_links_take_their_weights_from_the_modules_precompiled_glue():
    """check._links reads the sizes of the arch's precompiled chunks and the shim -> chunk map
    from the imported module: the collectives chunk's callables land in small kernels."""
    glue = SimpleNamespace(
        precompiled={"sm_90": ("m.sm_90.ltoir", "sha", SIZES, ())},
        chunks=[SHIMS[0:4], SHIMS[4:8], SHIMS[8:12]],
        _chunk_of=CHUNK_INDEX,
    )
    module = SimpleNamespace(_glue=glue)
    calls = [SimpleNamespace(overload=SimpleNamespace(shim=s)) for s in SHIMS]
    links = check._links(module, calls, "sm_90")
    kernels = [k for link in links for k in link.kernels]
    assert [i for k in kernels for i in k] == list(range(12))
    assert [len(k) for k in kernels] == [4, 3, 1, 4]  # 8 per heavy callable: 3 per kernel
    assert len(links) == 3  # one per chunk
    assert plan_links(SHIMS, CHUNK_INDEX, None, [4, 4, 4]) != links  # sizes change the plan
    no_sizes = check._links(SimpleNamespace(_glue=glue), calls, "sm_80")  # not precompiled
    assert [len(k) for link in no_sizes for k in link.kernels] == [4, 4, 4]


def test_kernels_of_one_link_are_linked_once(funcs, funcs_module, monkeypatch):
    """A link of several kernels is one compile-and-link when it succeeds; the failing one is
    halved down to its kernel, and the failure pinned to its callable as before."""
    pytest.importorskip("cuda.bindings.nvjitlink")
    monkeypatch.setattr(check, "BATCH", 4)
    calls = check._arch_calls(funcs.plan, "sm_90", funcs_module)
    links = check._links(funcs_module, calls, "sm_90")
    assert max(len(link.kernels) for link in links) > 1
    linked = []
    real = check._compile_and_link_kernels

    def counting(module, kernels, cc):
        linked.append(len(kernels))
        return real(module, kernels, cc)

    monkeypatch.setattr(check, "_compile_and_link_kernels", counting)
    broken = {i for i, c in enumerate(calls) if check.call_label(c) == "broken"}
    clean = next(link for link in links if len(link.kernels) > 1 and not broken & _of(link))
    assert [e for _, e in check._checked(funcs_module, calls, clean, (9, 0))] == [""] * len(
        _of(clean)
    )
    assert linked == [len(clean.kernels)]
    failing = next(link for link in links if broken & _of(link))
    errors = dict(check._checked(funcs_module, calls, failing, (9, 0)))
    assert {i for i, e in errors.items() if e} == broken


def _of(link: Link) -> set[int]:
    return {i for kernel in link.kernels for i in kernel}
