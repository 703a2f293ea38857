"""GPU tier for curand_kernel: same seed/subsequence/offset -> the same sequence as C++.

For each generator state (XORWOW, Philox4_32_10, MRG32k3a) and distribution, a Numba kernel
calls the bound ``curand_init`` and then the distribution DRAWS times per thread; a native CUDA
C++ kernel does the same; the sequences must be identical bit for bit. The Numba kernel holds
its state three ways (``STORAGES``): in a global byte buffer addressed through the backend's
element-pointer helper (``State*``, as C++ passes it; ``gpu_backend.toolkit``), in a local
struct (``s = State()``; the bindings write the state back, no helper) and in an element of a
local array of states.

numba-cuda-mlir 0.6.0 runs the pointer and the local struct (its runtime's writes section
stores the updated state back into the variable). The array element is left out for it
(``LEFT_OUT``): it types ``cuda.local.array(3, State)`` (the dtype a type reference) but has no
lowering for that form, only for NumPy dtypes and dtype strings ("NotImplemented lowering call
to <function array>"), so no kernel can make an array of bound structs there.
"""

from __future__ import annotations

import traceback

import numpy as np

from conformance import gpu_harness as h
from conformance.gpu_backend import NUMBA_CUDA, NUMBA_CUDA_MLIR, toolkit

GENERATORS = ("curandStateXORWOW", "curandStatePhilox4_32_10", "curandStateMRG32k3a")
# distribution -> (result storage dtype, C++ result type, extra args (Python, C++))
DISTRIBUTIONS = {
    "curand": (np.uint32, "unsigned int", "", ""),
    "curand_uniform": (np.float32, "float", "", ""),
    "curand_normal": (np.float32, "float", "", ""),
    "curand_uniform_double": (np.float64, "double", "", ""),
    "curand_normal_double": (np.float64, "double", "", ""),
    "curand_log_normal": (
        np.float32,
        "float",
        ", np.float32(0.5), np.float32(1.5)",
        ", 0.5f, 1.5f",
    ),
    "curand_poisson": (np.uint32, "unsigned int", ", 4.0", ", 4.0"),
}
DRAWS = 16
N = 512
# where the Numba kernel keeps the state: the lines that make it and how a call names it
STORAGES = {
    "pointer": (("p = _ptr(states, i)",), "p"),
    "local": (("p = _State()",), "p"),
    "array": (("many = _cuda.local.array(3, _state_type)", "many[1] = _State()"), "many[1]"),
}


def numba_source(distribution: str, storage: str = "pointer") -> str:
    extra = DISTRIBUTIONS[distribution][2]
    setup, state = STORAGES[storage]
    return (
        "def kernel(n, states, seeds, subsequences, offsets, out):\n"
        "    i = _cuda.grid(1)\n"
        "    if i < n:\n"
        + "".join(f"        {line}\n" for line in setup)
        + f"        curand_init(seeds[i], subsequences[i], offsets[i], {state})\n"
        f"        for k in range({DRAWS}):\n"
        f"            out[i * {DRAWS} + k] = {distribution}({state}{extra})\n"
    )


def cxx_source(generator: str, distribution: str, name: str) -> str:
    _, result, _, extra = DISTRIBUTIONS[distribution]
    return (
        f'extern "C" __global__ void {name}(int n, const unsigned long long* seeds, '
        "const unsigned long long* subsequences, const unsigned long long* offsets, "
        f"{result}* out) {{\n"
        "    int i = blockIdx.x * blockDim.x + threadIdx.x;\n"
        "    if (i >= n) return;\n"
        f"    {generator} state;\n"
        "    curand_init(seeds[i], subsequences[i], offsets[i], &state);\n"
        f"    for (int k = 0; k < {DRAWS}; ++k) out[i * {DRAWS} + k] = "
        f"{distribution}(&state{extra});\n"
        "}\n"
    )


def inputs(n: int = N, seed: int = 1234):
    rng = np.random.default_rng(seed)
    seeds = rng.integers(0, 1 << 63, n, dtype=np.uint64)
    seeds[:4] = [0, 1, 1234, (1 << 64) - 1]
    subsequences = rng.integers(0, 1 << 12, n, dtype=np.uint64)
    offsets = rng.integers(0, 1 << 16, n, dtype=np.uint64)
    subsequences[:4] = offsets[:4] = 0
    return seeds, subsequences, offsets


# (backend, storage) -> why that backend cannot build it (see the module's docstring)
LEFT_OUT = {
    (NUMBA_CUDA_MLIR, "array"): "numba-cuda-mlir 0.6.0 has no lowering of cuda.local.array "
    "with a struct type as its dtype",
}


