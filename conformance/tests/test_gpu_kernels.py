"""The kernel suite on a GPU: each case's Numba kernel (generated bindings) gives bit for bit
what the same CUDA C++ kernel gives; curand's sequences too, with states held in local structs
and in local-array elements (``test_gpu_tier.py`` runs them with states behind a pointer).

Needs the folder ``python -m conformance.gpu_kernels generate DIR`` wrote (env
``NUMBAST_KERNELS``); results go to env ``NUMBAST_GPU_RESULTS`` when set. Skips without a GPU,
unless ``NUMBAST_REQUIRE_GPU=1`` (then it fails).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.gpu


def _unavailable(reason: str):
    if os.environ.get("NUMBAST_REQUIRE_GPU") == "1":
        pytest.fail(f"NUMBAST_REQUIRE_GPU=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def summary(tmp_path_factory):
    try:
        from numba import cuda
    except ImportError as error:
        _unavailable(f"numba-cuda is not importable: {error}")
    if not cuda.is_available():
        _unavailable("no CUDA GPU available (numba.cuda.is_available() is False)")
    folder = os.environ.get("NUMBAST_KERNELS")
    if not folder or not Path(folder, "kernels.json").exists():
        _unavailable(
            "NUMBAST_KERNELS does not name a folder with kernels.json "
            "(make one with: python -m conformance.gpu_kernels generate DIR)"
        )
    from conformance.gpu_kernels import run_all

    out = os.environ.get("NUMBAST_GPU_RESULTS") or tmp_path_factory.mktemp("kernels")
    return run_all(folder, Path(out))


def test_every_kernel_matches_native_cxx(summary):
    bad = [r for r in summary["cases"] if r.get("error") or r.get("problems")]
    assert not bad, [(r["case"], r.get("error") or r["problems"][:3]) for r in bad]


def test_curand_sequences_match_in_every_state_storage(summary):
    curand = summary["curand"]
    assert not curand.get("error"), curand.get("error")
    assert sorted(curand["storages"]) == ["array", "local"]
    assert curand["functions_checked"] == 2 * 3 * 7  # storages x generators x distributions
    assert not curand["failures"], curand["failures"][:10]
