"""The kernel suite without a GPU: generation, every Numba kernel compiled and linked for sm_90,
every C++ reference kernel compiled by NVRTC, the numpy answers, comparison and reporting."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from conformance import gpu_kernels as gk
from conformance import kernel_cases as kc

pytest.importorskip("numbast_core")


# The default tier generates the modules of the cases on light headers (own_api, the pipeline
# and barrier primitives, sm_80's warp reductions: ~4 s); every case, cooperative_groups' and
# the atomics' headers and curand's included (~13 s), is the slow tier's (CI runs both).
LIGHT = tuple(c for c in kc.CASES if c not in (kc.CG, kc.CG_REDUCE, kc.ATOMICS))
slow = pytest.mark.slow


@pytest.fixture(scope="module")
def light(tmp_path_factory):
    out = tmp_path_factory.mktemp("kernels_light")
    gk.generate(out, "sm_90", LIGHT, curand=False)
    return out


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("kernels")
    gk.generate(out, "sm_90")
    return out


def _check_generated(folder, cases):
    manifest = json.loads((folder / "kernels.json").read_text())
    assert set(manifest["cases"]) == {case.name for case in cases}
    assert set(manifest["modules"]) == set(kc.configs(cases))
    for name, info in manifest["cases"].items():
        source = (folder / info["cxx"]).read_text()
        assert f'extern "C" __global__ void {name}(' in source
        assert "__numbast_slot" not in source  # only the modules' includes, once each
    assert (folder / "own" / "own_api.cuh").exists() and (folder / "std" / "cstdint").exists()
    own = (folder / manifest["modules"]["own_api"]).read_text()
    assert 'include_dirs=("own",)' in own and str(folder) not in own  # portable


def test_generation_of_the_light_cases_writes_modules_sources_and_manifest(light):
    _check_generated(light, LIGHT)
    assert not (light / "manifest.json").exists()  # (no curand asked for)


@slow
def test_generation_writes_modules_sources_and_manifest(folder):
    _check_generated(folder, kc.CASES)
    curand = json.loads((folder / "manifest.json").read_text())
    assert "curand_kernel" in curand["headers"]


def _link(folder, case):
    from conformance.gpu_harness import link_kernel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert link_kernel(gk.numba_kernel(folder, case), gk.numba_signature(case))


@pytest.mark.parametrize("case", LIGHT, ids=lambda c: c.name)
def test_numba_kernel_links_for_sm_90(light, case):
    _link(light, case)


@pytest.mark.parametrize("case", LIGHT, ids=lambda c: c.name)
def test_cxx_kernel_compiles_for_sm_90(light, case):
    assert gk.compile_cxx(light, case, "sm_90")


@slow
@pytest.mark.parametrize("case", [c for c in kc.CASES if c not in LIGHT], ids=lambda c: c.name)
def test_numba_kernel_of_a_heavy_header_links_for_sm_90(folder, case):
    _link(folder, case)


@slow
@pytest.mark.parametrize("case", [c for c in kc.CASES if c not in LIGHT], ids=lambda c: c.name)
def test_cxx_kernel_of_a_heavy_header_compiles_for_sm_90(folder, case):
    assert gk.compile_cxx(folder, case, "sm_90")


@pytest.mark.parametrize("case", [c for c in kc.CASES if c.expected], ids=lambda c: c.name)
def test_numpy_answers_cover_outputs_with_their_dtypes(case):
    given = kc.inputs(case)
    expected = case.expected(given)
    outputs = {b.name: b for b in case.buffers if b.output}
    assert expected and set(expected) <= set(outputs)
    for name, values in expected.items():
        assert values.dtype == np.dtype(outputs[name].dtype) and len(values) == outputs[name].size
    assert kc.inputs(case)[case.buffers[0].name].tobytes() == given[case.buffers[0].name].tobytes()


def test_atomic_answers_wrap_as_cxx_does():
    given = kc.inputs(kc.ATOMICS)
    expected = kc.ATOMICS.expected(given)
    total = int(given["vals"].astype(np.int64).sum())
    assert int(expected["acc_ull"][-1]) == total % (1 << 64)
    assert int(expected["acc_u"][-1]) == total % (1 << 32)
    assert float(expected["acc_f"][-1]) == total and float(expected["acc_d"][-1]) == total


@slow
@pytest.mark.parametrize("storage", ["local", "array"])
def test_curand_states_in_local_structs_and_array_elements_link(folder, storage):
    """No pointer intrinsic: the bindings write the state back to the local or the element."""
    from conformance import gpu_curand as c
    from conformance.gpu_harness import link_kernel
    from conformance.gpu_tier import import_module, load_manifest

    module = import_module(folder, load_manifest(folder)["headers"]["curand_kernel"]["module"])
    source = c.numba_source("curand_log_normal", storage)
    assert "_ptr" not in source
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for generator in c.GENERATORS:
            kernel = c.numba_kernel(module, generator, "curand_log_normal", storage)
            assert link_kernel(kernel, c.numba_signature("curand_log_normal"))


def test_compare_is_bitwise():
    a = np.array([0.0, 1.0, np.nan], dtype=np.float32)
    assert gk.compare(a, a.copy()) is None
    b = a.copy()
    b[0] = -0.0
    assert gk.compare(a, b) == {"differing": 1, "index": 0, "got": "0.0", "want": "-0.0"}


def test_markdown_names_every_outcome():
    summary = {
        "gpu": "H200",
        "driver": "580",
        "passed": 1,
        "total": 3,
        "cases": [
            {"case": "a", "what": "x", "outputs": {"o": 4}, "problems": [], "numpy_checked": ["o"]},
            {
                "case": "b",
                "what": "y",
                "outputs": {"o": 4},
                "problems": [
                    {
                        "buffer": "o",
                        "versus": "C++",
                        "differing": 2,
                        "index": 1,
                        "got": "1",
                        "want": "2",
                    }
                ],
            },
            {"case": "c", "what": "z", "error": "no result within 180 s (a kernel hung?)"},
        ],
        "curand": {
            "bit_exact": 62,
            "functions_checked": 63,
            "storages": ["pointer"],
            "failures": [{"name": "curand(X*)", "error": "boom"}],
        },
    }
    text = gk.markdown(summary)
    assert "| a | x | 4 | bit-exact = C++, = numpy |" in text
    assert "DIFFERS (1): o vs C++: 2 elements, [1] 1 != 2" in text
    assert "ERROR: no result within 180 s" in text
    assert "curand: 62/63" in text and "- curand(X*): boom" in text
    assert "1/3 cases bit-exact." in text


def test_a_child_that_cannot_run_is_reported_not_raised(tmp_path):
    result = gk._child(["case", str(tmp_path), "no_such_case"], tmp_path / "r.json")
    assert "exit status 2" in result["error"] and "invalid choice" in result["error"]


def test_curand_results_of_the_storage_children_merge():
    local = {"storages": ["local"], "functions_checked": 21, "bit_exact": 20,
             "failures": [{"name": "curand(X*) [local]"}]}  # fmt: skip
    array = {"storages": ["array"], "functions_checked": 21, "bit_exact": 21, "failures": []}
    merged = gk.merge_curand([local, array])
    assert merged["storages"] == ["local", "array"] and merged["functions_checked"] == 42
    assert merged["bit_exact"] == 41 and len(merged["failures"]) == 1 and "error" not in merged
    broken = gk.merge_curand([local, {"error": "no result within 180 s"}])
    assert broken["error"] == "no result within 180 s" and broken["storages"] == ["local"]
