"""Generate the binding modules the GPU benchmark imports (sm_90, from the conformance configs).

    python -m bench.pregenerate [OUT_DIR] [--backend numba-cuda-mlir]
        (OUT_DIR default: $NUMBAST_PREGENERATED or .gpu/bench)

The GPU machine has no libclang and no numbast packages: generate here, copy OUT_DIR there and
point ``NUMBAST_PREGENERATED`` at it. Parse against CUDA 13.0 headers (the GPU machine's).
"""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / "conformance" / "configs"
MODULES = ("cuda_fp8", "cuda_fp16", "cuda_bf16", "curand_kernel")
ARCH = "sm_90"


def pregenerate(
    out_dir: str | os.PathLike, modules=MODULES, arch: str = ARCH, backend: str = "numba-cuda"
) -> list[Path]:
    from numbast_core import generate, load_config

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in modules:
        config = dataclasses.replace(load_config(CONFIGS / f"{name}.yml"), backend=backend)
        if tuple(config.gpu_arch) != (arch,):
            config = dataclasses.replace(config, gpu_arch=(arch,))
        paths.append(generate(config, out).path)
    return paths


def default_dir() -> str:
    return os.environ.get("NUMBAST_PREGENERATED") or str(ROOT / ".gpu" / "bench")


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.pregenerate")
    parser.add_argument("out", nargs="?", default=None)
    backends = ("numba-cuda", "numba-cuda-mlir")
    parser.add_argument("--backend", choices=backends, default="numba-cuda")
    args = parser.parse_args(argv)
    for path in pregenerate(args.out or default_dir(), backend=args.backend):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
