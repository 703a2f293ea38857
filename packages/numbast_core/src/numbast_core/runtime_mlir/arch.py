# ruff: noqa: F821 (replaces the glue section's function of that name; core's names)
# ---- runtime section (numba-cuda-mlir): the arch the glue is linked for ----------------------
def _compiling_arch(default):
    """The arch of the kernel being lowered (numba-cuda-mlir's lowerer knows it; ``_call``
    passes it on), else ``default``."""
    return _LOWERING_ARCH.get() or default
