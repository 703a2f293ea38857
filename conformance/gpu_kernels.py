"""The kernel suite: kernels using generated bindings vs the same kernels in CUDA C++.

On the CPU machine (numbast + libclang), write every module, C++ reference source and the
manifest into one folder:

    python -m conformance.gpu_kernels generate .gpu/kernels [--arch sm_90]

On the GPU machine (numba-cuda, cupy, cuda.core, numpy<2.5; no numbast), run every case of
``kernel_cases.py`` and curand's sequences (states in local structs and array elements) and write
``kernels.json`` + ``kernels.md`` under the output folder (exit status 1 if anything differs):

    python -m conformance.gpu_kernels run .gpu/kernels --out "$OUT/kernels"

Each case runs in a child process under a timeout: a kernel that hangs (a barrier never
completing) or loses the CUDA context costs only its own result.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from conformance import kernel_cases as kc

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TIMEOUT = 180  # seconds per child process (compiles included)


# ---------------------------------------------------------------------------------------------
# generation (CPU machine)


def includes(prelude: str) -> list[str]:
    """The ``#include`` lines of a module's glue prelude (the rest, the placement-new helper,
    would be defined twice in a kernel using several modules)."""
    return [line for line in prelude.splitlines() if line.startswith("#include")]


def cxx_source(case: kc.Case, preludes: dict[str, str]) -> str:
    lines: dict[str, None] = {}
    for _, config in case.modules:
        lines.update(dict.fromkeys(includes(preludes[config])))
    return "\n".join(lines) + "\n\n" + case.cxx_kernel()


def generate(
    out: Path, arch: str = "sm_90", cases: Sequence[kc.Case] = kc.CASES, curand: bool = True
) -> dict:
    """Modules, C++ sources and ``kernels.json`` in ``out`` for ``cases`` (plus curand's
    conformance manifest, unless not ``curand``); the own header is copied in, so the modules
    name it relative to themselves."""
    import numbast_core
    from numbast_core import stdcompat
    from numbast_core.render import prelude

    from conformance.pregenerate import config_file, pregenerate

    out.mkdir(parents=True, exist_ok=True)
    own = out / "own"
    own.mkdir(exist_ok=True)
    for name in ("own_api.cuh", "own_api.yml"):
        shutil.copyfile(HERE / "kernels" / name, own / name)
    std = out / "std"  # NVRTC has no C++ standard library: the glue's forwarders, for C++ too
    for name, text in stdcompat.nvrtc_headers().items():
        (std / name).parent.mkdir(parents=True, exist_ok=True)
        (std / name).write_text(text, encoding="utf-8")
    modules, preludes = {}, {}
    for config in kc.configs(cases):
        path = own / "own_api.yml" if config == "own_api" else config_file(config)
        result = numbast_core.generate(numbast_core.load_config(path).with_arch(arch), out)
        modules[config] = result.path.name
        preludes[config] = prelude(result.plan)
    (out / "cxx").mkdir(exist_ok=True)
    sources = {}
    for case in cases:
        (out / "cxx" / f"{case.name}.cu").write_text(cxx_source(case, preludes), encoding="utf-8")
        sources[case.name] = {"what": case.what, "cxx": f"cxx/{case.name}.cu"}
    if curand:
        pregenerate(out, arch, ["curand_kernel"])
    manifest = {"arch": arch, "modules": modules, "cases": sources,
                "include_dirs": ["own", "std"]}  # fmt: skip
    (out / "kernels.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return manifest


# ---------------------------------------------------------------------------------------------
# kernels (no numbast; compiling works without a GPU)


def _address_of(void: bool):
    """``address_of(array, i)``: a pointer to ``array[i]`` (``void*`` if ``void``)."""
    from llvmlite import ir
    from numba.cuda import types
    from numba.cuda.extending import intrinsic

    @intrinsic
    def address_of(typingctx, array, index):
        sig = (types.voidptr if void else types.CPointer(array.dtype))(array, index)

        def codegen(context, builder, signature, args):
            data = context.make_array(signature.args[0])(context, builder, args[0]).data
            i = context.cast(builder, args[1], signature.args[1], types.intp)
            pointer = builder.gep(data, [i])
            return builder.bitcast(pointer, ir.IntType(8).as_pointer()) if void else pointer

        return sig, codegen

    return address_of


def numba_kernel(folder, case: kc.Case):
    """The case's Numba kernel (a Python function, not yet jitted) over the folder's modules."""
    from numba import cuda
    from numba.cuda import types

    from conformance.gpu_tier import import_module

    manifest = json.loads(Path(folder, "kernels.json").read_text(encoding="utf-8"))
    env = {"cuda": cuda, "types": types}
    env.update(address_of=_address_of(False), void_address_of=_address_of(True))
    for alias, config in case.modules:
        env[alias] = import_module(folder, manifest["modules"][config])
    exec(compile(case.numba, f"<kernel {case.name}>", "exec"), env)
    return env["kernel"]


def numba_signature(case: kc.Case):
    from numba.cuda import types

    return tuple(types.Array(getattr(types, b.dtype), 1, "C") for b in case.buffers)


def compile_cxx(folder, case: kc.Case, arch: str = "sm_90") -> bytes:
    """The case's C++ kernel, compiled by NVRTC (a cubin)."""
    from cuda.core import Program, ProgramOptions

    from conformance.gpu_harness import cuda_include_dirs

    manifest = json.loads(Path(folder, "kernels.json").read_text(encoding="utf-8"))
    source = Path(folder, manifest["cases"][case.name]["cxx"]).read_text(encoding="utf-8")
    dirs = [str(Path(folder, d).resolve()) for d in manifest["include_dirs"]]
    options = ProgramOptions(arch=arch, std="c++17", include_path=dirs + cuda_include_dirs())
    return bytes(Program(source, "c++", options=options).compile("cubin").code)


