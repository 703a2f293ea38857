"""Running the GPU tier: one header's bound functions vs native CUDA C++ (and ml_dtypes).

Used by ``conformance/tests/test_gpu_tier.py``; needs only numba-cuda, cupy, cuda.core, numpy
and ml_dtypes plus the pregenerated modules and their manifest (no numbast, no libclang).
"""

from __future__ import annotations

import datetime
import importlib.util
import json
import os
import sys
import tempfile
import traceback
import warnings
from pathlib import Path

import numpy as np

from conformance import domains
from conformance import gpu_harness as h

N = 1 << 14  # inputs per function: all edges, then random draws
THREADS = 256


def load_manifest(folder: str | os.PathLike) -> dict:
    return json.loads(Path(folder, "manifest.json").read_text(encoding="utf-8"))


def import_module(folder: str | os.PathLike, filename: str):
    name = f"_conformance_{Path(filename).stem}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, Path(folder, filename))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def device_info() -> dict:
    from numba import cuda

    info = {"gpu": "unknown", "driver": "unknown", "cc": "unknown"}
    try:
        device = cuda.get_current_device()
        name = device.name
        info["gpu"] = name.decode() if isinstance(name, bytes) else str(name)
        info["cc"] = ".".join(map(str, device.compute_capability))
        version = cuda.cudadrv.driver.driver.get_version()
        info["driver_cuda_version"] = ".".join(map(str, version))
    except Exception as error:  # information only
        info["error"] = str(error)
    try:
        import subprocess

        out = subprocess.run(
            ["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=20,
        )
        info["driver"] = out.stdout.strip().splitlines()[0]
    except Exception:  # no nvidia-smi: keep the CUDA version
        pass
    return info


class NativeKernels:
    """All native kernels of one header compiled in one NVRTC program (per entry on failure)."""

    def __init__(self, prelude: str, sources: dict[str, str], arch: str):
        import cupy

        self.prelude, self.sources, self.arch, self.modules = prelude, sources, arch, {}
        self.errors: dict[str, str] = {}
        try:
            self._load(list(sources))
        except Exception:  # one kernel that fails must not stop the others
            for name in sources:
                try:
                    self._load([name])
                except Exception as error:
                    self.errors[name] = f"{type(error).__name__}: {error}"
        self._cupy = cupy

    def _load(self, names):
        import cupy

        source = self.prelude + "\n" + "\n".join(self.sources[n] for n in names)
        cubin = h.compile_cxx(source, self.arch, "cubin")
        with tempfile.NamedTemporaryFile(suffix=".cubin", delete=False) as f:
            f.write(cubin)
        module = cupy.RawModule(path=f.name)  # CuPy loads a cubin from a path
        for n in names:
            self.modules[n] = module

    def get(self, name):
        if name in self.errors:
            raise RuntimeError(f"native kernel did not compile: {self.errors[name]}")
        return self.modules[name].get_function(name)


def _launch_numba(kernel_fn, signature, n, outs, ins):
    from numba import cuda
    from numba.cuda import types

    kernel = cuda.jit(types.void(*signature))(kernel_fn)
    kernel[(n + THREADS - 1) // THREADS, THREADS](np.int32(n), *outs, *ins)
    cuda.synchronize()


def run_header(folder: str | os.PathLike, header: str, n: int = N) -> dict:
    """Every compared callable of ``header``: outcomes, bit-exact count, oracle findings."""
    import cupy

    manifest = load_manifest(folder)
    info = manifest["headers"][header]
    module = import_module(folder, info["module"])
    entries = info["callables"]
    native_sources, plan = {}, []
    for k, entry in enumerate(entries):
        for c, enum_values in enumerate(h.enum_choices(entry)):
            name = f"k{k}_{c}"
            native_sources[name] = h.cxx_kernel_source("", entry, enum_values, name=name)
            plan.append((entry, enum_values, name))
    native = NativeKernels(info["prelude"], native_sources, manifest.get("arch", "sm_90"))
    outcomes: dict[str, h.Outcome] = {}
    oracle = {"checked": 0, "mismatches": []}
    for entry, enum_values, name in plan:
        key = f"{entry['label']} :: {entry['cxx_signature']}"
        outcome = outcomes.setdefault(
            key, h.Outcome(entry["label"], header, entry["cxx_signature"])
        )
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                inputs = h.make_inputs(entry, n, seed=len(outcomes))
                flat_in = [cupy.asarray(a) for per in inputs for a in per]
                res_slots = h.slots(entry["result"])
                dtypes = [domains.STORAGE[s["numba"]] for s in res_slots]
                got = [cupy.zeros(n, dtype=d) for d in dtypes]
                want = [cupy.zeros(n, dtype=d) for d in dtypes]
                kernel_fn = h.numba_kernel(module, entry, enum_values)
                _launch_numba(kernel_fn, h.numba_signature(entry), n, got, flat_in)
                native_kernel = native.get(name)
                grid = ((n + THREADS - 1) // THREADS,)
                native_kernel(grid, (THREADS,), (np.int32(n), *want, *flat_in))
                cupy.cuda.runtime.deviceSynchronize()
                got_h = [cupy.asnumpy(g) for g in got]
                want_h = [cupy.asnumpy(w) for w in want]
            nan_free = (header, entry["label"]) in domains.NAN_PAYLOAD_FREE
            outcome.checked += n
            outcome.mismatches += h.compare(entry, inputs, got_h, want_h, enum_values, nan_free)
            _oracle(entry, inputs, got_h, oracle)
        except Exception as error:  # collect and go on with the next function
            outcome.error = f"{type(error).__name__}: {error}\n{traceback.format_exc(limit=3)}"
    results = [o for o in outcomes.values()]
    return {
        "header": header,
        "functions_checked": len(results),
        "bit_exact": sum(o.exact for o in results),
        "failures": [
            {
                "name": o.label,
                "signature": o.cxx_signature,
                "error": o.error[:2000],
                "mismatches": o.mismatches[:5],
            }
            for o in results
            if not o.exact
        ],
        "not_compared": len(info["not_compared"]),
        "oracle": oracle,
    }


def _oracle(entry, inputs, got, oracle) -> None:
    """ml_dtypes/numpy as a second oracle for the conversions of fp8/fp6/fp4/fp16/bf16."""
    kind = h.oracle_kind(entry)
    expected = h.oracle_expected(entry, inputs[0][0]) if kind else None
    if expected is None:
        return
    valid, values = expected
    actual = got[0]
    same = actual.view(h.UINT_VIEW[actual.itemsize]) == values.view(h.UINT_VIEW[values.itemsize])
    if actual.dtype.kind == "f":  # decodes: NaN is NaN (payloads are the format's business)
        same |= np.isnan(actual) & np.isnan(values)
    bad = valid & ~same
    oracle["checked"] += int(valid.sum())
    for i in np.flatnonzero(bad)[:5]:
        oracle["mismatches"].append(
            {
                "name": entry["label"],
                "signature": entry["cxx_signature"],
                "kind": kind[0],
                "input": h._show(inputs[0][0][i]),
                "binding": h._show(actual[i]),
                "ml_dtypes": h._show(values[i]),
            }
        )


def write_results(folder: str | os.PathLike, name: str, payload: dict) -> Path:
    path = Path(folder, f"{name}.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        **device_info(),
        **payload,
    }
    path.write_text(json.dumps(payload, indent=1, default=str), encoding="utf-8")
    return path
