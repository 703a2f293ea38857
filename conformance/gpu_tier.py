"""Running the GPU tier: one header's bound functions vs native CUDA C++ (and ml_dtypes).

Used by ``conformance/tests/test_gpu_tier.py``; needs only numba-cuda, cupy, cuda.core, numpy
and ml_dtypes plus the pregenerated modules and their manifest (no numbast, no libclang).
"""

from __future__ import annotations

import datetime
import hashlib
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
from conformance.gpu_backend import NUMBA_CUDA, toolkit

N = 1 << 14  # inputs per function: all edges, then random draws (a multiple of THREADS)
THREADS = 256
ROOT = Path(__file__).resolve().parents[1]  # the child processes import ``conformance`` here


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


def device_info(backend: str = NUMBA_CUDA) -> dict:
    cuda = toolkit(backend).cuda

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
        # cached by content: a child process that starts after a lost context reuses it
        digest = hashlib.sha256(f"{self.arch}\n{source}".encode()).hexdigest()[:24]
        path = Path(tempfile.gettempdir(), f"numbast_native_{digest}.cubin")
        if not path.exists():
            partial = path.with_suffix(f".{os.getpid()}.part")
            partial.write_bytes(h.compile_cxx(source, self.arch, "cubin"))
            partial.replace(path)
        module = cupy.RawModule(path=str(path))  # CuPy loads a cubin from a path
        for n in names:
            self.modules[n] = module

    def get(self, name):
        if name in self.errors:
            raise RuntimeError(f"native kernel did not compile: {self.errors[name]}")
        return self.modules[name].get_function(name)


