"""GPU benchmark of the numba-cuda-mlir backend: kernels calling a numbast binding vs the same
kernel calling a hand-written numba-cuda-mlir ``declare_device`` + ``CUSource`` wrapper (the
floor a binding must reach: ratio <= 1.00, no CALL left in the SASS), and the CUDA C++ kernel.

    python -m bench.pregenerate DIR --backend numba-cuda-mlir   (on the CPU machine)
    NUMBAST_PREGENERATED=DIR python -m bench.mlir_gpu [--reps N] [--n N] [--dry-run]

Imports only numba-cuda-mlir, numpy, cupy (events and the native kernels) and the modules in
``$NUMBAST_PREGENERATED``. ``--dry-run`` compiles and links every Numba kernel for sm_90 on the
CPU (no GPU, no cupy; numbast's no-GPU workaround for numba-cuda-mlir) and checks each cubin's
SASS for CALL where ``nvdisasm`` is found.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

N = 1 << 28
THREADS = 256
REPS = 50
CC = (9, 0)


def _modules():
    folder = os.environ.get("NUMBAST_PREGENERATED")
    if not folder:
        raise SystemExit("set NUMBAST_PREGENERATED to the folder of pregenerated mlir modules")
    sys.path.insert(0, str(Path(folder).resolve()))
    return {m: importlib.import_module(m) for m in ("cuda_fp8", "cuda_fp16")}


def _hand(name, sig, body, headers):
    """A hand-written wrapper: declare_device (numba ABI) + CUSource."""
    from numba_cuda_mlir import cuda

    source = headers + f'extern "C" __device__ int {name}{body}\n'
    return cuda.declare_device(name, sig, link=[cuda.CUSource(source)])


def cases():
    """[(name, bytes per element, input dtypes, output dtype, {variant: kernel}, C++ body)]."""
    from numba_cuda_mlir import cuda, types

    mods = _modules()
    fp8, fp16 = mods["cuda_fp8"], mods["cuda_fp16"]
    cvt = fp8.cvt_float_to_fp8
    sat, interp = fp8.saturation_t.SATFINITE, fp8.fp8_interpretation_t.E4M3
    hand_cvt = _hand(
        "bench_mlir_cvt_fp8",
        types.uint8(types.float32),
        "(unsigned char* r, float x) "
        "{ *r = __nv_cvt_float_to_fp8(x, __NV_SATFINITE, __NV_E4M3); return 0; }",
        "#include <cuda_fp8.h>\n",
    )

    def fp8_numbast(x, o):
        i = cuda.grid(1)
        if i < o.size:
            o[i] = cvt(x[i], sat, interp)

    def fp8_hand(x, o):
        i = cuda.grid(1)
        if i < o.size:
            o[i] = hand_cvt(x[i])

    hadd, hfma = getattr(fp16, "__hadd"), getattr(fp16, "__hfma")
    f16 = types.float16
    headers = "#include <cuda_fp16.h>\n"
    hand_add = _hand(
        "bench_mlir_hadd",
        f16(f16, f16),
        "(__half* r, __half a, __half b) { *r = __hadd(a, b); return 0; }",
        headers,
    )
    fma_body = "(__half* r, __half a, __half b, __half c) { *r = __hfma(a, b, c); return 0; }"
    hand_fma = _hand("bench_mlir_hfma", f16(f16, f16, f16), fma_body, headers)

    def chain(add, fma):
        def k(a, b, o):
            i = cuda.grid(1)
            if i < o.size:
                x, y = a[i], b[i]
                r = add(x, y)
                r = fma(r, y, x)
                r = add(r, x)
                o[i] = fma(r, x, y)

        return k

    chain_body = (
        "__half x = a[i], y = b[i]; __half r = __hadd(x, y); r = __hfma(r, y, x);"
        " r = __hadd(r, x); o[i] = __hfma(r, x, y);"
    )
    return [
        ("fp8: __nv_cvt_float_to_fp8(f32)", 5, ("float32",), "uint8",
         {"numbast": fp8_numbast, "hand": fp8_hand},
         ("#include <cuda_fp8.h>\n", "const float* x, unsigned char* o",
          "o[i] = __nv_cvt_float_to_fp8(x[i], __NV_SATFINITE, __NV_E4M3);")),
        ("fp16: __hadd/__hfma chain (4 ops)", 6, ("float16", "float16"), "float16",
         {"numbast": chain(hadd, hfma), "hand": chain(hand_add, hand_fma)},
         (headers, "const __half* a, const __half* b, __half* o", chain_body)),
    ]  # fmt: skip


def _argtypes(inputs, output):
    from numba_cuda_mlir import types

    return tuple(types.Array(getattr(types, t), 1, "C") for t in (*inputs, output))


def _nvdisasm():
    found = shutil.which("nvdisasm")
    if found:
        return found
    try:
        import nvidia

        for root in nvidia.__path__:
            for path in Path(root).glob("*/bin/nvdisasm"):
                return str(path)
    except ImportError:
        pass
    return None


def sass_calls(cubin: bytes) -> str:
    """'CALL in SASS', 'no CALL in SASS', or why it is unknown."""
    tool = _nvdisasm()
    if tool is None:
        return "unknown (no nvdisasm)"
    with tempfile.NamedTemporaryFile(suffix=".cubin") as f:
        f.write(cubin)
        f.flush()
        sass = subprocess.run([tool, f.name], capture_output=True, text=True, check=True).stdout
    return "CALL in SASS" if re.search(r"\bCALL\b", sass) else "no CALL in SASS"


def cubin_of(kernel, argtypes, cc=CC) -> bytes:
    from numba_cuda_mlir import cuda

    return cuda.compile_cubin(cuda.jit(kernel, lto=True), argtypes, cc=cc)


def dry_run() -> list[tuple[str, str, str]]:
    """Compile and link every Numba kernel for sm_90 on the CPU: (case, variant, SASS)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "packages/numbast_core/src"))
    from numbast_core.check_mlir import without_gpu

    with without_gpu(CC):
        return [
            (name, kind, sass_calls(cubin_of(k, _argtypes(ins, out))))
            for name, _, ins, out, variants, _ in cases()
            for kind, k in variants.items()
        ]