# ---------------------------------------------------------------------------------------------
# running (GPU machine)


def compare(got: np.ndarray, want: np.ndarray) -> dict | None:
    """None when bitwise equal, else the count and the first differing element."""
    view = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}[got.dtype.itemsize]
    differ = np.flatnonzero(got.view(view) != want.view(view))
    if not len(differ):
        return None
    i = int(differ[0])
    return {"differing": len(differ), "index": i, "got": repr(got[i].item()),
            "want": repr(want[i].item())}  # fmt: skip


def run_case(folder, case: kc.Case) -> dict:
    """Both kernels on the same inputs; every output compared (and with numpy's answer)."""
    import cupy
    from numba import cuda
    from numba.cuda import types

    start = time.perf_counter()
    manifest = json.loads(Path(folder, "kernels.json").read_text(encoding="utf-8"))
    given = kc.inputs(case)
    ours = [cupy.asarray(given[b.name]) for b in case.buffers]
    theirs = [cupy.asarray(given[b.name]) for b in case.buffers]
    kernel = cuda.jit(types.void(*numba_signature(case)))(numba_kernel(folder, case))
    kernel[case.grid, case.block](*ours)
    cuda.synchronize()
    with tempfile.TemporaryDirectory() as tmp:
        cubin = Path(tmp, f"{case.name}.cubin")
        cubin.write_bytes(compile_cxx(folder, case, manifest["arch"]))
        native = cupy.RawModule(path=str(cubin)).get_function(case.name)
        native((case.grid,), (case.block,), tuple(theirs))
        cupy.cuda.runtime.deviceSynchronize()
    expected = case.expected(given) if case.expected else {}
    outputs, problems = {}, []
    for b, got, want in zip(case.buffers, ours, theirs):
        if not b.output:
            continue
        got, want = cupy.asnumpy(got), cupy.asnumpy(want)
        outputs[b.name] = len(got)
        for who, other in (("C++", want), ("numpy", expected.get(b.name))):
            if other is None:
                continue
            differ = compare(got, other)
            if differ:
                problems.append({"buffer": b.name, "versus": who, **differ})
        if b.name in expected and compare(want, expected[b.name]):
            problems.append({"buffer": b.name, "versus": "numpy (the C++ kernel)",
                             **compare(want, expected[b.name])})  # fmt: skip
    return {"case": case.name, "what": case.what, "outputs": outputs, "problems": problems,
            "numpy_checked": sorted(expected), "seconds": round(time.perf_counter() - start, 2),
            "error": ""}  # fmt: skip


def _child(command: list[str], out: Path) -> dict:
    """Run ``python -m conformance.gpu_kernels <command> --out <out>``: its JSON, or an error."""
    argv = [sys.executable, "-m", "conformance.gpu_kernels", *command, "--out", str(out)]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return {"error": f"no result within {TIMEOUT} s (a kernel hung?)"}
    if out.exists():
        return json.loads(out.read_text(encoding="utf-8"))
    return {"error": f"exit status {done.returncode}: {done.stderr[-2000:]}"}


def merge_curand(parts: list[dict]) -> dict:
    """One curand result from the per-storage children's."""
    merged = {"storages": [], "functions_checked": 0, "bit_exact": 0, "failures": []}
    for part in parts:
        if part.get("error"):
            merged["error"] = (merged.get("error", "") + "\n" + part["error"]).strip()
            continue
        merged["storages"] += part["storages"]
        merged["failures"] += part["failures"]
        for key in ("functions_checked", "bit_exact"):
            merged[key] += part[key]
    return merged


