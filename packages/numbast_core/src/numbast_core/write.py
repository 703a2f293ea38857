"""Write the generated module atomically, optionally formatted with ruff."""

from __future__ import annotations

import importlib.util
import os
import secrets
import subprocess
import sys
from pathlib import Path


def _ruff_command() -> list[str]:
    """The ruff binary itself (``python -m ruff`` starts an interpreter first: ~45 ms more per
    call on the 2-core box), else ``python -m ruff``."""
    try:
        from ruff.__main__ import find_ruff_bin  # type: ignore[import-untyped]

        return [os.fsdecode(find_ruff_bin())]
    except Exception:  # (an older or repackaged ruff)
        return [sys.executable, "-m", "ruff"]


def ruff_format(text: str) -> tuple[str, bool]:
    """``text`` formatted by ``ruff format`` when ruff is installed; never fails.

    Returns the text and whether it was formatted.
    """
    if importlib.util.find_spec("ruff") is None:
        return text, False
    options = ["format", "--quiet", "--isolated", "--line-length", "100", "-"]
    try:
        done = subprocess.run(
            [*_ruff_command(), *options],
            input=text,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return text, False
    return (done.stdout, True) if done.returncode == 0 and done.stdout else (text, False)


def atomic(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` to ``path`` via a temporary file and ``os.replace``.

    A failure (or Ctrl-C) part-way leaves any previous file at ``path`` untouched. The file gets
    the mode a plain ``open(path, "w")`` would (0o666 less the umask: 0644 under umask 022).
    """
    return atomic_bytes(path, text.encode("utf-8"))


def atomic_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically, as :func:`atomic` does for text."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _create_temp(target)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def _create_temp(target: Path) -> tuple[int, Path]:
    """A new file next to ``target``, created with mode 0o666 so the kernel applies the umask
    (``tempfile.mkstemp`` would make it 0600; reading the umask would mean setting it)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    while True:
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:  # pragma: no cover - a 48-bit name collision
            continue
