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


class ModelNotConfigured(RuntimeError):
    """A job that needs the model ran in an app started without ANTHROPIC_API_KEY."""


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
    model: anthropic.Anthropic | None
    """None without ANTHROPIC_API_KEY: only the jobs that need no model run (`/help`, …)."""
    sessions: sessionmaker[Session]
    """The app's store, where jobs keep their work records."""
    enqueue: Callable[[int], None]
    """Puts a stored job on the queue (the new job of a `/retry`)."""
    max_gate_attempts: int = 4
    token_budget: int = 400_000

    def require_model(self) -> anthropic.Anthropic:
        """The model client; jobs that need it are not registered without one."""
        if self.model is None:
            raise ModelNotConfigured("ANTHROPIC_API_KEY is not set")
        return self.model

    def checkpoint_for(self, job_id: int) -> Callable[[], None]:
        """A check to make before each step of a long job: raises JobCancelled once someone
        has cancelled the job (`/cancel`)."""
        def checkpoint() -> None:
            with self.sessions() as session:
                job = session.get(Job, job_id)
                if job is not None and job.state == JobState.CANCELLED:
                    raise JobCancelled(job.error or "cancelled")
        return checkpoint
