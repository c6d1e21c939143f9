"""The gate's pytest plugin, loaded inside the sandbox (`-p flowkit.validator.gate_plugin`).

It turns on the second runs (`flowkit.second_run`), notes every test that did not simply pass
or fail — skipped, xfailed, xpassed —, notes for each failed test the packets that ended bad or
failed while it ran (so the author learns which packet stopped in which unit, and why), and, at
the end, reports how often each unit of the flow did its work in the tests (counted by
`FlowTest`, not by the flow's own code) and what the second runs wrote again. All of it leaves
the sandbox as one line on stdout, after everything the tests printed, for `stage_sandbox` to
judge.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from typing import Any

import pytest

from flowkit import second_run
from flowkit.testing import exercised, stopped_packets

REPORT_PREFIX = "FLOWBOT-GATE-REPORT "
"""Starts the plugin's line, followed by the run's nonce; `stage_sandbox` reads the last such
line that carries the nonce it gave."""
NONCE_VARIABLE = "FLOWBOT_GATE_NONCE"
"""How the gate hands the plugin its nonce; the plugin removes it before tests are imported."""

_nonce = ""

_unusual: list[dict[str, str]] = []
_stopped_in: dict[str, list[dict[str, Any]]] = {}
"""A failed test's id (without its file) -> the packets that ended bad or failed while it ran."""
_first_stopped = 0
"""How many packets had stopped before the current test started."""


def pytest_configure() -> None:
    """Take the run's nonce out of the environment before any test module is imported, and
    make every FlowTest that ran its flow run it a second time at its end
    (`flowkit.second_run`)."""
    global _nonce
    _nonce = os.environ.pop(NONCE_VARIABLE, "")
    second_run.enable()


def pytest_runtest_logstart() -> None:
    """Mark where the packets stopped by the test about to run begin."""
    global _first_stopped
    _first_stopped = len(stopped_packets())


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Note a test that was skipped, xfailed or xpassed, with pytest's reason, and the packets
    a failed test stopped."""
    if report.failed:
        test = report.nodeid.split("::", 1)[-1]
        _stopped_in[test] = [asdict(packet) for packet in stopped_packets()[_first_stopped:]]
        return
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
    """Print the report line: the unusual tests, the units' counts, what the second runs wrote
    again and the packets the failed tests stopped."""
    report = {"unusual": _unusual, "exercised": exercised(), "rewrites": second_run.rewrites(),
              "stopped": _stopped_in}
    terminalreporter.write_line(f"{REPORT_PREFIX}{_nonce} {json.dumps(report)}")
