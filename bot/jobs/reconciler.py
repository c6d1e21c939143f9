"""The reconciler: work whose webhook never arrived, or whose worker died, found again.

It asks GitHub, not its own memory: open issues labelled `integration-request` (or
`flow-failure`) with no open pull request on the app's branch get the generate (or repair) job a
webhook would have made, and commands and change-requesting reviews on the app's pull requests
that the app never answered get their job, and so does a maintainer's `/approve` on an issue
whose last job was refused — each with the trigger the webhook would have used,
so nothing is made twice; jobs left running by a worker that died (their lease expired), or
queued long ago and never run, are put back on the queue. It runs when the app starts and then
periodically on the queue.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from githubkit import AppAuthStrategy, GitHub
from githubkit_schemas.latest.models import Issue, IssueComment, PullRequestReview, SimpleUser
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot.github.client import InstallationClient, installation_client
from bot.github.git import branch_prefix
from bot.github.issues import Repo
from bot.github.labels import FAILURE_LABEL, INTENT_LABEL
from bot.jobs.job_queue import UNLOCKED_KINDS, JobQueue
from bot.jobs.rules import DEFAULT_TRUSTED_BOTS, Rules, Sender, admit
from bot.store import LIVE, Delivery, Job, JobState
from bot.web.installations import active_repositories, inactive_repositories
from bot.web.routing import (
    JobKind,
    JobRequest,
    approval_request,
    command_request,
    commands,
    new_job,
    review_request,
)

EDIT_TOLERANCE = timedelta(seconds=1)
"""A comment whose `updated_at` is later than this after its `created_at` was edited."""
STALE_AFTER = timedelta(minutes=30)
"""A job queued this long, or running this long without a lease (a cancel, a help), without an
update lost its message or its worker; a job with a lease is judged by the lease."""


@dataclass
class Reconciled:
    """What one pass found and did."""

    created: list[int] = field(default_factory=list)
    requeued: list[int] = field(default_factory=list)


def reconcile(queue: JobQueue, github: GitHub[AppAuthStrategy], *, app_login: str,
              stale_after: timedelta = STALE_AFTER,
              trusted_bots: frozenset[str] = DEFAULT_TRUSTED_BOTS) -> Reconciled:
    """One pass over every repository the app is installed on or has heard from; what it finds
    becomes a job only if `bot.jobs.rules.admit` — the webhook path's rules — lets it."""
    done = Reconciled()
    rules = Rules(app_login, trusted_bots)
    for repository, installation_id in _repositories(queue).items():
        owner, name = repository.split("/", 1)
        repo = Repo(owner, name)
        gh = installation_client(github, installation_id)
        base = {"repository": repository, "installation_id": installation_id}
        pulls = gh.rest.pulls.list(owner, name, state="open", per_page=100).parsed_data
        branches = {pull.head.ref for pull in pulls}
        wanted = [*_unanswered_issues(gh, repo, branches, base, rules),
                  *_missed_approvals(gh, repo, _refused_last(queue, repository), base, rules),
                  *(request for pull in pulls if pull.user is not None
                    and pull.user.login == app_login
                    for request in _unanswered_steering(gh, repo, pull.number, pull.head.ref,
                                                        rules, base))]
        for request in wanted:
            job_id = _missing_job(queue, request)
            if job_id is not None:
                queue.enqueue(job_id)
                done.created.append(job_id)
    done.requeued = _requeue_dead(queue, stale_after)
    for job_id in done.requeued:
        queue.enqueue(job_id)
    return done


def _requeue_dead(queue: JobQueue, stale_after: timedelta) -> list[int]:
    """Put back on the queue the jobs whose worker died, and those whose message was lost.

    A running job that holds a lease is alive exactly while its lease is renewed: it is
    requeued once the lease has expired, however long it has been running. A running job that
    holds none (`job_queue.UNLOCKED_KINDS`), or a job queued for `stale_after` (a power cut can
    drop the last enqueues), is requeued after `stale_after` without an update. A second message
    for a job that then runs anyway finds it finished, or waits for its branch's lease."""
    now = datetime.now(UTC)
    with queue.sessions() as session:
        candidates = [(job.id, job.kind, job.state, job.updated_at) for job in session.scalars(
            select(Job).where(Job.state.in_(LIVE)))]
    live = queue.leases.live_jobs()  # read after the jobs: a job that ended meanwhile is
    requeued = []                    # no longer running, and the guarded update skips it
    for job_id, kind, state, updated in candidates:
        updated = _aware(updated)
        leased = state == JobState.RUNNING and kind not in UNLOCKED_KINDS
        dead = job_id not in live if leased else updated < now - stale_after
        if not dead:
            continue
        with queue.sessions.begin() as session:
            moved = session.execute(update(Job).where(Job.id == job_id, Job.state == state)
                                    .values(state=JobState.QUEUED.value, updated_at=now))
            if moved.rowcount:  # type: ignore[attr-defined]  # a CursorResult
                requeued.append(job_id)
    return requeued


