"""Write the generated module atomically, optionally formatted with ruff."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tempfile
from pathlib import Path


def ruff_format(text: str) -> tuple[str, bool]:
    """``text`` formatted by ``ruff format`` when ruff is installed; never fails.

    Returns the text and whether it was formatted.
    """
    if importlib.util.find_spec("ruff") is None:
        return text, False
    try:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "ruff",
                "format",
                "--quiet",
                "--isolated",
                "--line-length",
                "100",
                "-",
            ],
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

    A failure (or Ctrl-C) part-way leaves any previous file at ``path`` untouched.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
