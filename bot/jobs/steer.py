"""`/cancel` and `/retry` on the app's pull requests: stop the work in progress, or run the
last job that failed again.

Both look at the jobs of the pull request and of the issue it answers (the number in the app's
branch, `flowbot/<issue>-…`). A cancel marks the live jobs cancelled in the store; a running
job sees that before its next model call and stops (see `JobContext.checkpoint_for`). A cancel does
not wait for the branch's lease, or it would wait for the very job it is meant to stop.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.github.client import InstallationClient
from bot.github.git import issue_of_branch
from bot.github.issues import Repo, comment, react_to_comment
from bot.jobs.context import JobContext, refused
from bot.store import LIVE, Job, JobState

STEERING = ("cancel", "retry", "help")
"""Job kinds that steer others: never cancelled or retried themselves."""


def _numbers(gh: InstallationClient, repo: Repo, number: int) -> list[int]:
    """The pull request's number and, when it is on an app branch, its issue's."""
    issue = issue_of_branch(gh.rest.pulls.get(repo.owner, repo.name, number).parsed_data.head.ref)
    return [number] if issue is None else [number, issue]


def _steering(job: Job, context: JobContext,
              verb: str) -> tuple[InstallationClient, Repo, list[int]] | None:
    """The client, the repository and the numbers the command is about; None (after a polite
    reply) when the sender may not steer."""
    gh, repo = context.client_for(job)
    if refused(gh, repo, job, f"{verb} flowbot's work", context):
        return None
    return gh, repo, _numbers(gh, repo, job.number)


def _acknowledge(gh: InstallationClient, repo: Repo, job: Job, text: str) -> None:
    comment(gh, repo, job.number, text)
    if job.request.get("comment_id") is not None:
        react_to_comment(gh, repo, int(job.request["comment_id"]), "+1")


def cancel(job: Job, context: JobContext) -> JobState:
    """Mark the live jobs of this pull request and its issue cancelled, and say which."""
    asked = _steering(job, context, "cancel")
    if asked is None:
        return JobState.REFUSED
    gh, repo, numbers = asked
    with context.sessions.begin() as session:
        live = list(session.scalars(select(Job).where(
            Job.repository == job.repository, Job.number.in_(numbers), Job.state.in_(LIVE),
            Job.kind.not_in(STEERING), Job.id != job.id).order_by(Job.id)))
        for target in live:
            target.state, target.error = JobState.CANCELLED.value, f"cancelled by @{job.sender}"
        stopped = [f"the {target.kind} job (#{target.id})" for target in live]
    _acknowledge(gh, repo, job, f"Cancelled {', '.join(stopped)}; a running job stops before "
                                "its next step. `/retry` starts it again." if stopped else
                 "Nothing to cancel: no flowbot job is queued or running here.")
    return JobState.SUCCEEDED


def retry(job: Job, context: JobContext) -> JobState:
    """Run the last job of this pull request or its issue again, if it failed or was
    cancelled; say what happened."""
    asked = _steering(job, context, "retry")
    if asked is None:
        return JobState.REFUSED
    gh, repo, numbers = asked
    with context.sessions.begin() as session:
        last = session.scalars(select(Job).where(
            Job.repository == job.repository, Job.number.in_(numbers),
            Job.kind.not_in(STEERING), Job.state != JobState.REFUSED.value)
            .order_by(Job.id.desc()).limit(1)).first()
        if last is None or last.state not in (JobState.FAILED.value,
                                              JobState.CANCELLED.value):
            reply = ("Nothing to retry: flowbot has run no job here." if last is None else
                     f"Nothing to retry: the last job, {last.kind} (#{last.id}), is "
                     f"{last.state}. `/revise <what to change>` asks for a change.")
            again = None
        else:
            trigger = f"retry:{job.trigger}"  # the same command never retries twice
            again = session.scalars(select(Job).where(Job.trigger == trigger)).first()
            if again is None:
                again = Job(kind=last.kind, repository=last.repository, number=last.number,
                            trigger=trigger, sender=job.sender,
                            installation_id=job.installation_id, request=dict(last.request),
                            delivery_id=job.delivery_id)
                session.add(again)
                session.flush()
            reply = f"Retrying the {last.kind} job (#{last.id}) as job #{again.id}."
        queued = again.id if again is not None and again.state == JobState.QUEUED else None
    if queued is not None:
        context.enqueue(queued)
    _acknowledge(gh, repo, job, reply)
    return JobState.SUCCEEDED
