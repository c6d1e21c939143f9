"""What every job handler needs: the app's GitHub client, the model, the settings, the store."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import anthropic
from githubkit import AppAuthStrategy, GitHub
from githubkit_schemas.latest.models import FullRepository
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from bot.github.client import InstallationClient, installation_client, installation_token
from bot.github.git import Checkout, checkout
from bot.github.issues import Repo, comment
from bot.github.repo_config import RepoConfig, RepoConfigError, load_repo_config
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


@dataclass(frozen=True)
class JobCheckout:
    """A job's worktree, the repository it came from and the token that pushes it."""

    work: Checkout
    repository: FullRepository
    token: SecretStr


def repo_config_or_comment(gh: InstallationClient, repo: Repo, number: int,
                           root: Path) -> RepoConfig | None:
    """The checkout's `.github/flowbot.yml`; None, after a comment on `number` that says what
    is wrong with it, when it is not valid."""
    try:
        return load_repo_config(root)
    except RepoConfigError as error:
        comment(gh, repo, number, error.comment)
        return None


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

    def client_for(self, job: Job) -> tuple[InstallationClient, Repo]:
        """The app's client for the job's installation, and the job's repository."""
        assert job.installation_id is not None, "a job always comes from an installation"
        owner, name = job.repository.split("/", 1)
        return installation_client(self.github, job.installation_id), Repo(owner, name)

    def check_out(self, job: Job, gh: InstallationClient, branch: str) -> JobCheckout:
        """A worktree of the job's repository on `branch` (made from the default branch when
        the branch is new), with the installation token that pushes it."""
        assert job.installation_id is not None, "a job always comes from an installation"
        owner, name = job.repository.split("/", 1)
        repository = gh.rest.repos.get(owner, name).parsed_data
        token = installation_token(self.github, job.installation_id)
        work = checkout(self.settings.data_dir, repository.clone_url, job.repository,
                        branch=branch, default_branch=repository.default_branch, token=token,
                        job_id=job.id)
        return JobCheckout(work, repository, token)

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
