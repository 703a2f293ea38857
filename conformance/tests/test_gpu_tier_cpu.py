"""Everything of the GPU tier that runs without a GPU, so the GPU run works the first time.

Manifest building, input generation, the Numba kernels (compiled and linked for sm_90), the
native C++ kernels (compiled by NVRTC), the ml_dtypes oracle, comparison and the RESULTS.md
writer.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from conformance import domains
from conformance import gpu_harness as h

pytest.importorskip("numbast_core")

HEADERS = ("cuda_fp8", "cuda_fp4", "cuda_fp16", "curand_kernel")


@pytest.fixture(scope="module")
def pregenerated(tmp_path_factory):
    from conformance.pregenerate import pregenerate

    folder = tmp_path_factory.mktemp("pregenerated")
    pregenerate(folder, "sm_90", list(HEADERS))
    return folder


@pytest.fixture(scope="module")
def manifest(pregenerated):
    from conformance.gpu_tier import load_manifest

    return load_manifest(pregenerated)


def _module(pregenerated, manifest, header):
    from conformance.gpu_tier import import_module

    return import_module(pregenerated, manifest["headers"][header]["module"])


def test_manifest_describes_the_numeric_api(manifest):
    json.dumps(manifest)  # plain JSON
    fp8 = manifest["headers"]["cuda_fp8"]
    labels = {e["label"] for e in fp8["callables"]}
    assert "cvt_float_to_fp8" in labels and "fp8_e4m3" in labels
    assert len(fp8["callables"]) >= 80
    assert len(manifest["headers"]["cuda_fp16"]["callables"]) >= 200
    for e in fp8["callables"]:
        assert e["params"] and e["result"] and "static_cast<void*>(r)" in e["body"]
        for p in [*e["params"], e["result"]]:
            assert p["kind"] in ("numeric", "struct", "vector", "pointer", "enum", "void")
    for e in fp8["not_compared"]:
        assert e["reason"]


@pytest.mark.parametrize("numba", sorted(domains.STORAGE))
def test_inputs_cover_edges(numba):
    values = domains.draw(numba, 4096, np.random.default_rng(0))
    assert values.dtype == domains.STORAGE[numba] and len(values) >= 4096
    edges = domains.edges(numba)
    assert np.isin(edges.view(h.UINT_VIEW[edges.itemsize]),
                   values.view(h.UINT_VIEW[values.itemsize])).all()  # fmt: skip
    if numba in ("float32", "float64"):
        assert np.isnan(values).any() and np.isinf(values).any() and (values == 0).any()
        assert (np.signbit(values) & (values == 0)).any()  # -0.0


def test_uint8_storage_is_exhaustive(manifest):
    entry = next(e for e in manifest["headers"]["cuda_fp8"]["callables"]
                 if e["label"] == "types.float32(fp8_e4m3)")  # fmt: skip
    storage = h.make_inputs(entry, 4096)[0][0]
    assert set(range(256)) <= set(storage.tolist())


def _one_per_shape(entries: list[dict]) -> list[dict]:
    """The first entry of each harness shape: call form, the kind and Numba type of every
    parameter and of the result, and the number of enum combinations. The kernels the harness
    writes differ only in these; every binding itself compiles and links in test_cpu_tier."""
    shapes: dict[str, dict] = {}
    for e in entries:
        parts = [*e["params"], e["result"]]
        shape = json.dumps([e["form"], [(p["kind"], p.get("numba")) for p in parts],
                            len(h.enum_choices(e))])  # fmt: skip
        shapes.setdefault(shape, e)
    return list(shapes.values())


@pytest.mark.parametrize(
    ("header", "every"),
    [
        ("cuda_fp8", False),
        pytest.param("cuda_fp4", False, marks=pytest.mark.slow),  # fp8's shapes, other widths
        ("cuda_fp16", False),
        pytest.param("cuda_fp8", True, marks=pytest.mark.slow),
        pytest.param("cuda_fp4", True, marks=pytest.mark.slow),
    ],
    ids=["cuda_fp8", "cuda_fp4", "cuda_fp16", "cuda_fp8-every", "cuda_fp4-every"],
)
def test_kernels_compile_and_link_for_sm90(pregenerated, manifest, header, every):
    info = manifest["headers"][header]
    module = _module(pregenerated, manifest, header)
    entries = info["callables"]
    if header == "cuda_fp16":  # a sample: every kind of parameter, incl. two-field __half2
        entries = entries[:: max(1, len(entries) // 25)]
    elif not every:  # one kernel per harness shape (42 of 148 for fp8); -m slow runs them all
        entries = _one_per_shape(entries)
    kernels, failures = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for k, e in enumerate(entries):
            combos = h.enum_choices(e)
            try:
                assert h.link_numba_kernel(module, e, combos[-1])
            except Exception as error:
                failures.append(f"{e['label']} {e['cxx_signature']}: {error}")
            kernels += [
                h.cxx_kernel_source("", e, c, name=f"k{k}_{j}") for j, c in enumerate(combos)
            ]
            h.make_inputs(e, 64)
    assert not failures, "\n".join(failures[:20])
    assert h.compile_cxx(info["prelude"] + "\n" + "\n".join(kernels), "sm_90")


@pytest.mark.slow
def test_toolkit_numeric_headers_kernels_compile_and_link(tmp_path):
    """The toolkit headers the GPU tier also compares: one kernel per harness shape links, and
    the C++ reference kernels of every callable compile."""
    from conformance.gpu_tier import import_module, load_manifest
    from conformance.pregenerate import TOOLKIT_NUMERIC, pregenerate

    pregenerate(tmp_path, "sm_90", list(TOOLKIT_NUMERIC))
    manifest = load_manifest(tmp_path)
    for header in TOOLKIT_NUMERIC:
        info = manifest["headers"][header]
        assert info["callables"], header
        module = import_module(tmp_path, info["module"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for e in _one_per_shape(info["callables"]):
                assert h.link_numba_kernel(module, e, h.enum_choices(e)[-1]), e["label"]
        kernels = [
            h.cxx_kernel_source("", e, c, name=f"k{k}_{j}")
            for k, e in enumerate(info["callables"])
            for j, c in enumerate(h.enum_choices(e))
        ]
        assert h.compile_cxx(info["prelude"] + "\n" + "\n".join(kernels), "sm_90"), header


def test_native_kernel_calls_the_function_directly(manifest):
    entry = next(e for e in manifest["headers"]["cuda_fp8"]["callables"]
                 if e["label"] == "cvt_float_to_fp8")  # fmt: skip
    src = h.cxx_kernel_source("#include <cuda_fp8.h>", entry, (0, 0))
    assert "__nv_cvt_float_to_fp8(v0, v1, v2)" in src
    assert "static_cast" in src and "__numbast" not in src


@pytest.mark.parametrize(
    "generators",
    [("curandStatePhilox4_32_10",), pytest.param(None, marks=pytest.mark.slow)],
    ids=["philox", "every-generator"],
)
def test_curand_kernels_compile_and_link(pregenerated, manifest, generators):
    """Philox by default (the kernel source is the same for every generator, only the state
    type differs); -m slow links all three."""
    from conformance import gpu_curand as c

    generators = generators or c.GENERATORS
    assert set(generators) <= set(c.GENERATORS)
    module = _module(pregenerated, manifest, "curand_kernel")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for g in generators:
            h.link_kernel(c.numba_kernel(module, g, "curand"), c.numba_signature("curand"))
    prelude = manifest["headers"]["curand_kernel"]["prelude"]
    sources = [c.cxx_source(g, d, f"n{i}_{j}") for i, g in enumerate(generators)
               for j, d in enumerate(["curand", "curand_normal"])]  # fmt: skip
    assert h.compile_cxx(prelude + "\n".join(sources), "sm_90")


def test_ml_dtypes_oracle_decodes():
    entry = {"params": [{"kind": "struct", "cxx": "__nv_fp8_e4m3", "fields": [{}]}],
             "form": "call", "label": "x",
             "result": {"kind": "numeric", "numba": "float32"}}  # fmt: skip
    assert h.oracle_kind(entry) == ("decode", "float8_e4m3fn")
    valid, values = h.oracle_expected(entry, np.array([0x38, 0x7E, 0x80, 0x7F], np.uint8))
    assert valid.all()
    assert values[0] == 1.0 and values[1] == 448.0 and np.signbit(values[2]) and np.isnan(values[3])
    fp4 = {**entry, "params": [{"kind": "struct", "cxx": "__nv_fp4_e2m1", "fields": [{}]}]}
    valid, values = h.oracle_expected(fp4, np.array([0x7, 0x17], np.uint8))
    assert values[0] == 6.0 and valid.tolist() == [True, False]
    half = {**entry, "params": [{"kind": "numeric", "numba": "float16"}]}
    valid, values = h.oracle_expected(half, np.array([0x3C00, 0x8001], np.uint16))
    assert values[0] == 1.0 and values[1] == -(2.0**-24)


def test_ml_dtypes_oracle_encodes(manifest):
    fp16 = manifest["headers"]["cuda_fp16"]["callables"]
    rn = next(e for e in fp16 if e["label"] == "__float2half_rn")
    assert h.oracle_kind(rn) == ("encode", "float16")
    x = np.array([1.0, 65504.0, 70000.0, np.nan, 2.0**-25, 1.0 + 2.0**-11], np.float32)
    valid, bits = h.oracle_expected(rn, x)
    assert valid.tolist() == [True, True, False, False, True, True]
    assert bits[0] == 0x3C00 and bits[4] == 0 and bits[5] == 0x3C00  # ties to even
    fp8 = manifest["headers"]["cuda_fp8"]["callables"]
    ctor = next(
        e for e in fp8 if e["label"] == "fp8_e4m3" and e["params"][0].get("numba") == "float32"
    )
    assert h.oracle_kind(ctor) == ("encode", "float8_e4m3fn")
    valid, bits = h.oracle_expected(ctor, np.array([1.0, -448.0, 500.0], np.float32))
    assert bits[:2].tolist() == [0x38, 0xFE] and valid.tolist() == [True, True, False]


def test_compare_is_bitwise():
    entry = {"result": {"kind": "numeric", "numba": "float32"}}
    a = np.array([0.0, np.nan, 1.0], np.float32)
    b = np.array([-0.0, np.nan, 1.0], np.float32)
    found = h.compare(entry, [[a]], [a], [b])
    assert len(found) == 1 and "0x80000000" in found[0]["cxx"][0]
    other_nan = np.array([0, 0x7FC00001, 0x3F800000], np.uint32).view(np.float32)  # payload 1
    assert len(h.compare(entry, [[a]], [a], [other_nan])) == 1
    assert not h.compare(entry, [[a]], [a], [other_nan], nan_payload_free=True)


def test_write_gpu_results(tmp_path):
    from conformance import cpu, write_gpu_results

    result = {"date": "2026-11-26", "gpu": "H100", "driver": "580", "header": "cuda_fp8",
              "functions_checked": 2, "bit_exact": 1, "not_compared": 3,
              "failures": [{"name": "f", "signature": "float f(float)", "error": "",
                            "mismatches": [{"input": [["1.0"]], "enums": [], "numba": ["1"],
                                            "cxx": ["2"]}]}],
              "oracle": {"checked": 256, "mismatches": []}}  # fmt: skip
    (tmp_path / "cuda_fp8.json").write_text(json.dumps(result))
    mlir = {**result, "backend": "numba-cuda-mlir", "bit_exact": 2, "failures": []}
    (tmp_path / "cuda_fp8.numba-cuda-mlir.json").write_text(json.dumps(mlir))
    results = tmp_path / "RESULTS.md"
    results.write_text(cpu.update_cpu_section(cpu.SKELETON, "sm_90", "cpu table"))
    write_gpu_results.main([str(tmp_path), "--results", str(results)])
    text = results.read_text()
    assert "cpu table" in text and "| cuda_fp8 | numba-cuda | 2 | 1 | 1 | — | 3 |" in text
    assert "| cuda_fp8 | numba-cuda-mlir | 2 | 2 | 0 | — | 3 |" in text and "`f`" in text


def test_native_kernel_stores_whole_slots(manifest):
    entry = next(e for e in manifest["headers"]["cuda_fp16"]["callables"]
                 if e["label"] == "__float2half_rn")  # fmt: skip
    src = h.cxx_kernel_source("", entry)
    assert "memcpy" not in src
    assert "out_0[i] = *reinterpret_cast<unsigned short*>(" in src


def test_shuffles_get_a_full_mask_and_valid_widths(manifest):
    entry = next(e for e in manifest["headers"]["cuda_fp16"]["callables"]
                 if e["label"] == "__shfl_xor_sync")  # fmt: skip
    inputs = h.make_inputs(entry, 4096)
    assert set(inputs[0][0].tolist()) == {0xFFFFFFFF}
    widths = inputs[3][0].reshape(-1, 32)  # one width per warp
    assert (widths == widths[:, :1]).all() and set(widths[:, 0].tolist()) == {1, 2, 4, 8, 16, 32}


def test_run_header_goes_on_after_a_lost_context(monkeypatch, tmp_path):
    """A child that loses the CUDA context at item 2 is followed by one starting at item 3."""
    import subprocess

    from conformance import gpu_tier

    entries = [{"label": f"f{k}", "cxx_signature": f"float f{k}(float)", "params": [],
                "result": {"kind": "numeric", "numba": "float32"}} for k in range(5)]  # fmt: skip
    manifest = {"headers": {"hdr": {"callables": entries, "not_compared": [1]}}}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    starts = []

    def child(command, **kwargs):
        start, out = int(command[command.index("--start") + 1]), command[-1]
        starts.append(start)
        lost = 2 if start <= 2 else None
        with open(out, "a") as sink:
            for index in range(start, 5):
                error = "this kernel lost the CUDA context" if index == lost else ""
                sink.write(json.dumps({"index": index, "checked": 8, "mismatches": [],
                                       "error": error, "oracle": None}) + "\n")  # fmt: skip
                if index == lost:
                    return subprocess.CompletedProcess(command, gpu_tier.CONTEXT_LOST, "", "")
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(subprocess, "run", child)
    result = gpu_tier.run_header(tmp_path, "hdr")
    assert starts == [0, 3]
    assert result["functions_checked"] == 5 and result["bit_exact"] == 4
    assert [f["name"] for f in result["failures"]] == ["f2"]
    assert result["not_compared"] == 1


def test_run_header_stops_when_a_child_cannot_start(monkeypatch, tmp_path):
    import subprocess

    from conformance import gpu_tier

    entries = [{"label": f"f{k}", "cxx_signature": f"float f{k}(float)", "params": [],
                "result": {"kind": "numeric", "numba": "float32"}} for k in range(3)]  # fmt: skip
    (tmp_path / "manifest.json").write_text(
        json.dumps({"headers": {"hdr": {"callables": entries, "not_compared": []}}})
    )
    calls = []

    def child(command, **kwargs):
        calls.append(command)
        return subprocess.CompletedProcess(command, 1, "", "ImportError: numba")

    monkeypatch.setattr(subprocess, "run", child)
    result = gpu_tier.run_header(tmp_path, "hdr")
    assert len(calls) == 1 and result["bit_exact"] == 0
    assert all("ImportError: numba" in f["error"] for f in result["failures"])


@pytest.mark.parametrize(
    ("header", "label", "modes"),
    [("cuda_fp4", "__nv_cvt_float_to_fp4", {0, 1}), ("cuda_fp8", "cvt_float_to_e8m0", {1, 2})],
)
def test_rounding_modes_stay_in_what_the_header_asserts(manifest, header, label, modes):
    entry = next(e for e in manifest["headers"][header]["callables"] if e["label"] == label)
    index = next(i for i, p in enumerate(entry["params"]) if p["cxx"] == "cudaRoundMode")
    assert set(h.make_inputs(entry, 512)[index][0].tolist()) == modes


@pytest.mark.parametrize("label", ["jn", "yn"])
def test_bessel_orders_stay_small(label):
    """jn/yn loop n times per call: orders over the whole int range never finished on the GPU;
    they come from -4..127 (the other argument keeps its full domain)."""
    params = [{"kind": "numeric", "numba": "int32", "cxx": "int"},
              {"kind": "numeric", "numba": "float32", "cxx": "float"}]  # fmt: skip
    entry = {"header": "crt_math_functions", "label": label, "params": params}
    orders, xs = (slot[0] for slot in h.make_inputs(entry, 4096))
    assert set(orders.tolist()) == set(range(-4, 128))
    assert np.isnan(xs).any() and np.abs(xs[np.isfinite(xs)]).max() > 1e30


def test_cuda_vector_types_are_compared_component_by_component(pregenerated, manifest):
    entries = manifest["headers"]["cuda_fp8"]["callables"]
    to_fp8 = next(e for e in entries if e["label"] == "cvt_float2_to_fp8x2")
    assert to_fp8["params"][0]["kind"] == "vector"
    assert [s["field"] for s in h.slots(to_fp8["params"][0])] == ["x", "y"]
    source, _ = h.numba_kernel_source(to_fp8, (0, 0))
    assert "_cuda.float32x2(in0_0[i], in0_1[i])" in source
    to_float2 = next(e for e in entries if e["label"] == "float32x2()")  # operator float2
    assert to_float2["result"]["kind"] == "vector" and to_float2["callee"].startswith("_vector")
    module = _module(pregenerated, manifest, "cuda_fp8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert h.link_numba_kernel(module, to_float2)
        assert h.link_numba_kernel(module, to_fp8, (0, 0))
    native = h.cxx_kernel_source("", to_fp8, (0, 0))
    assert "*reinterpret_cast<float*>(reinterpret_cast<char*>(&v0) + 4) = in0_1[i];" in native


def test_pointer_parameters_compare_the_memory_they_point_to(pregenerated, manifest):
    """atomicAdd(__half2*, __half2) and __stcg (void): one pointee per thread in a byte array,
    a copy per side, compared after the call with the results."""
    entries = manifest["headers"]["cuda_fp16"]["callables"]
    atomic = next(e for e in entries if e["label"] == "atomicAdd"
                  and e["params"][0]["pointee"]["kind"] == "struct")  # fmt: skip
    store = next(e for e in entries if e["label"] == "__stcg")
    assert store["result"] == {"kind": "void"}
    memory = h.make_inputs(atomic, 64)[0][0]
    assert memory.dtype == np.uint8 and memory.size == 64 * 4
    module = _module(pregenerated, manifest, "cuda_fp16")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert h.link_numba_kernel(module, atomic)
        assert h.link_numba_kernel(module, store)
    native = h.cxx_kernel_source("", atomic)
    assert "__half2 * v0 = reinterpret_cast<__half2 *>(in0_0 + (size_t)i * 4);" in native
    inputs = h.make_inputs(store, 8)
    got, want = [inputs[0][0].copy()], [inputs[0][0].copy()]
    want[0][4 * 5 + 2] ^= 0x80  # element 5's second half differs
    found = h.compare(store, inputs, got, want)
    assert len(found) == 1 and found[0]["numba"] != found[0]["cxx"]
