"""A parse that may need a second reading, with the second one started early on big headers.

``_parse`` reads a header with NVRTC's predefined macros first and, when clang reports errors,
again without them (see ``ast_canopy._parse``). A big header that needs both readings paid two
full parses one after the other (NVSHMEM's device API: ~7 s each on an idle 2-core box). libclang
parses outside the GIL, so when the first reading is still running after ``SPECULATE_AFTER``
seconds and a second core is there, the second reading starts alongside it: such a header costs
about one parse of wall time. Small headers finish before that and never start the second one.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from typing import TypeVar

T = TypeVar("T")

SPECULATE_AFTER = 1.0  # seconds: cuda_fp16 parses in ~0.3 s, curand_kernel.h in ~0.5 s


def cores() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def first_or_second(
    first: Callable[[], T],
    second: Callable[[], T],
    failed: Callable[[T], bool],
    speculate_after: float | None = SPECULATE_AFTER,
) -> tuple[T, T | None]:
    """``(result of first, result of second or None)``: ``second`` runs only when ``first``'s
    result ``failed``, or alongside ``first`` when that takes longer than ``speculate_after``
    (``None``: never; its result is then returned only if ``first`` failed). Both have
    finished on return: no parse is left running in the background."""
    if cores() < 2:
        one = first()
        return one, (second() if failed(one) else None)
    with ThreadPoolExecutor(2, thread_name_prefix="ast_canopy-parse") as pool:
        started = pool.submit(first)
        spare = None
        if speculate_after is not None and not wait([started], timeout=speculate_after).done:
            spare = pool.submit(second)
        one = started.result()
        if not failed(one):
            if spare is not None:
                wait([spare])  # finished before returning; its result is dropped
            return one, None
        return one, (spare.result() if spare is not None else second())
