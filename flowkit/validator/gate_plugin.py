"""The gate's pytest plugin, loaded inside the sandbox (`-p flowkit.validator.gate_plugin`).

It turns on the second runs (`flowkit.second_run`), notes every test that did not simply pass
or fail — skipped, xfailed, xpassed — and, at the end, reports how often each unit of the flow
did its work in the tests (counted by `FlowTest`, not by the flow's own code) and what the
second runs wrote again. Both leave the sandbox as one line on stdout, after everything the tests
printed, for `stage_sandbox` to judge.
"""

from __future__ import annotations

import json

import pytest

from flowkit import second_run
from flowkit.testing import exercised

REPORT_PREFIX = "FLOWBOT-GATE-REPORT "
"""Starts the plugin's line; `stage_sandbox` reads the last such line."""

_unusual: list[dict[str, str]] = []


def pytest_configure() -> None:
    """Every FlowTest that ran its flow runs it a second time at its end (`flowkit.second_run`)."""
    second_run.enable()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Note a test that was skipped, xfailed or xpassed, with pytest's reason."""
    xfail = getattr(report, "wasxfail", None)
    if report.skipped and xfail is not None:
        kind = "xfailed"
    elif report.skipped:
        kind = "skipped"
    elif report.passed and xfail is not None:
        kind = "xpassed"
    else:
        return
    reason = xfail if xfail is not None else str(report.longrepr[-1]) \
        if isinstance(report.longrepr, tuple) else str(report.longrepr or "")
    _unusual.append({"test": report.nodeid, "kind": kind, "reason": reason})


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the report line: the unusual tests and the units' counts."""
    report = {"unusual": _unusual, "exercised": exercised(), "rewrites": second_run.rewrites()}
    terminalreporter.write_line(REPORT_PREFIX + json.dumps(report))
