"""pytest plugin: write each test's outcome as JSON (``--numbast-record PATH``).

Used by ``conformance.numba_cuda_suite`` in each child pytest: outcomes by test id (a collection
error under the collected file's id), the last line of each failure, and which file served each
``numba.cuda._internal`` module by the end (so a swap that did not take is visible).
"""

from __future__ import annotations

import json
from pathlib import Path

OPTION = "--numbast-record"
OUTCOMES = ("passed", "failed", "skipped", "error", "xfailed", "xpassed")


def pytest_addoption(parser):
    parser.addoption(OPTION, metavar="PATH", help="write each test's outcome as JSON")


def _outcome(report) -> str | None:
    """The test's outcome as decided by this report, or None while it is still undecided."""
    if hasattr(report, "wasxfail"):
        return "xfailed" if report.skipped else "xpassed" if report.when == "call" else None
    if report.failed:
        return "failed" if report.when == "call" else "error"
    if report.skipped:
        return "skipped"
    return "passed" if report.when == "call" else None


def pytest_configure(config):
    if config.getoption(OPTION):
        config.pluginmanager.register(_Recorder(config.getoption(OPTION)), "numbast-rec")


class _Recorder:
    """Outcomes by test id (collection errors under the file's id); written at session end."""

    def __init__(self, path: str):
        self.path = path
        self.outcomes: dict[str, str] = {}
        self.messages: dict[str, str] = {}

    def pytest_collectreport(self, report):
        if report.failed:
            self.outcomes[report.nodeid] = "error"
            self.messages[report.nodeid] = _last_line(report)

    def pytest_runtest_logreport(self, report):
        outcome = _outcome(report)
        if outcome is None or self.outcomes.get(report.nodeid) in ("failed", "error"):
            return  # a teardown error after a failure does not hide the failure
        self.outcomes[report.nodeid] = outcome
        if outcome in ("failed", "error"):
            self.messages[report.nodeid] = _last_line(report)

    def pytest_sessionfinish(self, session, exitstatus):
        from conformance.numba_cuda_swap import swapped_now

        record = {
            "exitstatus": int(exitstatus),
            "outcomes": self.outcomes,
            "messages": self.messages,
            "internal_modules": swapped_now(),
        }
        Path(self.path).write_text(json.dumps(record, indent=1, sort_keys=True))


def _last_line(report) -> str:
    """The failure's exception and message: pytest's crash line, else (a collection error's
    text) the first ``E`` line, else the last line."""
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None:
        lines = [line.strip() for line in crash.message.splitlines() if line.strip()]
        return lines[0][:300] if lines else ""
    text = [line for line in str(report.longrepr or "").splitlines() if line.strip()]
    errors = [line[1:].strip() for line in text if line.startswith("E ") and line[1:].strip()]
    return (errors[0] if errors else text[-1] if text else "")[:300]
