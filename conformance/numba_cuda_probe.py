"""Probes of numba-cuda with its ``_internal`` modules swapped for generated ones (or not).

Each probe runs in its own process, because a swap cannot be undone and numba-cuda's contexts
initialise once; it prints one JSON document::

    python -m conformance.numba_cuda_probe imports  [--modules DIR]
    python -m conformance.numba_cuda_probe names    [--modules DIR]
    python -m conformance.numba_cuda_probe fp16-kernel [--modules DIR] [--cc 9.0]
    python -m conformance.numba_cuda_probe bf16-kernel [--modules DIR] [--cc 9.0]
    python -m conformance.numba_cuda_probe all [--modules DIR] [--cc 9.0]   # the four, in order

Without ``--modules`` numba-cuda's shipped modules are probed (the baseline). Kernels are
compiled, with the C++ they link, to LTO-IR for ``--cc`` with no GPU.
"""

from __future__ import annotations

import argparse
import ast
import enum
import importlib
import importlib.util
import json
import sys
from pathlib import Path

from conformance.numba_cuda_swap import PACKAGE, swap_in, swapped_now

# numba-cuda's files that import from numba.cuda._internal: its three wrappers, and the two test
# files that import the generated modules directly.
WRAPPER_FILES = ("fp16.py", "bf16.py", "fp8.py")
TEST_FILES = ("tests/cudapy/test_bfloat16_bindings.py", "tests/cudapy/test_fp8_bindings.py")


def numba_cuda_package_dir() -> Path | None:
    """``.../site-packages/numba_cuda/numba/cuda`` of the installed numba-cuda, found without
    importing it; None when numba-cuda is not installed."""
    spec = importlib.util.find_spec("numba_cuda")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "numba" / "cuda"


def imported_names(files: tuple[str, ...] = WRAPPER_FILES) -> dict[str, dict[str, list[str]]]:
    """``{module: {name: [file, ...]}}`` for every ``from numba.cuda._internal.<module> import
    name`` in numba-cuda's ``files`` (paths relative to its ``numba/cuda``), read with ``ast``."""
    root = numba_cuda_package_dir()
    if root is None:
        return {}
    found: dict[str, dict[str, list[str]]] = {}
    for relative in files:
        tree = ast.parse((root / relative).read_text(), filename=str(root / relative))
        for node in ast.walk(tree):
            module = node.module if isinstance(node, ast.ImportFrom) else None
            if module and module.startswith(f"{PACKAGE}."):
                names = found.setdefault(module.rpartition(".")[2], {})
                for alias in node.names:
                    users = names.setdefault(alias.name, [])
                    if relative not in users:
                        users.append(relative)
    return {m: dict(sorted(n.items())) for m, n in sorted(found.items())}


def describe(value) -> dict:
    """What a name is, coarsely enough to compare shipped and generated modules: a Numba type
    (by its name), an enum (by its members), a registry, or something a kernel can call."""
    from numba.cuda.core.imputils import Registry as TargetRegistry
    from numba.cuda.types import Type
    from numba.cuda.typing.templates import Registry as TypingRegistry

    if isinstance(value, Type):
        return {"kind": "numba type", "detail": str(value)}
    if isinstance(value, enum.EnumMeta):
        return {"kind": "enum", "detail": {m.name: int(m.value) for m in value}}
    if isinstance(value, TypingRegistry):
        return {"kind": "typing registry"}
    if isinstance(value, TargetRegistry):
        return {"kind": "target registry"}
    if callable(value):
        return {"kind": "callable"}
    return {"kind": type(value).__name__}


def probe_names() -> dict:
    wanted = imported_names(WRAPPER_FILES + TEST_FILES)
    result = {}
    for module_name, names in wanted.items():
        module = importlib.import_module(f"{PACKAGE}.{module_name}")
        result[module_name] = {
            name: describe(getattr(module, name)) if hasattr(module, name) else None
            for name in names
        }
    return result


def probe_imports() -> dict:
    result = {}
    for wrapper in ("fp16", "bf16", "fp8"):
        try:
            importlib.import_module(f"numba.cuda.{wrapper}")
            result[wrapper] = "ok"
        except Exception as error:  # the failure is the finding
            result[wrapper] = f"{type(error).__name__}: {error}"
    return result


def _kernel(which: str):
    """The kernel (and its argument types) that calls ``numba.cuda.<which>``'s bindings."""
    from numba import cuda
    from numba.cuda import types

    wrapper = importlib.import_module(f"numba.cuda.{which}")  # its import is part of the probe
    if which == "fp16":

        def fp16_kernel(a, b, out):
            i = cuda.grid(1)
            if i < out.size:
                out[i] = wrapper.hmul(wrapper.hadd(a[i], b[i]), a[i])

        return fp16_kernel, (types.float16[::1],) * 3

    def bf16_kernel(a, out):
        i = cuda.grid(1)
        if i < out.size:
            out[i] = wrapper.hadd(a[i], wrapper.bfloat16(1.5))

    return bf16_kernel, (types.bfloat16[::1],) * 2


def probe_kernel(which: str, cc: tuple[int, int]) -> dict:
    """Compile one kernel and the C++ it links to LTO-IR for ``cc``: ``{"ok": bool, ...}``."""
    from numba import cuda

    try:
        kernel, signature = _kernel(which)
        codes, _ = cuda.compile_all(
            kernel, signature, device=False, abi="numba", cc=cc, output="ltoir"
        )
    except Exception as error:  # the failure is the finding
        return {"ok": False, "error": f"{type(error).__name__}: {error}"}
    return {"ok": True, "codes": [type(code).__name__ for code in codes]}


PROBES = ("imports", "names", "fp16-kernel", "bf16-kernel")


def run_probe(name: str, cc: tuple[int, int]):
    if name == "imports":
        return probe_imports()
    if name == "names":
        return probe_names()
    return probe_kernel(name.split("-")[0], cc)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance.numba_cuda_probe")
    parser.add_argument("probe", choices=(*PROBES, "all"))
    parser.add_argument("--modules", help="folder with the generated modules to swap in")
    parser.add_argument("--cc", default="9.0", help="compute capability to compile for")
    args = parser.parse_args(argv)
    swapped = [s.path for s in swap_in(args.modules)] if args.modules else []
    major, _, minor = args.cc.partition(".")
    cc = (int(major), int(minor or 0))
    if args.probe == "all":
        result = {name: run_probe(name, cc) for name in PROBES}
    else:
        result = run_probe(args.probe, cc)
    in_use = swapped_now()
    json.dump({"swapped": swapped, "in_use": in_use, "result": result}, sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
