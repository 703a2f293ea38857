"""How a module's check is cut into work, by estimated cost rather than by count.

A check kernel costs nvJitLink time superlinear in the glue code inlined into it (NVSHMEM's
team reductions: ~5 s each alone, 70 s for 6 in one kernel), and every link pays for parsing
the glue chunks it links (0.1-0.8 s for a 128-shim NVSHMEM chunk). So a callable is weighted by
its chunk's LTO-IR bytes per shim, relative to the typical chunk's, cubed (the superlinearity):
kernels are filled up to a weight budget (cheap callables share big kernels, those of chunks 3x
the typical size get one each), the kernels of one chunk share a link up to a weight budget, and
the links are dealt to processes in shares of equal weight. Pure: no numba here.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

KERNEL_CALLS = 24  # callables per kernel at most
KERNEL_WEIGHT = 24.0  # weight per kernel at most: a typical callable weighs about 1
LINK_KERNELS = 4  # a link holds at most this many full kernels (callables and weight)


@dataclass(frozen=True)
class Link:
    """Kernels (indices into the checked callables) compiled separately and linked together."""

    kernels: tuple[tuple[int, ...], ...]
    weight: float


def callable_weights(
    chunk_of: Sequence[int], chunk_sizes: Sequence[int] | None, chunk_shims: Sequence[int]
) -> list[float]:
    """A weight per callable: the LTO-IR bytes per shim of its chunk (``chunk_of[i]``), over the
    median of that across chunks, cubed, so a typical callable weighs about 1. Without chunk
    sizes (the glue is not precompiled for the arch, or sizes don't match the chunks) every
    callable weighs 1."""
    if not chunk_sizes or len(chunk_sizes) != len(chunk_shims):
        return [1.0] * len(chunk_of)
    per_shim = [size / max(n, 1) for size, n in zip(chunk_sizes, chunk_shims)]
    typical = statistics.median(p for p in per_shim if p > 0) if any(per_shim) else 0
    if not typical:
        return [1.0] * len(chunk_of)
    return [max((per_shim[c] / typical) ** 3, 1e-3) for c in chunk_of]


def kernels_by_weight(
    weights: Sequence[float],
    chunk_of: Sequence[int] | None = None,
    max_calls: int = KERNEL_CALLS,
    max_weight: float = KERNEL_WEIGHT,
) -> list[tuple[int, ...]]:
    """Consecutive callables cut into kernels of at most ``max_calls`` callables and
    ``max_weight`` weight, and of one glue chunk each (``chunk_of``); a callable heavier than
    the budget gets a kernel of its own."""
    kernels: list[tuple[int, ...]] = []
    current: list[int] = []
    total = 0.0
    for i, weight in enumerate(weights):
        full = len(current) >= max_calls or total + weight > max_weight
        if current and (full or (chunk_of is not None and chunk_of[i] != chunk_of[current[0]])):
            kernels.append(tuple(current))
            current, total = [], 0.0
        current.append(i)
        total += weight
    if current:
        kernels.append(tuple(current))
    return kernels


def links_of(
    kernels: Sequence[tuple[int, ...]],
    chunk_of: Sequence[int],
    weights: Sequence[float],
    max_calls: int = KERNEL_CALLS * LINK_KERNELS,
    max_weight: float = KERNEL_WEIGHT * LINK_KERNELS,
) -> list[Link]:
    """Consecutive kernels grouped into links: the kernels of one glue chunk (that of their
    first callable) share a link of at most ``max_calls`` callables and ``max_weight`` weight
    (a failing link is halved and linked again: heavy links stay small)."""
    links: list[Link] = []
    group: list[tuple[int, ...]] = []
    for kernel in kernels:
        calls = sum(map(len, group))
        weight = sum(weights[i] for k in (*group, kernel) for i in k)
        full = calls + len(kernel) > max_calls or weight > max_weight
        if group and (chunk_of[kernel[0]] != chunk_of[group[0][0]] or full):
            links.append(_link(group, weights))
            group = []
        group.append(kernel)
    if group:
        links.append(_link(group, weights))
    return links


def _link(kernels: Sequence[tuple[int, ...]], weights: Sequence[float]) -> Link:
    return Link(tuple(kernels), sum(weights[i] for kernel in kernels for i in kernel))


def shares_of(links: Sequence[Link], jobs: int) -> list[list[Link]]:
    """``links`` dealt to ``jobs`` shares of about equal weight: heaviest first, each to the
    lightest share so far (ties: the lowest share). Empty shares are dropped."""
    shares: list[list[Link]] = [[] for _ in range(max(jobs, 1))]
    loads = [0.0] * len(shares)
    order = sorted(range(len(links)), key=lambda k: (-links[k].weight, k))
    for k in order:
        lightest = min(range(len(shares)), key=lambda s: (loads[s], s))
        shares[lightest].append(links[k])
        loads[lightest] += links[k].weight
    return [share for share in shares if share]


def plan_links(
    shims: Sequence[str], chunk_index: Mapping[str, int], chunk_sizes: Sequence[int] | None,
    chunk_shims: Sequence[int], kernel_calls: int = KERNEL_CALLS,
) -> list[Link]:  # fmt: skip
    """The links that check the callables of shims ``shims`` (in check order): weights from
    the glue's chunks (``chunk_index``: shim -> chunk; LTO-IR sizes and shims per chunk);
    kernels of at most ``kernel_calls`` callables, links of at most ``LINK_KERNELS`` times
    that."""
    chunk_of = [chunk_index.get(s, 0) for s in shims]
    weights = callable_weights(chunk_of, chunk_sizes, chunk_shims)
    kernels = kernels_by_weight(weights, chunk_of, kernel_calls)
    return links_of(kernels, chunk_of, weights, kernel_calls * LINK_KERNELS)