def _unanswered_issues(gh: InstallationClient, repo: Repo, branches: set[str],
                       base: dict[str, Any], rules: Rules) -> Iterator[JobRequest]:
    """Open intent and failure issues with no pull request on the app's branch."""
    kinds: tuple[tuple[str, JobKind], ...] = ((INTENT_LABEL, "generate"),
                                              (FAILURE_LABEL, "repair"))
    for label, kind in kinds:
        issues: Iterator[Issue] = gh.rest.paginate(
            gh.rest.issues.list_for_repo, owner=repo.owner, repo=repo.name, labels=label,
            state="open", per_page=100)
        for issue in issues:
            if issue.pull_request or any(b.startswith(branch_prefix(issue.number))
                                         for b in branches):
                continue
            author = _sender(issue.user)
            if admit(kind, author, rules) is None:
                yield JobRequest(kind, number=issue.number,
                                 trigger=f"issue:{issue.number}:{kind}", sender=author.login,
                                 **base)


def _refused_last(queue: JobQueue, repository: str) -> dict[int, datetime]:
    """The issues whose latest job was refused, with when that job was made: the work a missed
    `/approve` may be waiting to start."""
    with queue.sessions() as session:
        jobs = session.scalars(select(Job).where(Job.repository == repository)
                               .order_by(Job.id)).all()
        latest = {job.number: job for job in jobs}
    # GitHub's times are whole seconds: a comment in the refused job's second counts as after it
    return {number: _aware(job.created_at).replace(microsecond=0)
            for number, job in latest.items() if job.state == JobState.REFUSED}


def _missed_approvals(gh: InstallationClient, repo: Repo, refused: dict[int, datetime],
                      base: dict[str, Any], rules: Rules) -> Iterator[JobRequest]:
    """`/approve` comments on open intent and failure issues whose last job was refused, posted
    after that refusal: the first one becomes the approval job the webhook would have made (its
    trigger is the comment's, so it is made once; once made, it is the issue's latest job)."""
    for number, since in refused.items():
        issue = gh.rest.issues.get(repo.owner, repo.name, number).parsed_data
        labels = {label if isinstance(label, str) else label.name for label in issue.labels}
        kind: JobKind | None = ("generate" if INTENT_LABEL in labels
                                else "repair" if FAILURE_LABEL in labels else None)
        if kind is None or issue.state != "open" or issue.pull_request:
            continue
        comments: Iterator[IssueComment] = gh.rest.paginate(
            gh.rest.issues.list_comments, owner=repo.owner, repo=repo.name, issue_number=number,
            per_page=100)
        for comment in comments:
            found = commands(comment.body if isinstance(comment.body, str) else None)
            author = _sender(comment.user)
            if (found and found[0][0] == "approve" and comment.created_at >= since
                    and admit(kind, author, rules,
                              edited=_edited(comment.created_at, comment.updated_at)) is None):
                yield approval_request(kind, comment_id=comment.id, number=number,
                                       base={**base, "sender": author.login})
                break


def _aware(when: datetime) -> datetime:
    """A stored time as UTC (SQLite gives it back without its zone)."""
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _sender(user: SimpleUser | None) -> Sender:
    return Sender(user.login, user.type) if user is not None else Sender("")


def _edited(created: datetime, updated: datetime | None) -> bool:
    """Whether a comment was edited after it was posted (GitHub moves `updated_at`)."""
    return updated is not None and updated - created > EDIT_TOLERANCE


def _unanswered_steering(gh: InstallationClient, repo: Repo, number: int, branch: str,
                         rules: Rules, base: dict[str, Any]) -> Iterator[JobRequest]:
    """Commands and change-requesting reviews on one of the app's pull requests that the app has
    not answered: no comment of the app's came after them (a job that ran always replies)."""
    comments: list[IssueComment] = list(gh.rest.paginate(
        gh.rest.issues.list_comments, owner=repo.owner, repo=repo.name, issue_number=number,
        per_page=100))
    answered = max((c.created_at for c in comments if c.user and c.user.login == rules.app_login),
                   default=None)

    def unanswered(when: datetime | None) -> bool:
        return when is not None and (answered is None or when > answered)

    for comment in comments:
        author = _sender(comment.user)
        found = commands(comment.body if isinstance(comment.body, str) else None)
        if not found or not unanswered(comment.created_at):
            continue
        name, text = found[0]
        request = command_request(name, text, comment_id=comment.id, number=number,
                                  base={**base, "sender": author.login})
        if admit(request.kind, author, rules,
                 edited=_edited(comment.created_at, comment.updated_at)) is None:
            yield request
    reviews: Iterator[PullRequestReview] = gh.rest.paginate(
        gh.rest.pulls.list_reviews, owner=repo.owner, repo=repo.name, pull_number=number,
        per_page=100)
    for review in reviews:
        author = _sender(review.user)
        if review.state == "CHANGES_REQUESTED" and unanswered(review.submitted_at or None) \
                and admit("revise", author, rules) is None:
            yield review_request(review.id, review.body, number=number, branch=branch,
                                 base={**base, "sender": author.login})


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


def _missing_job(queue: JobQueue, request: JobRequest) -> int | None:
    """Store the job the webhook would have made, unless there is one already."""
    try:
        with queue.sessions.begin() as session:
            job = new_job(request)
            job.request = {**job.request, "reconciled": True}
            session.add(job)
            session.flush()
            return job.id
    except IntegrityError:
        return None  # a job for it exists: live, finished or failed — not made twice
