"""Shared by the code generator tests, pregenerate.py and the GPU tests.

Generation needs libclang (CPU machine); everything else here needs only numba-cuda, so the GPU
machine can load modules generated elsewhere (``NUMBAST_PREGENERATED``).
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
HEADER = DATA / "nbt_funcs.cuh"
# module name -> config file; each config's Output Name is f"{name}.py"
CONFIGS = {
    "nbt_funcs_bindings": "nbt_funcs.yml",
    "nbt_separate_bindings": "nbt_separate.yml",
}
PREGENERATED_ENV = "NUMBAST_PREGENERATED"
# the templates' module (tests/test_*templates.py), generated apart: its Output Name is
# nbt_templates_bindings.py
TEMPLATE_CONFIG = "nbt_templates.yml"


def generate_all(out_dir: str | os.PathLike, names=None) -> dict:
    """Generate the test modules into ``out_dir``; also pickles each plan next to its module."""
    import numbast_core

    out = Path(out_dir)
    results = {}
    for name in names or CONFIGS:
        config = numbast_core.load_config(DATA / CONFIGS[name])
        result = numbast_core.generate(config, out)
        assert result.path.name == f"{name}.py"
        (out / f"{name}.plan.pickle").write_bytes(pickle.dumps(result.plan))
        results[name] = result
    return results


def load_plan(out_dir: str | os.PathLike, name: str):
    return pickle.loads((Path(out_dir) / f"{name}.plan.pickle").read_bytes())


def import_module(path: str | os.PathLike):
    """Import a generated module from its file (works without numbast_core installed)."""
    import importlib.util
    import sys
    import uuid

    name = f"_nbt_generated_{uuid.uuid4().hex}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def compile_and_link(pyfunc, argtypes, return_type=None, cc=(9, 0)):
    """Compile ``pyfunc`` as a kernel (return_type void) or device function and link it with
    nvJitLink for ``cc`` on the CPU. Returns the compile result (``.library``, ``.signature``)."""
    from numba.cuda import types
    from numba.cuda.compiler import compile_cuda, kernel_fixup

    cres = compile_cuda(pyfunc, return_type, tuple(argtypes), cc=cc, lto=True)
    library = cres.library
    if return_type == types.void:
        kernel_fixup(library.get_function(cres.fndesc.llvm_func_name), False)
        library._entry_name = cres.fndesc.llvm_func_name
    library.get_cubin(cc=cc)
    return cres
