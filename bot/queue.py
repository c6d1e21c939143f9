"""The job queue: Huey, with its embedded SQLite storage by default and Redis when configured.

One task, `run_job(job_id)`, reads the job's row and hands it to the handler registered for its
kind. Jobs on the same issue never run at once (a Huey lock per issue): a job that finds the
lock held waits for it, however long the other job takes. A job with no handler fails with a
clear error rather than vanishing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from huey import Huey, RedisHuey, SqliteHuey
from huey.exceptions import RetryTask, TaskLockedException
from huey.storage import SqliteStorage
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import AppSettings
from bot.store import LIVE, Job, JobCancelled, JobState, private_file

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


def queue_reachable(huey: Huey) -> str | None:
    """None when the queue's storage answers, else why not (for /readyz)."""
    try:
        huey.storage.queue_size()
    except Exception as error:  # readiness reports any failure, it does not raise
        return f"queue: {type(error).__name__}"
    return None


UNLOCKED_KINDS = ("cancel",)
"""Jobs that run beside the issue's other jobs: a cancel must not wait for the job it stops."""


def lock_name(repository: str, number: int) -> str:
    """The Huey lock that keeps two jobs on one issue from running at once."""
    return f"issue:{repository}#{number}"


@dataclass
class JobQueue:
    """The Huey task that runs jobs, bound to the store and the handlers."""

    huey: Huey
    sessions: sessionmaker[Session]
    handlers: dict[str, Handler] = field(default_factory=dict)
    lock_wait_s: float = 5.0
    """How long a job whose issue is busy waits before it looks at the lock again."""

    def __post_init__(self) -> None:
        self.task: Any = self.huey.task(retries=2, retry_delay=5, name="run_job")(self._run)
        self.fan_out: Any = self.huey.task(name="run_jobs")(self._fan_out)

    def register(self, kind: str) -> Callable[[Handler], Handler]:
        """Register the handler of one job kind."""
        def add(handler: Handler) -> Handler:
            self.handlers[kind] = handler
            return handler
        return add

    def release_locks(self) -> int:
        """Drop the issue locks of unfinished jobs (a killed worker leaves them held: Huey's
        locks do not expire); how many were held. Start workers one at a time."""
        with self.sessions() as session:
            pairs = session.execute(select(Job.repository, Job.number).where(
                Job.state.in_(LIVE)).distinct()).all()
        if not pairs:
            return 0
        return len(self.huey.flush_locks(*(lock_name(repo, number) for repo, number in pairs)))

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
            lock, unlocked = lock_name(job.repository, job.number), job.kind in UNLOCKED_KINDS
        if unlocked:
            return self._work(job_id)
        try:
            with self.huey.lock_task(lock):
                return self._work(job_id)
        except TaskLockedException:
            # another job on the issue runs; RetryTask, unlike the lock's own exception, spends
            # none of the task's retries, so the job waits as long as that one takes
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
        except Exception as error:
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
