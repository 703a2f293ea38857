"""Shared by the numba-cuda swap and suite tests: our three modules, generated from numba-cuda's
own configs unchanged, and the environment of child processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.numba_cuda_probe import numba_cuda_package_dir
from conformance.numba_cuda_swap import MODULES

REPO = Path(__file__).resolve().parents[2]
CONFIGS = REPO / "packages" / "numbast_core" / "tests" / "data" / "numba_cuda"


def child_env() -> dict[str, str]:
    """The test's environment with the repository root importable (for ``conformance``)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def generate(out: Path) -> Path:
    """Our three modules, generated from numba-cuda's configs, unchanged, with numba-cuda's
    ``site-packages`` as the current directory (its configs' relative paths start there)."""
    pytest.importorskip("numbast_core")
    numba_cuda = numba_cuda_package_dir()
    if numba_cuda is None:
        pytest.skip("numba-cuda is not installed")
    if not (numba_cuda / "include" / "13" / "cuda_fp8.h").is_file():
        pytest.skip("this numba-cuda wheel ships no CUDA headers under numba/cuda/include")
    site_packages = numba_cuda.parents[2]
    for name in MODULES:
        command = [sys.executable, "-P", "-m", "numbast", "generate", CONFIGS / f"{name}.yml"]
        done = subprocess.run(
            [*map(str, command), "-o", str(out)],
            cwd=site_packages,
            env=child_env(),
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, f"{name}: {done.stderr}"
    assert sorted(p.name for p in out.glob("*.py")) == sorted(f"{m}.py" for m in MODULES)
    return out
