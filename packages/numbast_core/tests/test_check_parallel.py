"""``check_module`` over several processes gives the serial check's results (big modules)."""

from __future__ import annotations

import os

import pytest
from numbast_core import check

BROKEN = "broken"  # its glue is ambiguous under NVRTC only (see data/nbt_funcs.cuh)


@pytest.fixture(scope="module")
def serial(funcs):
    return check.check_module(funcs.path, funcs.plan, "sm_90", jobs=1)


def _outcome(result: check.CheckResult) -> tuple:
    """A result less what depends on the process: a module imported again in one process (here,
    when another test file on this xdist worker imported ``funcs`` first) gives its shims a
    run-time suffix, which the NVRTC log quotes. Its error lines stay."""
    errors = [line for line in result.error.splitlines() if "error" in line]
    return result.python_name, result.cxx_name, result.ok, errors


def test_two_processes_pin_the_same_failure_as_one(funcs, serial, monkeypatch):
    monkeypatch.setattr(check, "PARALLEL_ABOVE", 0)  # this small module counts as big
    monkeypatch.setattr(check, "BATCH", 4)  # several batches, so both processes get some
    seen = []
    report = check.check_module(
        funcs.path, funcs.plan, "sm_90", jobs=2, progress=lambda done, total: seen.append(done)
    )
    assert [_outcome(r) for r in report.results] == [_outcome(r) for r in serial.results]
    assert {r.python_name for r in report.failed} == {BROKEN}
    assert len(seen) == 2 and seen[-1] == len(report.results)  # one report per process


def test_results_are_in_shim_order(funcs, serial):
    """Sorted by shim: a batch links one or two chunks of a chunked glue, not all of them."""
    shims = {c.overload.cxx_signature: c.overload.shim for c in check.calls_of(funcs.plan)}
    order = [shims[r.cxx_name] for r in serial.results]
    assert order == sorted(order)


def test_a_failing_batch_is_halved_until_the_failure_is_pinned(funcs_module, funcs, monkeypatch):
    calls = check._arch_calls(funcs.plan, "sm_90", funcs_module)
    tried = []
    real = check._compile_and_link

    def counting(module, some, cc):
        tried.append(len(some))
        return real(module, some, cc)

    monkeypatch.setattr(check, "_compile_and_link", counting)
    at = next(i for i, c in enumerate(calls) if check.call_label(c) == BROKEN)
    window = calls[max(0, at - 7) :][:16]
    assert len(window) == 16
    errors = check._pinned(funcs_module, window, (9, 0))
    assert [check.call_label(c) for c, e in zip(window, errors) if e] == [BROKEN]
    assert len(tried) == 1 + 2 * 4  # 1 failure in 16: the set, then both halves per level


def test_links_are_unoptimised_and_a_failure_is_confirmed_by_an_optimised_link(
    funcs_module, funcs, monkeypatch
):
    """Links with ptxas at -O0 cost about half (NVSHMEM's team reductions), with LTO at -O0 too
    when each kernel calls one callable; a link that fails there is tried again as kernels are
    linked, and only that result counts."""
    calls = check._arch_calls(funcs.plan, "sm_90", funcs_module)
    calls = [c for c in calls if check.call_label(c) != BROKEN][:2]
    real, seen, failing = check._link_together, [], set()

    def link(libraries, cc, quick=None):
        seen.append(quick)
        real(libraries, cc, quick)
        if quick in failing:
            raise RuntimeError(f"link failed (quick={quick})")

    monkeypatch.setattr(check, "_link_together", link)
    for kernels, quick in (([calls], "ptxas-O0"), ([calls[:1], calls[1:]], "O0")):
        for fails, outcome, tried in (
            (set(), "", [quick]),
            ({quick}, "", [quick, None]),
            ({quick, None}, "RuntimeError: link failed (quick=None)", [quick, None]),
        ):
            failing.clear()
            failing.update(fails)
            seen.clear()
            assert check._compile_and_link_kernels(funcs_module, kernels, (9, 0)) == outcome
            assert seen == tried


KILLED_PARENT = """
import multiprocessing, os, sys, time
from numbast_core.check import exit_with_parent

def work(_):
    time.sleep(60)

if __name__ == "__main__":
    pool = multiprocessing.get_context("spawn").Pool(
        1, initializer=exit_with_parent, initargs=(os.getpid(), 0.1)
    )
    pool.map_async(work, [0])
    while not multiprocessing.active_children():
        time.sleep(0.05)
    print(multiprocessing.active_children()[0].pid, flush=True)
    time.sleep(60)
"""


def test_check_processes_end_when_their_parent_is_killed(tmp_path):
    """A parent killed outright (no clean-up runs) does not leave its check processes linking
    on: each watches its parent and ends within a second of it."""
    import signal
    import subprocess
    import sys
    import time

    script = tmp_path / "parent.py"
    script.write_text(KILLED_PARENT)
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    worker = None
    try:
        worker = int(parent.stdout.readline())
        assert _running(worker)
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 10
        while _running(worker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _running(worker), "the check process outlived its killed parent"
    finally:
        for pid in (parent.pid, worker):
            if pid is not None and _running(pid):
                os.kill(pid, signal.SIGKILL)
        parent.wait()


def _running(pid: int) -> bool:
    """Whether ``pid`` runs (an exited process not yet reaped by its new parent does not)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
