"""The one status comment a job keeps current on the issue or pull request that started it.

The comment is found again by its hidden marker, never by a remembered id, so a restarted worker
edits the same comment instead of adding a second one. Its text is for people: where the job is,
and when it failed, what happened in words a person can act on.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

MARKER_PREFIX = "<!-- flowbot:status"


def marker(job_kind: str, number: int) -> str:
    """The hidden marker of the status comment for one job kind on one issue or PR."""
    return f"{MARKER_PREFIX} kind={job_kind} number={number} -->"


class Phase(enum.StrEnum):
    """Where a job is, in the order people see them."""

    QUEUED = "queued"
    SPEC = "writing the spec"
    FLOW = "writing the flow"
    GATE = "running the gate"
    TESTING = "testing"
    WAITING = "waiting for answers"
    DONE = "done"
    FAILED = "failed"


_ICONS = {Phase.DONE: "✅", Phase.FAILED: "❌", Phase.WAITING: "❓"}


@dataclass(frozen=True)
class Status:
    """What the status comment says."""

    job_kind: str
    number: int
    phase: Phase
    detail: str = ""
    """One or two sentences: the gate attempt, the PR link, or why it failed and what to do."""
    job_id: str = ""


def render_status(status: Status) -> str:
    """The comment body, marker first."""
    icon = _ICONS.get(status.phase, "⏳")
    lines = [marker(status.job_kind, status.number),
             f"{icon} **flowbot {status.job_kind}**: {status.phase.value}"]
    if status.detail:
        lines += ["", status.detail]
    if status.job_id:
        lines += ["", f"<sub>job {status.job_id} · `/cancel` stops it · `/help` lists the "
                      "commands</sub>"]
    return "\n".join(lines)


def is_status_comment(body: str | None, job_kind: str, number: int) -> bool:
    """Whether a comment body is this job's status comment."""
    return bool(body) and marker(job_kind, number) in (body or "")
