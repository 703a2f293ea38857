# ruff: noqa: F821 (names defined by core.py, which comes first in every module)
# ---- runtime section: registry (this module's own registries: Use Separate Registry) ---------
class _Registries:  # (replaces the core's)
    """This module's own typing and lowering registries, activated by ``install()``."""

    separate = True

    def __init__(self):
        self.typing, self.target = _TypingRegistry(), _TargetRegistry()

    def install(self):
        from numba.cuda.descriptor import cuda_target  # (internal, see the core)

        cuda_target.target_context.refresh()
        cuda_target.typing_context.install_registry(self.typing)
        cuda_target.target_context.install_registry(self.target)
