"""The reconciler: work whose webhook never arrived, or whose worker died, found again.

It asks GitHub, not its own memory: open issues labelled `integration-request` with no open
pull request on the app's branch and no live job get a generate job (the same trigger a webhook
would have made, so it can never be made twice); jobs left running by a worker that died are
put back on the queue. It runs when the app starts and then periodically on the queue.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from githubkit import AppAuthStrategy, GitHub
from githubkit_schemas.latest.models import Issue
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.events import INTENT_LABEL
from bot.github_api import installation_client
from bot.installations import active_repositories, inactive_repositories
from bot.issue_ops import Repo
from bot.queue import JobQueue
from bot.store import Delivery, Job, JobState

STALE_AFTER = timedelta(minutes=30)
"""A job running this long without an update belongs to a worker that died."""


@dataclass
class Reconciled:
    """What one pass found and did."""

    created: list[int] = field(default_factory=list)
    requeued: list[int] = field(default_factory=list)


def reconcile(queue: JobQueue, github: GitHub[AppAuthStrategy], *,
              stale_after: timedelta = STALE_AFTER) -> Reconciled:
    """One pass over every repository the app is installed on or has heard from."""
    done = Reconciled()
    for repository, installation_id in _repositories(queue).items():
        owner, name = repository.split("/", 1)
        gh = installation_client(github, installation_id)
        issues: Iterator[Issue] = gh.rest.paginate(
            gh.rest.issues.list_for_repo, owner=owner, repo=name, labels=INTENT_LABEL,
            state="open", per_page=100)
        branches = {pull.head.ref for pull in gh.rest.pulls.list(
            owner, name, state="open", per_page=100).parsed_data}
        for issue in issues:
            if issue.pull_request or any(b.startswith(f"flowbot/{issue.number}-")
                                         for b in branches):
                continue
            job_id = _missing_job(queue, Repo(owner, name), issue, installation_id)
            if job_id is not None:
                queue.enqueue(job_id)
                done.created.append(job_id)
    cutoff = datetime.now(UTC) - stale_after
    with queue.sessions.begin() as session:
        stale = list(session.scalars(select(Job).where(Job.state == JobState.RUNNING.value)))
        for job in stale:
            updated = job.updated_at if job.updated_at.tzinfo else job.updated_at.replace(
                tzinfo=UTC)
            if updated < cutoff:
                job.state = JobState.QUEUED.value
                done.requeued.append(job.id)
    for job_id in done.requeued:
        queue.enqueue(job_id)
    return done


def _repositories(queue: JobQueue) -> dict[str, int]:
    """Where to look: the repositories the app is installed on (from installation events), and
    those it has had deliveries from — an app installed before this store existed has heard no
    installation event — less those it was removed from."""
    with queue.sessions() as session:
        heard = session.execute(
            select(Delivery.repository, Delivery.installation_id).where(
                Delivery.repository.is_not(None), Delivery.installation_id.is_not(None))
            .distinct()).all()
        installed = active_repositories(session)
        removed = inactive_repositories(session)
    found = {str(repository): int(installation) for repository, installation in heard
             if repository is not None and installation is not None
             and repository not in removed}
    return {**found, **installed}


def _missing_job(queue: JobQueue, repo: Repo, issue: Issue, installation_id: int) -> int | None:
    """Store the generate job the webhook would have made, unless there is one already."""
    author = issue.user.login if issue.user else ""
    try:
        with queue.sessions.begin() as session:
            job = Job(kind="generate", repository=repo.full_name, number=issue.number,
                      trigger=f"issue:{issue.number}:generate", sender=author,
                      installation_id=installation_id, request={"reconciled": True})
            session.add(job)
            session.flush()
            return job.id
    except IntegrityError:
        return None  # a job for it exists: live, finished or failed — not made twice
