"""Ctrl-C while libclang runs is held until libclang returns, then raised."""

from __future__ import annotations

import os
import signal
import threading

import pytest
from ast_canopy._interrupt import ctrl_c_deferred


@pytest.fixture(autouse=True)
def python_handles_sigint():
    """Each test starts from Python's own SIGINT handler, whatever the test process inherited
    (a job that a non-interactive shell starts in the background ignores SIGINT)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def test_sigint_inside_the_block_is_raised_when_it_ends():
    reached_end_of_block = False
    with pytest.raises(KeyboardInterrupt), ctrl_c_deferred():
        os.kill(os.getpid(), signal.SIGINT)
        reached_end_of_block = True
    assert reached_end_of_block
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_no_sigint_no_exception_and_handler_restored():
    with ctrl_c_deferred():
        assert signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_sigint_wins_over_an_error_raised_in_the_block():
    with pytest.raises(KeyboardInterrupt), ctrl_c_deferred():
        os.kill(os.getpid(), signal.SIGINT)
        raise ValueError("clang failed")


def test_a_programs_own_handler_is_left_alone():
    seen = []
    previous = signal.signal(signal.SIGINT, lambda signum, _frame: seen.append(signum))
    try:
        with ctrl_c_deferred():
            os.kill(os.getpid(), signal.SIGINT)
        assert seen == [signal.SIGINT]
    finally:
        signal.signal(signal.SIGINT, previous)


def test_other_threads_are_left_alone():
    outcome = []

    def worker():
        with ctrl_c_deferred():  # signal.signal would raise ValueError off the main thread
            outcome.append(signal.getsignal(signal.SIGINT) is signal.default_int_handler)

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert outcome == [True]


def test_an_ignored_sigint_stays_ignored():
    """A process that ignores SIGINT (started with nohup, or in the background) keeps
    ignoring it: nothing is raised."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with ctrl_c_deferred():
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
        os.kill(os.getpid(), signal.SIGINT)
    assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
