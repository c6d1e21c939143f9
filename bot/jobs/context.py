"""What every job handler needs: the app's GitHub client, the model, the settings, the store."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import anthropic
from githubkit import AppAuthStrategy, GitHub
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import AppSettings
from bot.store import Job, JobCancelled, JobState

WRITERS = ("admin", "maintain", "write")


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
    max_gate_attempts: int = 4
    token_budget: int = 400_000

    def checkpoint_for(self, job_id: int) -> Callable[[], None]:
        """A check to make before each step of a long job: raises JobCancelled once someone
        has cancelled the job (`/cancel`)."""
        def checkpoint() -> None:
            with self.sessions() as session:
                job = session.get(Job, job_id)
                if job is not None and job.state == JobState.CANCELLED:
                    raise JobCancelled(job.error or "cancelled")
        return checkpoint
