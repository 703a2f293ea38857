# ruff: noqa: F821 (names defined by core.py, which comes first in every module)
# ---- runtime section: vectors (CUDA vector types as Numba types) ------------------------------
class _VectorTypes(dict):
    """numba-cuda's CUDA vector types by name, imported when first read (mostly by rows read when
    first typed; a kernel's compile has imported them by then: numba-cuda's fp16 module does)."""

    def __missing__(self, name):
        if _SIMULATOR:  # numba.cuda.vector_types needs the CUDA target: the simulator has its own
            import numba.cuda as _cuda

            return getattr(_cuda, name)
        from numba.cuda.vector_types import vector_types

        self.update(vector_types)
        return vector_types[name]


_vector_types = _VectorTypes()
