"""Failure reports: the `flow-failure` issue the runtime files, and how the app reads it back.

The body is written for people first — what failed, where, the error — and carries one
machine-readable block between markers: flow, version, step, error and the packet (with the
spec's sensitive fields already redacted). The app parses only that block, so edits around it do
no harm, and a body without it gets a clear error instead of a guess.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

BLOCK_START = "<!-- flowbot:failure v1 -->"
BLOCK_END = "<!-- /flowbot:failure -->"
_BLOCK = re.compile(re.escape(BLOCK_START) + r"\s*```json\s*\n(?P<json>.*?)\n```\s*"
                    + re.escape(BLOCK_END), re.DOTALL)


class FailureError(BaseModel):
    """The error a packet met."""

    model_config = ConfigDict(extra="forbid")

    type: str
    message: str


class FailureReport(BaseModel):
    """The machine-readable part of a `flow-failure` issue."""

    model_config = ConfigDict(extra="forbid")

    flow: str = Field(pattern=r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
    version: str
    step: str
    error: FailureError
    packet: dict[str, Any]
    packet_key: str
    failure_id: int | None = None
    run_id: str | None = None


class ReportUnreadable(ValueError):
    """An issue body without a readable failure block; the message says what to paste."""


def render_failure_report(report: FailureReport, *, traceback: str = "") -> str:
    """The issue body: a readable summary, the traceback folded away, then the block."""
    block = json.dumps(report.model_dump(mode="json"), indent=2, sort_keys=True)
    version = report.version[:12]
    lines = [f"The flow **{report.flow}** (version `{version}`) failed on packet "
             f"`{report.packet_key}` in step `{report.step}`:", "",
             f"> **{report.error.type}**: {report.error.message[:500]}", "",
             "flowbot will reproduce the failure from the packet below, add a regression test "
             "and open a repair pull request.", ""]
    if traceback:
        lines += ["<details><summary>Traceback</summary>", "", "```text",
                  traceback.strip()[-4000:], "```", "", "</details>", ""]
    lines += ["### Failure report", "", BLOCK_START, "```json", block, "```", BLOCK_END]
    return "\n".join(lines)


def parse_failure_report(body: str | None) -> FailureReport:
    """The failure block of an issue body; `ReportUnreadable` when it is missing or broken."""
    match = _BLOCK.search(body or "")
    if match is None:
        raise ReportUnreadable("the issue has no failure report block: paste the output of "
                               f"`flowbot failures show ID --report` (it starts with "
                               f"{BLOCK_START})")
    try:
        return FailureReport.model_validate(json.loads(match.group("json")))
    except json.JSONDecodeError as error:
        raise ReportUnreadable(f"the failure report block is not valid JSON (line "
                               f"{error.lineno}: {error.msg})") from None
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'report'}: {e['msg']}"
                             for e in error.errors())
        raise ReportUnreadable(f"the failure report block is incomplete: {problems}") from None