def gpu_run(reps=REPS, n=N) -> list[dict]:
    import cupy as cp
    from numba_cuda_mlir import cuda

    spin = cp.RawKernel(
        'extern "C" __global__ void spin(long long cycles) {'
        " long long t0 = clock64(); while (clock64() - t0 < cycles) { } }",
        "spin",
    )

    def timed(launch):
        for _ in range(3):
            launch()
        cp.cuda.runtime.deviceSynchronize()
        start, stop, times = cp.cuda.Event(), cp.cuda.Event(), []
        for _ in range(reps):  # the spin kernel hides the host's launch overhead
            spin((1,), (1,), (cp.int64(1_000_000),))
            start.record()
            launch()
            stop.record()
            stop.synchronize()
            times.append(cp.cuda.get_elapsed_time(start, stop))
        return statistics.median(times)

    rows, blocks = [], (n + THREADS - 1) // THREADS
    rng = cp.random.default_rng(0)
    for name, _, ins, out, variants, (headers, params, body) in cases():
        arrays = [(rng.random(n, dtype="float32") + 0.5).astype(t) for t in ins]
        arrays.append(cp.empty(n, out))
        device = [cuda.as_cuda_array(a) for a in arrays]
        times = {}
        for kind, k in variants.items():
            kernel = cuda.jit(lto=True)(k)
            times[kind] = timed(lambda kernel=kernel, args=device: kernel[blocks, THREADS](*args))
            sass = sass_calls(cubin_of(k, _argtypes(ins, out)))
            rows.append({"case": name, "kind": kind, "ms": times[kind], "sass": sass})
        source = headers + (
            f'extern "C" __global__ void k({params}, long long n) {{ long long i = '
            f"blockIdx.x * (long long)blockDim.x + threadIdx.x; if (i < n) {{ {body} }} }}"
        )
        native = cp.RawKernel(source, "k", options=("-std=c++17",))
        args = (*arrays, cp.int64(n))
        times["native"] = timed(
            lambda native=native, args=args: native((blocks,), (THREADS,), args)
        )
        rows.append({"case": name, "kind": "native", "ms": times["native"], "sass": ""})
        for row in rows[-len(times) :]:
            row["vs_hand"] = row["ms"] / times["hand"]
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.mlir_gpu")
    parser.add_argument("--reps", type=int, default=REPS)
    parser.add_argument("--n", type=int, default=N)
    parser.add_argument("--dry-run", action="store_true", help="compile on the CPU only")
    args = parser.parse_args(argv)
    if args.dry_run:
        print("| case | variant | SASS |\n|---|---|---|")
        for row in dry_run():
            print("| " + " | ".join(row) + " |")
        return 0
    print("| case | variant | ms (median) | vs hand | SASS |\n|---|---|---:|---:|---|")
    for r in gpu_run(args.reps, args.n):
        print(f"| {r['case']} | {r['kind']} | {r['ms']:.4f} | {r['vs_hand']:.3f} | {r['sass']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
