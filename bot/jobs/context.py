"""What every job handler needs: the app's GitHub client, the model, the settings, the store."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import anthropic
from githubkit import AppAuthStrategy, GitHub
from sqlalchemy.orm import Session, sessionmaker

from bot.github_api import InstallationClient
from bot.issue_ops import Repo, comment, permission_of
from bot.settings import AppSettings
from bot.store import Job, JobCancelled, JobState

WRITERS = ("admin", "maintain", "write")


def refused(gh: InstallationClient, repo: Repo, job: Job, what: str) -> bool:
    """True, after one polite reply, when the job's sender may not `what` (ask flowbot for a
    flow, steer its pull requests…): only people with write access or more may."""
    if permission_of(gh, repo, job.sender) in WRITERS:
        return False
    comment(gh, repo, job.number, f"@{job.sender} thanks — only people with write access to "
                                  f"this repository can {what}.")
    return True


@dataclass
class JobContext:
    """Shared by the handlers of one worker."""

    settings: AppSettings
    github: GitHub[AppAuthStrategy]
    model: anthropic.Anthropic
    sessions: sessionmaker[Session]
    """The app's store, where jobs keep their work records."""
    enqueue: Callable[[int], None]
    """Puts a stored job on the queue (the new job of a `/retry`)."""

    def checkpoint_for(self, job_id: int) -> Callable[[], None]:
        """A check to make before each step of a long job: raises JobCancelled once someone
        has cancelled the job (`/cancel`)."""
        def checkpoint() -> None:
            with self.sessions() as session:
                job = session.get(Job, job_id)
                if job is not None and job.state == JobState.CANCELLED:
                    raise JobCancelled(job.error or "cancelled")
        return checkpoint
