"""NVSHMEM's device API as a corpus entry (opt-in: its wheel is 180 MB, so not in ``.ci/run``).

``python -m conformance.corpus --arch sm_90 --nvshmem ROOT`` adds it; ROOT is where the
``nvidia-nvshmem-cu13`` wheel put its files (the folder holding ``nvidia/nvshmem/include``) or
that include folder. The config is written at run time, since it names the wheel's headers by
absolute path: an entry point that defines ``__NVSHMEM_NUMBA_SUPPORT__`` (NVSHMEM's own switch
for NVRTC-compiled callers: device functions defined inline, host-only parts left out) and
includes ``nvshmem.h`` and ``nvshmemx.h``; File List: every header of the wheel; GPU Arch sm_90.
``bench.nvshmem`` measures the same config.
"""

from __future__ import annotations

from pathlib import Path

NAME = "nvshmem"
ENTRY = """#pragma once
#define __NVSHMEM_NUMBA_SUPPORT__ 1
#include <nvshmem.h>
#include <nvshmemx.h>
"""


def include_dir(root: Path) -> Path | None:
    """The wheel's include folder under ``root`` (or ``root`` itself), if it has nvshmem.h."""
    for candidate in (root / "nvidia" / "nvshmem" / "include", root):
        if (candidate / "nvshmem.h").is_file():
            return candidate.resolve()
    return None


def write_config(work: Path, include: Path, arch: str = "sm_90") -> Path:
    """Write the entry point and the config into ``work``; returns the config's path. Paths
    are absolute (upstream Numbast resolves them against its working directory)."""
    work.mkdir(parents=True, exist_ok=True)
    entry = work / "nvshmem_api.cuh"
    entry.write_text(ENTRY)
    headers = sorted(p for p in include.rglob("*") if p.suffix in (".h", ".cuh"))
    lines = [
        f"Name: {NAME}",
        f"Entry Point: {entry}",
        f"Clang Include Paths: [{include}]",
        f"GPU Arch: [{arch}]",
        "Output Name: nvshmem_bindings.py",
        "File List:",
        *(f"  - {h}" for h in headers),
    ]
    path = work / f"{NAME}.yml"
    path.write_text("\n".join(lines) + "\n")
    return path
