"""The job queue: Huey, with its embedded SQLite storage by default and Redis when configured.

One task, `run_job(job_id)`, reads the job's row and hands it to the handler registered for its
kind. Jobs on the same work never run at once: an issue and its pull request share one branch,
and a job holds the lease on that branch (`bot.jobs.leases`) while it runs, renewing it; a job
that finds the lease held waits for it, however long the other job takes, and a dead worker's
lease expires. A job with no handler fails with a clear error rather than vanishing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from huey import Huey, RedisHuey, SqliteHuey
from huey.exceptions import RetryTask
from huey.storage import SqliteStorage
from sqlalchemy.orm import Session, sessionmaker

from bot.github.git import branch_prefix, issue_of_branch
from bot.jobs.leases import DEFAULT_TTL, LeaseBusy, Leases
from bot.settings import AppSettings
from bot.store import LIVE, Job, JobCancelled, JobState
from flowkit.runtime.schema import private_file

Handler = Callable[[Job], JobState]
"""Does a job's work; returns the state the job ends in (succeeded, waiting, failed)."""


class WalSqliteStorage(SqliteStorage):  # type: ignore[misc]  # huey has no type hints
    """Huey's SQLite storage, synced at WAL checkpoints like the app's store rather than at
    every commit: an enqueue costs microseconds instead of an fsync. A power cut may lose the
    last enqueues; the reconciler puts back any job that stays queued without running."""

    def _create_connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection = super()._create_connection()
        connection.execute("PRAGMA synchronous=NORMAL")
        return connection


def make_huey(settings: AppSettings, *, immediate: bool = False) -> Huey:
    """The queue the settings name: Redis when FLOWBOT_REDIS_URL is set, else SQLite."""
    if settings.redis_url:
        return RedisHuey("flowbot", url=settings.redis_url, immediate=immediate)
    queue_file = private_file(settings.data_dir / "queue.sqlite3")
    return SqliteHuey("flowbot", filename=str(queue_file),
                      immediate=immediate, storage_class=WalSqliteStorage)


def storage_errors() -> tuple[type[Exception], ...]:
    """What the queue's storage raises when it cannot answer: SQLite's errors and OS errors,
    and Redis's when the `redis` extra is installed."""
    try:
        from redis.exceptions import RedisError
    except ImportError:  # without the extra the queue is SQLite's
        return (sqlite3.Error, OSError)
    return (sqlite3.Error, OSError, RedisError)


def queue_reachable(huey: Huey) -> str | None:
    """None when the queue's storage answers, else why not (for /readyz)."""
    try:
        huey.storage.queue_size()
    except storage_errors() as error:  # readiness reports the failure, it does not raise
        return f"queue: {type(error).__name__}"
    return None


UNLOCKED_KINDS = ("cancel", "help")
"""Jobs that run beside the work's other jobs: a cancel must not wait for the job it stops, and
the help text touches nothing."""


def work_key(job: Job) -> str:
    """The lease a job holds: its work's branch. A job that knows its branch (a review names
    its pull request's head) keys on the issue in it; otherwise on its own number, which for an
    issue is the issue (`flowbot/<issue>-…`). `branch_resolver` finds a pull request's branch."""
    branch = job.request.get("branch")
    number = issue_of_branch(branch) if isinstance(branch, str) else None
    if isinstance(branch, str) and number is None:
        return f"{job.repository}:{branch}"
    return f"{job.repository}:{branch_prefix(job.number if number is None else number)}"


@dataclass
class JobQueue:
    """The Huey task that runs jobs, bound to the store and the handlers."""

    huey: Huey
    sessions: sessionmaker[Session]
    handlers: dict[str, Handler] = field(default_factory=dict)
    lock_wait_s: float = 5.0
    """How long a job whose work is busy waits before it looks at the lease again."""
    key_of: Callable[[Job], str] = work_key
    """The lease a job holds (the service's resolves a pull request's branch on GitHub)."""
    lease_ttl: timedelta = DEFAULT_TTL

    def __post_init__(self) -> None:
        self.task: Any = self.huey.task(retries=2, retry_delay=5, name="run_job")(self._run)
        self.fan_out: Any = self.huey.task(name="run_jobs")(self._fan_out)
        self.leases = Leases(self.sessions, ttl=self.lease_ttl)

    def register(self, kind: str) -> Callable[[Handler], Handler]:
        """Register the handler of one job kind."""
        def add(handler: Handler) -> Handler:
            self.handlers[kind] = handler
            return handler
        return add

    def enqueue(self, job_id: int) -> None:
        """Put a stored job on the queue."""
        self.task(job_id)

    def enqueue_all(self, job_ids: Sequence[int]) -> None:
        """Put stored jobs on the queue with one message, which a worker turns into a task per
        job: the web app stores many deliveries at once and then pays for one enqueue, not one
        per job. A message lost before it fans out leaves its jobs to the reconciler."""
        if len(job_ids) == 1:
            self.enqueue(job_ids[0])
        elif job_ids:
            self.fan_out(list(job_ids))

    def _fan_out(self, job_ids: list[int]) -> None:
        for job_id in job_ids:
            self.enqueue(job_id)

    def _run(self, job_id: int) -> str:
        with self.sessions() as session:
            job = session.get(Job, job_id)
            if job is None:
                return "missing"
            if job.state not in LIVE:
                return job.state
        if job.kind in UNLOCKED_KINDS:
            return self._work(job_id)
        try:
            with self.leases.held(self.key_of(job), job_id=job.id):
                return self._work(job_id)
        except LeaseBusy:
            # another job on the work runs; RetryTask spends none of the task's retries, so the
            # job waits as long as that one takes
            raise RetryTask(delay=self.lock_wait_s) from None

    def _work(self, job_id: int) -> str:
        with self.sessions.begin() as session:
            job = session.get(Job, job_id)
            if job is None or job.state not in LIVE:
                return job.state if job else "missing"
            job.state, job.attempts = JobState.RUNNING.value, job.attempts + 1
        handler = self.handlers.get(job.kind)
        if handler is None:
            return self._end(job_id, JobState.FAILED, f"no handler for {job.kind} jobs")
        try:
            state = handler(job)
        except JobCancelled:
            return self._end(job_id, JobState.CANCELLED, None)
        except Exception as error:  # broad on purpose: whatever a handler raises, the job
            # is recorded failed (with why), then the error goes on to huey's log and retries
            self._end(job_id, JobState.FAILED, f"{type(error).__name__}: {error}"[:2000])
            raise
        return self._end(job_id, state, None)

    def _end(self, job_id: int, state: JobState, error: str | None) -> str:
        with self.sessions.begin() as session:
            job = session.get(Job, job_id)
            if job is not None:
                if job.state == JobState.CANCELLED:
                    return job.state
                job.state, job.error = state.value, error
        return state.value
