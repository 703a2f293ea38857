"""The second reading of a header: only when the first fails, started early on slow parses."""

from __future__ import annotations

import threading
import time

import pytest
from ast_canopy import _fallback


@pytest.fixture
def two_cores(monkeypatch):
    monkeypatch.setattr(_fallback, "cores", lambda: 2)


def test_second_not_run_when_first_is_fast_and_clean(two_cores):
    calls = []
    one, two = _fallback.first_or_second(
        lambda: calls.append("first") or "ok",
        lambda: calls.append("second") or "plain",
        lambda r: r != "ok",
        speculate_after=5.0,
    )
    assert (one, two, calls) == ("ok", None, ["first"])


def test_second_runs_after_a_failed_first(two_cores):
    one, two = _fallback.first_or_second(lambda: "bad", lambda: "plain", lambda r: r == "bad")
    assert (one, two) == ("bad", "plain")


def test_slow_first_starts_second_alongside(two_cores):
    second_started = threading.Event()

    def first():
        # finishes only once the second reading is running: proves they overlap
        assert second_started.wait(5.0), "second reading was not started alongside"
        return "bad"

    def second():
        second_started.set()
        return "plain"

    started = time.perf_counter()
    one, two = _fallback.first_or_second(first, second, lambda r: r == "bad", 0.05)
    assert (one, two) == ("bad", "plain")
    assert time.perf_counter() - started < 5.0


def test_speculative_second_is_finished_and_dropped_when_first_is_clean(two_cores):
    finished = threading.Event()

    def first():
        time.sleep(0.2)
        return "ok"

    def second():
        time.sleep(0.3)
        finished.set()
        raise RuntimeError("a failing spare reading is not the caller's error")

    one, two = _fallback.first_or_second(first, second, lambda r: r != "ok", 0.05)
    assert (one, two) == ("ok", None)
    assert finished.is_set()  # nothing left running in the background


def test_one_core_runs_them_in_turn(monkeypatch):
    monkeypatch.setattr(_fallback, "cores", lambda: 1)
    order = []
    one, two = _fallback.first_or_second(
        lambda: order.append(1) or "bad", lambda: order.append(2) or "plain", lambda r: r == "bad"
    )
    assert (one, two, order) == ("bad", "plain", [1, 2])


def test_never_speculates_when_told_not_to(two_cores):
    calls = []

    def first():
        time.sleep(0.1)
        return "ok"

    one, two = _fallback.first_or_second(
        first, lambda: calls.append("second"), lambda r: r != "ok", speculate_after=None
    )
    assert (one, two, calls) == ("ok", None, [])
