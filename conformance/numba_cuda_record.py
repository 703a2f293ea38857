"""pytest plugin: write each test's outcome as JSON (``--numbast-record PATH``).

Used by ``conformance.numba_cuda_suite`` in each child pytest: outcomes by test id (a collection
error under the collected file's id), the last line of each failure, and which files served the
``numba.cuda._internal`` modules the tests ran with (so a swap that did not take is visible).
Works under pytest-xdist: each test's report carries what its process had loaded.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.numba_cuda_swap import swapped_now

OPTION = "--numbast-record"
OUTCOMES = ("passed", "failed", "skipped", "error", "xfailed", "xpassed")
MODULES_PROPERTY = "numbast_internal_modules"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Attach the ``_internal`` modules loaded in this (maybe worker) process to the report."""
    report = yield
    if call.when == "teardown":
        report.user_properties.append((MODULES_PROPERTY, swapped_now()))
    return report


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
    if hasattr(config, "workerinput"):
        return  # under pytest-xdist the controller sees every worker's reports and records
    if config.getoption(OPTION):
        config.pluginmanager.register(_Recorder(config.getoption(OPTION)), "numbast-rec")


class _Recorder:
    """Outcomes by test id (a collection error or skip under the file's id); written at the
    session's end."""

    def __init__(self, path: str):
        self.path = path
        self.outcomes: dict[str, str] = {}
        self.messages: dict[str, str] = {}
        self.modules: dict[str, set[str]] = {}  # module -> every file that served it

    def pytest_collectreport(self, report):
        if report.failed:
            self.outcomes[report.nodeid] = "error"
            self.messages[report.nodeid] = _last_line(report)
        elif report.skipped:  # a whole module skipped (pytest.importorskip, skip at import)
            self.outcomes[report.nodeid] = "skipped"

    def pytest_runtest_logreport(self, report):
        for key, loaded in report.user_properties:
            if key == MODULES_PROPERTY:
                self._saw(loaded)
        outcome = _outcome(report)
        if outcome is None or self.outcomes.get(report.nodeid) in ("failed", "error"):
            return  # a teardown error after a failure does not hide the failure
        self.outcomes[report.nodeid] = outcome
        if outcome in ("failed", "error"):
            self.messages[report.nodeid] = _last_line(report)

    def _saw(self, loaded: dict[str, str]) -> None:
        for module, path in loaded.items():
            self.modules.setdefault(module, set()).add(path)

    def pytest_sessionfinish(self, session, exitstatus):
        self._saw(swapped_now())
        record = {
            "exitstatus": int(exitstatus),
            "outcomes": self.outcomes,
            "messages": self.messages,
            "internal_modules": {m: sorted(paths) for m, paths in sorted(self.modules.items())},
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
