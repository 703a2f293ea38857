"""GPU tier: every bound numeric function and operator vs native CUDA C++, bit for bit.

Runs on the GPU machine, which has no libclang and no numbast packages: it loads the modules
that ``python -m conformance.pregenerate DIR`` wrote (env ``NUMBAST_PREGENERATED``) and writes
one JSON per header into env ``NUMBAST_GPU_RESULTS`` (merge into RESULTS.md with
``python -m conformance.write_gpu_results``). Skips without a GPU, unless
``NUMBAST_REQUIRE_GPU=1`` (then it fails).
"""

from __future__ import annotations

import os

import pytest

from conformance.cpu import headers
from conformance.gpu_backend import NUMBA_CUDA, toolkit
from conformance.pregenerate import TOOLKIT_NUMERIC

pytestmark = pytest.mark.gpu

# Every config is compared function by function, and the toolkit headers of TOOLKIT_NUMERIC;
# curand's generators get the sequence test.
SEQUENCE_HEADERS = {"curand_kernel"}
NUMERIC_HEADERS = (*(h for h in headers() if h not in SEQUENCE_HEADERS), *TOOLKIT_NUMERIC)


def _unavailable(reason: str):
    if os.environ.get("NUMBAST_REQUIRE_GPU") == "1":
        pytest.fail(f"NUMBAST_REQUIRE_GPU=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def pregenerated():
    folder = os.environ.get("NUMBAST_PREGENERATED")
    if not folder or not os.path.exists(os.path.join(folder, "manifest.json")):
        _unavailable(
            "NUMBAST_PREGENERATED does not name a folder with manifest.json "
            "(make one with: python -m conformance.pregenerate DIR [--backend ...])"
        )
    from conformance.gpu_tier import load_manifest

    backend = load_manifest(folder).get("backend", NUMBA_CUDA)  # the modules' backend
    try:
        cuda = toolkit(backend).cuda
    except ImportError as error:
        _unavailable(f"{backend} is not importable: {error}")
    if not cuda.is_available():
        _unavailable(f"no CUDA GPU available ({backend}: cuda.is_available() is False)")
    return folder


def _save(name: str, payload: dict, folder: str) -> None:
    out = os.environ.get("NUMBAST_GPU_RESULTS")
    if out:
        from conformance.gpu_tier import load_manifest, write_results

        backend = load_manifest(folder).get("backend", NUMBA_CUDA)
        suffix = "" if backend == NUMBA_CUDA else f".{backend}"  # one file per backend
        write_results(out, name + suffix, payload, backend)


@pytest.mark.parametrize("header", NUMERIC_HEADERS)
def test_bit_exact_with_native_cxx(pregenerated, header):
    from conformance.gpu_tier import load_manifest, run_header

    if header not in load_manifest(pregenerated)["headers"]:
        pytest.skip(f"{header} was not pregenerated")
    result = run_header(pregenerated, header)
    _save(header, result, pregenerated)
    failures = result["failures"]
    lines = [
        f"{f['name']} [{f['signature']}]: "
        + (f["error"].splitlines()[0] if f["error"] else f"{f['mismatches'][:2]}")
        for f in failures
    ]
    assert not failures, f"{len(failures)}/{result['functions_checked']} differ:\n" + "\n".join(
        lines[:40]
    )
    oracle = result["oracle"]["mismatches"]
    assert not oracle, f"ml_dtypes disagrees: {oracle[:10]}"


def test_curand_sequences_match_native(pregenerated):
    from conformance.gpu_curand import run_curand, tier_storages
    from conformance.gpu_tier import load_manifest

    manifest = load_manifest(pregenerated)
    if "curand_kernel" not in manifest["headers"]:
        pytest.skip("curand_kernel was not pregenerated")
    result = run_curand(pregenerated, tier_storages(manifest.get("backend", NUMBA_CUDA)))
    _save("curand_kernel", result, pregenerated)
    assert not result["failures"], result["failures"][:10]
