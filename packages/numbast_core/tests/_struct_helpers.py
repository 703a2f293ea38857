"""Shared by test_structs.py, test_gpu_structs.py and pregenerate_structs.py.

Generation needs libclang (CPU machine); loading needs only numba-cuda, so the GPU machine can use
modules generated elsewhere: ``$NUMBAST_PREGENERATED/structs/``.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "structs"
HEADER = DATA / "nbt_structs.cuh"
# module name -> config file; each config's Output Name is f"{name}.py"
CONFIGS = {
    "nbt_structs_bindings": "nbt_structs.yml",
    "nbt_structs_separate": "nbt_structs_separate.yml",
}
PREGENERATED_ENV = "NUMBAST_PREGENERATED"
SUBDIR = "structs"


def generate_all(out_dir: str | os.PathLike) -> dict:
    """Generate the struct test modules into ``out_dir``; pickles each plan next to its module."""
    import numbast_core

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    results = {}
    for name, config_file in CONFIGS.items():
        result = numbast_core.generate(numbast_core.load_config(DATA / config_file), out)
        assert result.path.name == f"{name}.py"
        (out / f"{name}.plan.pickle").write_bytes(pickle.dumps(result.plan))
        results[name] = result
    return results


def module_dir(tmp_factory) -> Path:
    """The folder holding the generated modules: pregenerated, or generated now."""
    pregenerated = os.environ.get(PREGENERATED_ENV)
    if pregenerated:
        return Path(pregenerated) / SUBDIR
    out = tmp_factory.mktemp("structs")
    generate_all(out)
    return out
