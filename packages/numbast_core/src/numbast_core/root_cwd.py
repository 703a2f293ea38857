"""Run NVRTC with the working directory ``/``: it records the directory it runs in.

NVRTC writes the process's working directory into the LTO-IR it makes (the same glue gives
other bytes from ``/work/proj`` and from ``/tmp``; neither the program's name nor ``$PWD``
changes that), so a sidecar generated in another directory, on another machine, would differ.
Changing the working directory of the calling process would change it for all of its threads
(a build backend's, a test runner's): the compile runs in a forked copy of the process instead,
whose only change is its working directory, and its result comes back through a pipe.
"""

from __future__ import annotations

import os
import pickle
import signal
import warnings
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def in_root_dir(work: Callable[..., T], *args: object) -> T:
    """``work(*args)`` run with the working directory ``/`` (where there is no ``fork``, or
    the directory is ``/`` already: here). Its exception, if any, is raised here."""
    if not hasattr(os, "fork") or _cwd() == "/":
        return work(*args)
    read, write = os.pipe()
    with warnings.catch_warnings():  # (3.12 warns of forking with threads: the copy has one)
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the copy: never returns
        code = 0
        try:
            os.close(read)
            os.chdir("/")
            try:
                outcome: tuple[bool, object] = (True, work(*args))
            except BaseException as error:  # (raised in the caller)
                outcome = (False, error)
            try:
                data = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:  # an error that does not pickle: its text does
                data = pickle.dumps((False, RuntimeError(repr(outcome[1]))))
            with os.fdopen(write, "wb") as pipe:
                pipe.write(data)
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(write)
    try:
        with os.fdopen(read, "rb") as pipe:
            data = pipe.read()
    except BaseException:  # Ctrl-C: the copy got it too; make sure it is gone
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        raise
    _, status = os.waitpid(pid, 0)
    if not data or status != 0:
        raise ProcessEnded(_ended(status))
    ok, value = pickle.loads(data)
    if not ok:
        raise value
    return value


class ProcessEnded(RuntimeError):
    """The forked compile ended without a result (killed, e.g. out of memory; or crashed)."""


def _ended(status: int) -> str:
    if os.WIFSIGNALED(status):
        how = f"killed by signal {os.WTERMSIG(status)}"
    else:
        how = f"exit status {os.waitstatus_to_exitcode(status)}"
    return f"the process compiling the glue with NVRTC ended without a result ({how})"


def _cwd() -> str | None:
    try:
        return os.getcwd()
    except OSError:  # the working directory was deleted
        return None
