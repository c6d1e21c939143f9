"""What every job handler needs: the app's GitHub client, the model, the settings, the store."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import anthropic
from githubkit import AppAuthStrategy, GitHub
from sqlalchemy.orm import Session, sessionmaker

from bot.github_api import InstallationClient
from bot.issue_ops import Repo
from bot.jobs.leases import lease_lost
from bot.jobs.rules import Rules, authorise
from bot.settings import AppSettings
from bot.store import Job, JobCancelled, JobState


class ModelNotConfigured(RuntimeError):
    """A job that needs the model ran in an app started without ANTHROPIC_API_KEY."""


def refused(gh: InstallationClient, repo: Repo, job: Job, what: str, context: JobContext, *,
            issue_author: str | None = None) -> bool:
    """True, after one polite reply that says how to get approval, when the job's sender may
    not `what` (ask flowbot for a flow, steer its pull requests…): `bot.jobs.rules.authorise`,
    the same rules whichever path made the job."""
    return not authorise(gh, repo, job, what, context.rules, context.sessions,
                         issue_author=issue_author)


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

    @property
    def rules(self) -> Rules:
        """Who may start work in this installation (`bot.jobs.rules`)."""
        return Rules(self.settings.bot_login, self.settings.trusted_bots)

    def require_model(self) -> anthropic.Anthropic:
        """The model client; jobs that need it are not registered without one."""
        if self.model is None:
            raise ModelNotConfigured("ANTHROPIC_API_KEY is not set")
        return self.model

    def checkpoint_for(self, job_id: int) -> Callable[[], None]:
        """A check to make before each step of a long job: raises JobCancelled once someone
        has cancelled the job (`/cancel`), or once its lease was lost."""
        def checkpoint() -> None:
            if lease_lost():
                raise JobCancelled("the job's lease on its branch expired while it worked")
            with self.sessions() as session:
                job = session.get(Job, job_id)
                if job is not None and job.state == JobState.CANCELLED:
                    raise JobCancelled(job.error or "cancelled")
        return checkpoint
