"""Which deliveries start which jobs: pure decisions on the payload, no I/O.

The rules people rely on: a labelled intent issue starts a generate job; a `flow-failure` issue a
repair; on the app's own pull requests a command (`/revise …`, `/retry`, `/cancel`, `/help`) or
a review that requests changes steers a revise job; `/approve` on an intent or failure issue is
a maintainer's approval of an outsider's request. A command is the first line of a paragraph at
the top level of a comment, as a CommonMark parser reads it: nothing in code (``` or ~~~ fences
of any length, indented code), HTML comments, block quotes (lazy continuation lines included),
lists, or later lines of a paragraph. Who may start work — bots, edited comments — is
`bot.jobs.rules.admit`, which the reconciler asks too; whether the sender may ask (write
permission or better, or an approved issue) is checked by the job, through the API, before
anything happens. `new_job` (`job_values` for a bulk insert) turns a request into its stored job.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from markdown_it import MarkdownIt

from bot.github.labels import FAILURE_LABEL, INTENT_LABEL, WAITING_LABEL
from bot.jobs.rules import DEFAULT_TRUSTED_BOTS, Rules, Sender, admit
from bot.store import Job

JobKind = Literal["generate", "repair", "revise", "retry", "cancel", "help", "resume"]
_COMMAND_JOBS: dict[str, JobKind] = {"revise": "revise", "retry": "retry", "cancel": "cancel",
                                     "help": "help"}
"""Comment commands and their jobs; any other `/word` gets the help text."""

_COMMAND = re.compile(r"^/(?P<name>[a-z][a-z-]*)(?:[ \t]+(?P<text>.*))?$")
_MAYBE_COMMAND = re.compile(r"^ {0,3}/[a-z]", re.MULTILINE)
"""A line that could be a top-level paragraph's first line holding a command."""
_MARKDOWN = MarkdownIt("commonmark")


@dataclass(frozen=True)
class JobRequest:
    """A job a delivery asks for."""

    kind: JobKind
    repository: str
    number: int
    """The issue or pull request it is about."""
    sender: str
    trigger: str
    """What started it, unique per request: `issue:12:labeled`, `comment:987`, `review:55`."""
    installation_id: int | None = None
    text: str = ""
    """The command's text (`/revise <text>`), or the review's body."""
    details: dict[str, Any] = field(default_factory=dict)


def job_values(request: JobRequest, *, delivery_id: str | None = None) -> dict[str, Any]:
    """The columns of the stored job for a request (its trigger keeps it from being stored
    twice)."""
    return {"kind": request.kind, "repository": request.repository, "number": request.number,
            "trigger": request.trigger, "sender": request.sender,
            "installation_id": request.installation_id, "delivery_id": delivery_id,
            "request": {"text": request.text, **request.details}}


def new_job(request: JobRequest, *, delivery_id: str | None = None) -> Job:
    """The stored job for a request."""
    return Job(**job_values(request, delivery_id=delivery_id))


def review_request(review_id: int, body: str, *, number: int, branch: str | None,
                   base: dict[str, Any]) -> JobRequest:
    """The revise job a review that requests changes asks for (on the pull request's `branch`,
    when known)."""
    details: dict[str, Any] = {"review_id": review_id}
    if branch:
        details["branch"] = branch
    return JobRequest("revise", number=number, trigger=f"review:{review_id}", text=body,
                      details=details, **base)


def command_request(kind_of: str, text: str, *, comment_id: int, number: int,
                    base: dict[str, Any]) -> JobRequest:
    """The job a comment command asks for (an unknown command asks for the help)."""
    job: JobKind = _COMMAND_JOBS.get(kind_of, "help")
    return JobRequest(job, number=number, trigger=f"comment:{comment_id}", text=text,
                      details={"comment_id": comment_id, "command": kind_of}, **base)


@dataclass(frozen=True)
class Ignored:
    """Why a delivery starts nothing (logged with the delivery id)."""

    reason: str


def commands(body: str | None) -> list[tuple[str, str]]:
    """The commands of a comment: `/name text` as the first line of a top-level paragraph."""
    found: list[tuple[str, str]] = []
    if not _MAYBE_COMMAND.search(body or ""):
        return found  # no line could open a paragraph with a command: no need to parse
    tokens = _MARKDOWN.parse(body or "")
    for opening, inline in itertools.pairwise(tokens):
        if opening.type != "paragraph_open" or opening.level != 0 or inline.type != "inline":
            continue
        match = _COMMAND.match(inline.content.partition("\n")[0].rstrip())
        if match:
            found.append((match["name"], (match["text"] or "").strip()))
    return found


def _labels(issue: dict[str, Any]) -> set[str]:
    return {label.get("name", "") for label in issue.get("labels") or [] if isinstance(label, dict)}


