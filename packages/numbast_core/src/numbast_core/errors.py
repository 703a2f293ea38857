"""The exception type of numbast_core."""

from __future__ import annotations

from collections.abc import Iterable


class ConfigError(Exception):
    """A config file (or mapping) is not valid.

    ``problems`` holds every problem found, each written ``<key path>: <problem>`` (or
    ``<file>:<line>:<col>: <problem>`` for YAML syntax problems). ``str()`` lists them all.
    """

    def __init__(self, problems: Iterable[str], source: str | None = None) -> None:
        self.problems: tuple[str, ...] = tuple(problems) or ("invalid config",)
        self.source = source
        super().__init__(self._format())

    def _format(self) -> str:
        where = f" in {self.source}" if self.source else ""
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''}{where}:"
        return "\n".join([head, *(f"  - {p}" for p in self.problems)])

    def __str__(self) -> str:
        return self._format()

    def __reduce__(self):  # keep problems across pickling (e.g. pytest-xdist)
        return (type(self), (self.problems, self.source))


class GenerationError(Exception):
    """Generation failed: a header is missing or does not parse (message names file:line:col)."""