def run_all(folder, out: Path, workers: int = 4) -> dict:
    """Every case and curand's local and array storages (the GPU tier runs the pointer one),
    ``workers`` child processes at a time: compiling dominates, the kernels are tiny."""
    from concurrent.futures import ThreadPoolExecutor

    from conformance.gpu_tier import device_info

    out.mkdir(parents=True, exist_ok=True)
    storages = ("local", "array")
    with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(workers) as pool:
        cases = [
            pool.submit(_child, ["case", str(folder), c.name], Path(tmp, f"{c.name}.json"))
            for c in kc.CASES
        ]
        curand = [
            pool.submit(_child, ["curand", str(folder), "--storage", s], Path(tmp, f"{s}.json"))
            for s in storages
        ]
        results = [{"case": c.name, "what": c.what, **f.result()} for c, f in zip(kc.CASES, cases)]
        curand_result = merge_curand([f.result() for f in curand])
    passed = sum(1 for r in results if not r.get("error") and not r.get("problems"))
    summary = {**device_info(), "cases": results, "passed": passed, "total": len(results),
               "curand": curand_result}  # fmt: skip
    (out / "kernels.json").write_text(json.dumps(summary, indent=1, default=str), "utf-8")
    (out / "kernels.md").write_text(markdown(summary), encoding="utf-8")
    return summary


def markdown(summary: dict) -> str:
    head = f"# Kernel suite on {summary.get('gpu', '?')} (driver {summary.get('driver', '?')})"
    lines = [head, "", "| case | what | outputs | result | seconds |", "|---|---|---:|---|---:|"]
    for r in summary["cases"]:
        if r.get("error"):
            verdict = "ERROR: " + r["error"].strip().splitlines()[-1][:200].replace("|", "/")
        elif r.get("problems"):
            p = r["problems"][0]
            verdict = (
                f"DIFFERS ({len(r['problems'])}): {p['buffer']} vs {p['versus']}: "
                f"{p['differing']} elements, [{p['index']}] {p['got']} != {p['want']}"
            )
        else:
            verdict = "bit-exact = C++" + (", = numpy" if r.get("numpy_checked") else "")
        count = sum(r.get("outputs", {}).values())
        seconds = r.get("seconds", "")
        lines.append(f"| {r['case']} | {r['what']} | {count} | {verdict} | {seconds} |")
    c = summary.get("curand") or {}
    lines += [
        "",
        f"curand: {c.get('bit_exact', 0)}/{c.get('functions_checked', 0)} (generator, "
        f"distribution, state storage) sequences bit-exact with C++; storages "
        f"{c.get('storages')}",
    ]
    for f in (c.get("failures") or [])[:20]:
        lines.append(f"- {f['name']}: {f.get('error') or f}")
    if c.get("error"):
        lines.append(f"- curand run failed: {c['error'][:500]}")
    lines.append(f"\n{summary['passed']}/{summary['total']} cases bit-exact.")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance.gpu_kernels")
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("generate", help="CPU machine: modules, C++ sources, manifest")
    g.add_argument("folder", type=Path)
    g.add_argument("--arch", default="sm_90")
    r = sub.add_parser("run", help="GPU machine: every case and curand; JSON + markdown")
    r.add_argument("folder", type=Path)
    r.add_argument("--out", type=Path, default=Path(os.environ.get("OUT", "."), "kernels"))
    c = sub.add_parser("case", help="(child) one case")
    c.add_argument("folder", type=Path)
    c.add_argument("name", choices=[case.name for case in kc.CASES])
    c.add_argument("--out", type=Path, required=True)
    u = sub.add_parser("curand", help="(child) curand's sequences, one state storage")
    u.add_argument("folder", type=Path)
    u.add_argument("--storage", required=True)
    u.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.command == "generate":
        manifest = generate(args.folder, args.arch)
        print(f"{len(manifest['cases'])} cases, modules: {', '.join(manifest['modules'].values())}")
        return 0
    if args.command == "run":
        summary = run_all(args.folder, args.out)
        print(markdown(summary))
        curand = summary.get("curand") or {}
        ok = summary["passed"] == summary["total"] and not curand.get("failures")
        return 0 if ok and not curand.get("error") else 1
    try:
        if args.command == "case":
            result = run_case(args.folder, next(c for c in kc.CASES if c.name == args.name))
        else:
            from conformance.gpu_curand import run_curand

            result = run_curand(args.folder, (args.storage,))
    except Exception as error:  # reported as this case's result
        result = {"error": f"{type(error).__name__}: {error}\n{traceback.format_exc(limit=4)}"}
    args.out.write_text(json.dumps(result, indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