def _sender(payload: dict[str, Any]) -> Sender:
    sender = payload.get("sender") or {}
    return Sender(str(sender.get("login") or ""), sender.get("type"))


def route(event: str, payload: dict[str, Any], *, app_login: str,
          trusted_bots: frozenset[str] = DEFAULT_TRUSTED_BOTS) -> list[JobRequest] | Ignored:
    """The jobs a delivery asks for, or why it asks for none (each checked by
    `bot.jobs.rules.admit`, as the reconciler checks what it finds)."""
    rules = Rules(app_login, trusted_bots)
    decision = _requests(event, payload, app_login)
    if isinstance(decision, Ignored):
        return decision
    sender = _sender(payload)
    edited = event == "issue_comment" and payload.get("action") == "edited"
    for request in decision:
        why = admit(request.kind, sender, rules, edited=edited)
        if why is not None:
            return Ignored(why)
    return decision


def _requests(event: str, payload: dict[str, Any], app_login: str) -> list[JobRequest] | Ignored:
    """The jobs a delivery would ask for, before the rules on who sent it."""
    repository = (payload.get("repository") or {}).get("full_name")
    sender = (payload.get("sender") or {}).get("login", "")
    installation = (payload.get("installation") or {}).get("id")
    action = payload.get("action")
    if not repository:
        return Ignored(f"{event} has no repository")
    base = {"repository": repository, "sender": sender, "installation_id": installation}
    if event == "issues" and action in ("opened", "labeled"):
        return _issue(payload, action, base)
    if event == "issue_comment" and action in ("created", "edited"):
        return _comment(payload, base, app_login)
    if event == "pull_request_review" and action == "submitted":
        review = payload.get("review") or {}
        pull = payload.get("pull_request") or {}
        if (pull.get("user") or {}).get("login") != app_login:
            return Ignored("a review on someone else's pull request")
        if review.get("state") != "changes_requested":
            return Ignored(f"a review that is {review.get('state')}, not changes requested")
        head = (pull.get("head") or {}).get("ref")
        return [review_request(review["id"], review.get("body") or "", number=pull["number"],
                               branch=head if isinstance(head, str) else None, base=base)]
    return Ignored(f"{event}.{action} starts nothing")


def _issue(payload: dict[str, Any], action: str,
           base: dict[str, Any]) -> list[JobRequest] | Ignored:
    issue = payload.get("issue") or {}
    if issue.get("pull_request"):
        return Ignored("a pull request, not an issue")
    labels = _labels(issue)
    added = (payload.get("label") or {}).get("name") if action == "labeled" else None
    pairs: tuple[tuple[str, JobKind], ...] = ((INTENT_LABEL, "generate"),
                                              (FAILURE_LABEL, "repair"))
    for label, kind in pairs:
        if (action == "opened" and label in labels) or added == label:
            return [JobRequest(kind, number=issue["number"],
                               trigger=f"issue:{issue['number']}:{kind}", **base)]
    return Ignored("no integration-request or flow-failure label")


def _issue_kind(issue: dict[str, Any]) -> JobKind | None:
    """The work an issue's labels ask for: generate, repair, or none."""
    labels = _labels(issue)
    return "generate" if INTENT_LABEL in labels else "repair" if FAILURE_LABEL in labels else None


def approval_request(kind: JobKind, *, comment_id: int, number: int,
                     base: dict[str, Any]) -> JobRequest:
    """`/approve` on an intent or failure issue: the work it asks for, by the approver."""
    return JobRequest(kind, number=number, trigger=f"comment:{comment_id}",
                      details={"comment_id": comment_id, "command": "approve"}, **base)


def _comment(payload: dict[str, Any], base: dict[str, Any],
             app_login: str) -> list[JobRequest] | Ignored:
    issue = payload.get("issue") or {}
    comment = payload.get("comment") or {}
    number = int(issue.get("number") or 0)
    found = commands(comment.get("body"))
    on_app_pull = bool(issue.get("pull_request")) and (issue.get("user") or {}).get(
        "login") == app_login
    if found and on_app_pull:
        name, text = found[0]
        return [command_request(name, text, comment_id=comment["id"], number=number,
                                base=base)]
    kind = _issue_kind(issue)
    if found and found[0][0] == "approve" and not issue.get("pull_request") and kind:
        return [approval_request(kind, comment_id=comment["id"], number=number, base=base)]
    if not issue.get("pull_request") and WAITING_LABEL in _labels(issue):
        return [JobRequest("resume", number=number, trigger=f"comment:{comment['id']}",
                           text=comment.get("body") or "",
                           details={"comment_id": comment["id"]}, **base)]
    if found:
        return Ignored("a command on a pull request the app did not open")
    return Ignored("a comment with no command")
