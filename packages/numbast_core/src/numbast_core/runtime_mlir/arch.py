# ruff: noqa: F821 (replaces the glue section's function of that name; core's names)
# ---- runtime section (numba-cuda-mlir): the arch being compiled for --------------------------
# numba-cuda puts the target's compute capability into the compile's flags, where typing reads
# it; numba-cuda-mlir keeps it in the compile's target options ("chip"), which typing does not
# see. _TargetArch (a before-inference rewrite of the vendored numba-cuda pipeline, an internal
# API, that rewrites nothing) copies it into the flags on the config stack of each compile.
def _compiling_arch(default):
    """The arch of the kernel being typed or lowered (the flags of the compile, else what
    ``_call`` passes on while it links), else ``default``."""
    cc = getattr(_targetconfig.ConfigStack.top_or_none(), "compute_capability", None)
    arch = f"sm_{cc[0]}{cc[1]}{''.join(map(str, cc[2:]))}" if cc else None
    return _LOWERING_ARCH.get() or arch or default


class _TargetArch(_Rewrite):
    """Before typing: the compile's target arch into its flags (see the section's heading)."""

    numbast_abi = _ABI  # one rewrite per runtime ABI

    def __init__(self, state):
        flags = _targetconfig.ConfigStack.top_or_none()
        chip = (getattr(state, "metadata", None) or {}).get("targetoptions", {}).get("chip")
        found = _re.fullmatch(r"sm_(\d+)(\d)([a-z]?)", chip or "")
        if flags is not None and found and not flags.compute_capability:
            flags.compute_capability = (int(found[1]), int(found[2]), *found[3])

    def match(self, func_ir, block, typemap, calltypes):
        return False


if not any(getattr(r, "numbast_abi", None) == _ABI for r in _rewrites.rewrites["before-inference"]):
    _rewrites.register("before-inference")(_TargetArch)
