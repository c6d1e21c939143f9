"""The branch a job works on, which is the lease it holds: an issue and its pull request share
one (`flowbot/<issue>-…`), so a `/retry` on the issue and a `/revise` on the pull request never
run at once."""

from __future__ import annotations

from collections.abc import Callable

from githubkit import AppAuthStrategy, GitHub
from sqlalchemy.orm import Session, sessionmaker

from bot.github.client import installation_client
from bot.jobs.job_queue import work_key
from bot.store import Job

ON_PULL_REQUESTS = ("revise", "retry")
"""Job kinds whose number is a pull request's (commands and reviews on the app's PRs)."""


def branch_keys(github: GitHub[AppAuthStrategy],
                sessions: sessionmaker[Session]) -> Callable[[Job], str]:
    """A job's work key, asking GitHub for a pull request's head branch when the job does not
    know it yet (a comment's payload does not name it), and keeping it on the job's row."""
    def key_of(job: Job) -> str:
        if (job.kind in ON_PULL_REQUESTS and "branch" not in job.request
                and job.installation_id is not None):
            owner, name = job.repository.split("/", 1)
            gh = installation_client(github, job.installation_id)
            branch = gh.rest.pulls.get(owner, name, job.number).parsed_data.head.ref
            with sessions.begin() as session:
                row = session.get(Job, job.id)
                if row is not None:
                    row.request = {**row.request, "branch": branch}
            job.request = {**job.request, "branch": branch}
        return work_key(job)
    return key_of