def tier_storages(backend: str = NUMBA_CUDA) -> tuple[str, ...]:
    """The storages the GPU tier runs: the pointer for numba-cuda (its kernel suite,
    ``gpu_kernels.py``, runs the local and array ones); every storage it can build for
    numba-cuda-mlir, which has no kernel suite."""
    if backend == NUMBA_CUDA:
        return ("pointer",)
    return tuple(s for s in STORAGES if (backend, s) not in LEFT_OUT)


def numba_kernel(
    module, generator: str, distribution: str, storage: str = "pointer", backend=NUMBA_CUDA
):
    kit = toolkit(backend)
    env = dict(vars(module))
    state_type = getattr(module, f"_type_{generator}")
    env.update(_cuda=kit.cuda, np=np, _State=getattr(module, generator), _state_type=state_type)
    if storage == "pointer":
        env["_ptr"] = kit.element_pointer(state_type)
    source = numba_source(distribution, storage)
    exec(compile(source, f"<curand {distribution} {storage}>", "exec"), env)
    return env["kernel"]


def numba_signature(distribution: str, backend=NUMBA_CUDA):
    types = toolkit(backend).types
    out = getattr(types, np.dtype(DISTRIBUTIONS[distribution][0]).name)
    u64 = types.Array(types.uint64, 1, "C")
    return (types.int32, types.Array(types.uint8, 1, "C"), u64, u64, u64, types.Array(out, 1, "C"))


def run_curand(folder, storages=("pointer",)) -> dict:
    """Every generator x distribution, for each of ``storages`` (the GPU tier's test:
    ``tier_storages``; the kernel suite, ``gpu_kernels.py``: local and array), with the
    manifest's backend."""
    import cupy

    from conformance.gpu_tier import NativeKernels, import_module, load_manifest

    manifest = load_manifest(folder)
    backend = manifest.get("backend", NUMBA_CUDA)
    kit = toolkit(backend)
    info = manifest["headers"]["curand_kernel"]
    module = import_module(folder, info["module"])
    combos = [(g, d) for g in GENERATORS for d in DISTRIBUTIONS]
    sources = {f"native_{k}": cxx_source(g, d, f"native_{k}") for k, (g, d) in enumerate(combos)}
    native = NativeKernels(info["prelude"], sources, manifest.get("arch", "sm_90"))
    seeds, subsequences, offsets = inputs()
    n = len(seeds)
    device_in = [cupy.asarray(a) for a in (seeds, subsequences, offsets)]
    failures, checked, wanted = [], 0, {}
    runs = [(k, g, d, s) for k, (g, d) in enumerate(combos) for s in storages]
    for k, generator, distribution, storage in runs:
        label = f"{distribution}({generator}*)" + ("" if storage == "pointer" else f" [{storage}]")
        try:
            dtype = DISTRIBUTIONS[distribution][0]
            nbytes = n * 1024  # every state is well under 1 KiB (the intrinsic uses its size)
            states = cupy.zeros(nbytes, dtype=np.uint8)
            got = cupy.zeros(n * DRAWS, dtype=dtype)
            kernel = kit.cuda.jit(kit.types.void(*numba_signature(distribution, backend)))(
                numba_kernel(module, generator, distribution, storage, backend)
            )
            blocks = (n + 127) // 128
            kernel[blocks, 128](np.int32(n), states, *device_in, got)
            kit.cuda.synchronize()
            if k not in wanted:  # one native run per generator and distribution
                want = cupy.zeros(n * DRAWS, dtype=dtype)
                native.get(f"native_{k}")((blocks,), (128,), (np.int32(n), *device_in, want))
                cupy.cuda.runtime.deviceSynchronize()
                wanted[k] = want
            want = wanted[k]
            g, w = cupy.asnumpy(got), cupy.asnumpy(want)
            checked += 1
            differ = np.flatnonzero(
                g.view(h.UINT_VIEW[g.itemsize]) != w.view(h.UINT_VIEW[w.itemsize])
            )
            if len(differ):
                i = int(differ[0])
                t = i // DRAWS
                failures.append(
                    {
                        "name": label,
                        "input": {
                            "seed": int(seeds[t]),
                            "subsequence": int(subsequences[t]),
                            "offset": int(offsets[t]),
                            "draw": i % DRAWS,
                        },
                        "numba": repr(g[i].item()),
                        "cxx": repr(w[i].item()),
                        "differing": len(differ),
                    }
                )
        except Exception as error:  # one failing combination must not stop the others
            failures.append(
                {
                    "name": label,
                    "error": f"{type(error).__name__}: {error}",
                    "traceback": traceback.format_exc(limit=3),
                }
            )
    return {
        "header": "curand_kernel",
        "backend": backend,
        "storages": list(storages),
        "left_out": {s: why for (b, s), why in LEFT_OUT.items() if b == backend},
        "functions_checked": len(runs),
        "bit_exact": len(runs) - len(failures),
        "sequences_compared": checked,
        "inputs_compared": checked * n,  # (seed, subsequence, offset) triples, DRAWS values each
        "failures": failures,
    }
