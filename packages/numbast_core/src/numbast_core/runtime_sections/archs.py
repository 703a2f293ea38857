# ruff: noqa: F821 (names defined by core.py and glue.py, which come first in every module)
# ---- runtime section: archs (overloads declared on some GPU archs only) ----------------------
class _PerArchTemplate(_ConcreteTemplate):
    """Overloads declared on some GPU archs only type for kernels compiled for those."""

    def apply(self, args, kws):
        arch = _compiling_arch(self.glue.arch)
        usable = [
            c for c, s in zip(self.cases, self.shims) if arch in self.glue.only.get(s, [arch])
        ]
        found = self._select(usable, args, kws)
        if found is None and self._select(self.cases, args, kws) is not None:
            having = {a for s in self.shims for a in self.glue.only.get(s, ())}
            archs = [a for a in self.glue.archs if a in having]
            raise _TypingError(
                f"{self.key.__name__}({', '.join(map(str, args))}) is declared for "
                f"{', '.join(archs)} only; this kernel is compiled for {arch}"
            )
        return found
