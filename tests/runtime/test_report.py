"""The failure report's block survives a round trip through an issue body, edits included."""

from __future__ import annotations

import pytest

from flowkit.runtime.report import (
    BLOCK_START,
    FailureError,
    FailureReport,
    ReportUnreadable,
    parse_failure_report,
    render_failure_report,
)

REPORT = FailureReport(flow="stripe-customers-to-hubspot-contacts", version="0123abcd" * 5,
                       step="to_contact",
                       error=FailureError(type="ValueError",
                                          message="not enough values to unpack"),
                       packet={"id": "cus_cher", "email": "[redacted]", "name": "Cher"},
                       packet_key="cus_cher", failure_id=7, run_id="r1")


def test_a_rendered_report_parses_back_whole() -> None:
    body = render_failure_report(REPORT, traceback="Traceback (most recent call last): …")

    assert parse_failure_report(body) == REPORT
    assert "**ValueError**: not enough values to unpack" in body


def test_edits_around_the_block_do_not_matter() -> None:
    body = "Seen in production twice.\n\n" + render_failure_report(REPORT).replace(
        "flowbot will reproduce", "(edited) flowbot will reproduce") + "\n\nThanks!"

    assert parse_failure_report(body) == REPORT


@pytest.mark.parametrize(("body", "says"), [
    (None, "no failure report block"),
    ("the flow broke, please fix", "no failure report block"),
    (render_failure_report(REPORT).replace('"step"', '"step'), "not valid JSON"),
    (render_failure_report(REPORT).replace('"step": "to_contact",', ""), "step"),
])
def test_a_missing_or_broken_block_is_a_clear_error(body: str | None, says: str) -> None:
    with pytest.raises(ReportUnreadable, match=says):
        parse_failure_report(body)


def test_the_block_is_marked_for_the_app() -> None:
    assert BLOCK_START in render_failure_report(REPORT)
