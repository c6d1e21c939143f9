"""Who may start work, one set of rules for every path work comes from.

`admit` is the one decision, with no I/O, on whether a request (an issue, a command, a review)
may become a job at all: the webhook path (`bot.web.routing.route`) and the reconciler
(`bot.jobs.reconciler`) both ask it, with what they know of the sender. Bots never start
work, except the app itself and the trusted bots (`FLOWBOT_TRUSTED_BOTS`, default
`github-actions[bot]`) and only for `flow-failure` reports; an edited comment never starts
work (a comment edited into `/revise` is not a request anyone saw being made).

`authorise` is the check every job makes before it does anything, whichever path made it: the
sender has write access or more, or is a trusted bot on a repair, or is the author of an issue
a maintainer approved (by re-labelling it, or with `/approve`). A refusal is one polite reply
that says how to get approval.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.github.client import InstallationClient
from bot.github.issues import Repo, comment, permission_of
from bot.github.labels import FAILURE_LABEL, INTENT_LABEL
from bot.store import Approval, Job

WRITERS = ("admin", "maintain", "write")
DEFAULT_TRUSTED_BOTS = frozenset({"github-actions[bot]"})
"""Bots whose `flow-failure` reports are repaired (besides the app's own)."""
REPORT_KINDS = ("repair",)
"""The only kinds of work a trusted bot can start: repairs of the failures it reports."""


@dataclass(frozen=True)
class Sender:
    """Who sent a request, as GitHub describes them."""

    login: str
    type: str | None = None
    """`User`, `Bot` or `Organization` (GitHub's account type)."""

    @property
    def is_bot(self) -> bool:
        """A bot account: by its type, or by GitHub's `[bot]` login suffix."""
        return self.type == "Bot" or self.login.endswith("[bot]")


@dataclass(frozen=True)
class Rules:
    """What the rules need to know about this installation."""

    app_login: str
    trusted_bots: frozenset[str] = DEFAULT_TRUSTED_BOTS


def admit(kind: str, sender: Sender, rules: Rules, *, edited: bool = False) -> str | None:
    """None when a request of `kind` from `sender` may become a job; else why not."""
    if not sender.login:
        return "no sender"
    if edited:
        return "an edited comment starts nothing (post the command as a new comment)"
    if sender.is_bot:
        trusted = sender.login == rules.app_login or sender.login in rules.trusted_bots
        if not (trusted and kind in REPORT_KINDS):
            return "sent by a bot"
    return None


def approval_hint(kind: str) -> str:
    """How the author of an outsider's request gets it approved."""
    label = FAILURE_LABEL if kind == "repair" else INTENT_LABEL
    return (f"A maintainer can approve this request by commenting `/approve` on the issue or by "
            f"adding the `{label}` label again; after that flowbot works on it and accepts the "
            "author's answers to its questions.")


def authorise(gh: InstallationClient, repo: Repo, job: Job, what: str, rules: Rules,
              sessions: sessionmaker[Session], *, issue_author: str | None = None) -> bool:
    """Whether the job may go on; False after one polite reply that says how to get approval.

    Write access or more may ask for anything (and approves the issue it asks on); a trusted bot
    may ask for a repair; the author of an issue a maintainer approved may answer its questions.
    """
    if job.kind in REPORT_KINDS and (job.sender == rules.app_login
                                     or job.sender in rules.trusted_bots):
        return True
    if permission_of(gh, repo, job.sender) in WRITERS:
        if job.kind in ("generate", "repair"):
            _approve(sessions, job)
        return True
    if issue_author is not None and job.sender == issue_author and approved(
            sessions, job.repository, job.number):
        return True
    comment(gh, repo, job.number, f"@{job.sender} thanks — only people with write access to "
                                  f"this repository can {what}. {approval_hint(job.kind)}")
    return False


def approved(sessions: sessionmaker[Session], repository: str, number: int) -> bool:
    """Whether a maintainer has approved work on the issue."""
    with sessions() as session:
        return session.get(Approval, (repository, number)) is not None


def _approve(sessions: sessionmaker[Session], job: Job) -> None:
    """Record that someone with write access asked for work on this issue."""
    try:
        with sessions.begin() as session:
            if session.get(Approval, (job.repository, job.number)) is None:
                session.add(Approval(repository=job.repository, number=job.number,
                                     approved_by=job.sender))
    except IntegrityError:
        pass  # another job recorded it at the same moment
