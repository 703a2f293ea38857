"""How the CLI talks: exit codes, the stderr console, errors as messages, the progress bar."""

from __future__ import annotations

import contextlib
import sys
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

import click

from .report import Style, color_allowed

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def _stderr() -> TextIO:
    return sys.stderr


@dataclass(frozen=True)
class Console:
    """Where and how much the CLI prints: everything but command results goes to stderr."""

    verbosity: int = 0  # -1 quiet (errors only), 0 normal, 1 verbose
    style: Style = field(default_factory=Style)

    @classmethod
    def for_stderr(cls, quiet: bool = False, verbose: bool = False) -> Console:
        verbosity = -1 if quiet else (1 if verbose else 0)
        return cls(verbosity, Style(color_allowed(_stderr())))

    @property
    def quiet(self) -> bool:
        return self.verbosity < 0

    @property
    def verbose(self) -> bool:
        return self.verbosity > 0

    def _echo(self, text: str) -> None:
        click.echo(text, err=True, color=self.style.color)

    def info(self, text: str) -> None:
        if not self.quiet:
            self._echo(text)

    def detail(self, text: str) -> None:
        if self.verbose:
            self._echo(text)

    def warn(self, text: str) -> None:
        if not self.quiet:
            self._echo(f"{self.style('warning', fg='yellow', bold=True)}: {text}")

    def error(self, text: str) -> None:
        self._echo(f"{self.style('error', fg='red', bold=True)}: {text}")


@contextlib.contextmanager
def reported_errors(console: Console, debug: bool) -> Iterator[None]:
    """Turn library errors into a message and an exit code; tracebacks only with ``--debug``."""
    from numbast_core import ConfigError, GenerationError

    def fail(message: str, code: int) -> None:
        if debug:
            click.echo(traceback.format_exc().rstrip(), err=True)
        console.error(message)
        raise SystemExit(code) from None

    try:
        yield
    except KeyboardInterrupt:
        console.error("interrupted")
        raise SystemExit(EXIT_INTERRUPTED) from None
    except ConfigError as err:
        fail(str(err), EXIT_USAGE)
    except GenerationError as err:
        fail(str(err), EXIT_FAILED)
    except OSError as err:
        fail(str(err), EXIT_FAILED)
    except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
        raise
    except Exception as err:
        hint = "" if debug else " (rerun with --debug for the traceback)"
        fail(f"internal error: {type(err).__name__}: {err}{hint}", EXIT_FAILED)


@contextlib.contextmanager
def check_progress(
    console: Console, stream: TextIO | None = None
) -> Iterator[Callable[[int, int], None] | None]:
    """A ``progress(done, total)`` callback drawing a bar on a terminal; None elsewhere."""
    stream = _stderr() if stream is None else stream
    if console.quiet or not stream.isatty():
        yield None
        return
    with contextlib.ExitStack() as stack:
        bars: list[Any] = []

        def progress(done: int, total: int) -> None:
            if not bars:
                bar = click.progressbar(
                    length=total, label="check", file=stream, color=console.style.color
                )
                bars.append(stack.enter_context(bar))
            bars[0].update(done - bars[0].pos)

        yield progress
