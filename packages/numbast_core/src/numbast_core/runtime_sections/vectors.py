# ruff: noqa: F401, F821 (names defined by core.py, which comes first in every module)
# ---- runtime section: vectors (CUDA vector types as Numba types) ------------------------------
if _SIMULATOR:  # numba.cuda.vector_types needs the CUDA target: the simulator has its own
    import numba.cuda as _cuda

    _vector_types = type("_SimVectors", (dict,), {"__missing__": lambda _, n: getattr(_cuda, n)})()
else:
    from numba.cuda.vector_types import vector_types as _vector_types