def _launch_numba(kernel_fn, signature, n, outs, ins, backend=NUMBA_CUDA):
    kit = toolkit(backend)
    cuda, types = kit.cuda, kit.types
    kernel = cuda.jit(types.void(*signature))(kernel_fn)
    kernel[(n + THREADS - 1) // THREADS, THREADS](np.int32(n), *outs, *ins)
    cuda.synchronize()


def _plan(folder, header):
    """(module, manifest info, [(entry, enum values, native kernel name)], native sources)."""
    manifest = load_manifest(folder)
    info = manifest["headers"][header]
    module = import_module(folder, info["module"])
    native_sources, plan = {}, []
    for k, entry in enumerate(info["callables"]):
        for c, enum_values in enumerate(h.enum_choices(entry)):
            name = f"k{k}_{c}"
            native_sources[name] = h.cxx_kernel_source("", entry, enum_values, name=name)
            plan.append((entry, enum_values, name))
    arch, backend = manifest.get("arch", "sm_90"), manifest.get("backend", NUMBA_CUDA)
    return module, info, plan, native_sources, arch, backend


def _device_inputs(cupy, entry: dict, inputs: list):
    """(Numba's arrays, the native kernel's, indices of memory arrays). Enums are constants;
    the memory behind a pointer parameter gets one copy per side, as both may write it."""
    numba_in, native_in, memories = [], [], []
    for p, per in zip(entry["params"], inputs):
        for array in per:
            numba_in.append(cupy.asarray(array))
            if p["kind"] == "pointer":
                memories.append(len(native_in))
                native_in.append(cupy.asarray(array))
            else:
                native_in.append(numba_in[-1])
    return numba_in, native_in, memories


def _context_lost() -> bool:
    """A sticky error (illegal instruction, misaligned address) poisons the CUDA context."""
    import cupy

    try:
        cupy.cuda.runtime.deviceSynchronize()
        cupy.zeros(1).get()
    except Exception:  # every later CUDA call would fail the same way
        return True
    return False


def run_items(folder, header: str, start: int, n: int, sink) -> int:
    """Compare plan items ``start``.. and write one JSON line per item to ``sink``.

    Returns the exit status for the child process: 0 when all items ran, ``CONTEXT_LOST`` when
    a kernel poisoned the CUDA context (the parent starts a new process after that item).
    """
    import cupy

    module, info, plan, sources, arch, backend = _plan(folder, header)
    native = NativeKernels(info["prelude"], sources, arch)
    for index in range(start, len(plan)):
        entry, enum_values, name = plan[index]
        record = {"index": index, "checked": 0, "mismatches": [], "error": "", "oracle": None}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                inputs = h.make_inputs(entry, n, seed=index)
                numba_in, native_in, memories = _device_inputs(cupy, entry, inputs)
                dtypes = [domains.STORAGE[s["numba"]] for s in h.slots(entry["result"])]
                got = [cupy.zeros(n, dtype=d) for d in dtypes]
                want = [cupy.zeros(n, dtype=d) for d in dtypes]
                kernel_fn = h.numba_kernel(module, entry, enum_values, backend)
                signature = h.numba_signature(entry, backend)
                _launch_numba(kernel_fn, signature, n, got, numba_in, backend)
                native_kernel = native.get(name)
                grid = ((n + THREADS - 1) // THREADS,)
                native_kernel(grid, (THREADS,), (np.int32(n), *want, *native_in))
                cupy.cuda.runtime.deviceSynchronize()
                # results, then the memory behind pointer parameters (one copy per side)
                got_h = [cupy.asnumpy(a) for a in got + [numba_in[k] for k in memories]]
                want_h = [cupy.asnumpy(a) for a in want + [native_in[k] for k in memories]]
            nan_free = (header, entry["label"]) in domains.NAN_PAYLOAD_FREE
            record["checked"] = n
            record["mismatches"] = h.compare(entry, inputs, got_h, want_h, enum_values, nan_free)
            record["oracle"] = _oracle(entry, inputs, got_h)
        except Exception as error:  # record it and go on with the next function
            record["error"] = f"{type(error).__name__}: {error}\n{traceback.format_exc(limit=3)}"
            if _context_lost():
                record["error"] = "this kernel lost the CUDA context: " + record["error"]
                sink.write(json.dumps(record, default=str) + "\n")
                sink.flush()
                return CONTEXT_LOST
        sink.write(json.dumps(record, default=str) + "\n")
        sink.flush()
    return 0


CONTEXT_LOST = 75


def run_header(folder: str | os.PathLike, header: str, n: int = N) -> dict:
    """Every compared callable of ``header``: outcomes, bit-exact count, oracle findings.

    The items run in child processes (``python -m conformance.gpu_tier``): a kernel that loses
    the CUDA context costs only its own result; the next process goes on after it.
    """
    import subprocess

    manifest = load_manifest(folder)
    entries = manifest["headers"][header]["callables"]
    plan = [(e, c) for e in entries for c in h.enum_choices(e)]
    records: dict[int, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        lines = Path(tmp, "items.jsonl")
        start = 0
        while start < len(plan):
            lines.write_text("")
            command = [sys.executable, "-m", "conformance.gpu_tier", str(folder), header]
            command += ["--start", str(start), "-n", str(n), "--out", str(lines)]
            child = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
            done = [json.loads(line) for line in lines.read_text().splitlines() if line]
            records.update((r["index"], r) for r in done)
            if child.returncode in (0, CONTEXT_LOST) and done:
                start = max(records) + 1
                continue
            # it died: blame the item it was on; if it ran none, it cannot run any (stop)
            error = f"the process exited with status {child.returncode}: {child.stderr[-1500:]}"
            for index in range(start, start + 1 if done else len(plan)):
                records[index] = {"index": index, "checked": 0, "mismatches": [], "oracle": None,
                                  "error": error}  # fmt: skip
            start = max(records) + 1
    return summarize(header, plan, records, len(manifest["headers"][header]["not_compared"]))


def summarize(header: str, plan, records: dict[int, dict], not_compared: int) -> dict:
    outcomes: dict[str, h.Outcome] = {}
    oracle = {"checked": 0, "mismatches": []}
    for index, (entry, _) in enumerate(plan):
        key = f"{entry['label']} :: {entry['cxx_signature']}"
        outcome = outcomes.setdefault(
            key, h.Outcome(entry["label"], header, entry["cxx_signature"])
        )
        record = records.get(index)
        if record is None:
            outcome.error = outcome.error or "not run"
            continue
        outcome.checked += record["checked"]
        outcome.mismatches += record["mismatches"]
        outcome.error = outcome.error or record["error"]
        if record["oracle"]:
            oracle["checked"] += record["oracle"]["checked"]
            oracle["mismatches"] += record["oracle"]["mismatches"]
    results = list(outcomes.values())
    return {
        "header": header,
        "functions_checked": len(results),
        "bit_exact": sum(o.exact for o in results),
        "inputs_compared": sum(o.checked for o in results),
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
        "not_compared": not_compared,
        "oracle": oracle,
    }


def _oracle(entry, inputs, got) -> dict | None:
    """ml_dtypes/numpy as a second oracle for the conversions of fp8/fp6/fp4/fp16/bf16."""
    kind = h.oracle_kind(entry)
    expected = h.oracle_expected(entry, inputs[0][0]) if kind else None
    if expected is None:
        return None
    valid, values = expected
    actual = got[0]
    same = actual.view(h.UINT_VIEW[actual.itemsize]) == values.view(h.UINT_VIEW[values.itemsize])
    if actual.dtype.kind == "f":  # decodes: NaN is NaN (payloads are the format's business)
        same |= np.isnan(actual) & np.isnan(values)
    bad = valid & ~same
    mismatches = [
        {
            "name": entry["label"],
            "signature": entry["cxx_signature"],
            "kind": kind[0],
            "input": h._show(inputs[0][0][i]),
            "binding": h._show(actual[i]),
            "ml_dtypes": h._show(values[i]),
        }
        for i in np.flatnonzero(bad)[:5]
    ]
    return {"checked": int(valid.sum()), "mismatches": mismatches}


def write_results(
    folder: str | os.PathLike, name: str, payload: dict, backend: str = NUMBA_CUDA
) -> Path:
    path = Path(folder, f"{name}.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        **device_info(backend),
        "backend": backend,
        **payload,
    }
    path.write_text(json.dumps(payload, indent=1, default=str), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    """Child process of ``run_header``: run plan items from ``--start``, one JSON line each."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m conformance.gpu_tier")
    parser.add_argument("folder")
    parser.add_argument("header")
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("-n", type=int, default=N)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    with open(args.out, "a", encoding="utf-8") as sink:
        return run_items(args.folder, args.header, args.start, args.n, sink)


if __name__ == "__main__":
    sys.exit(main())
