"""Jobs through the real queue and a real consumer, on the embedded SQLite queue and on Redis."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from huey.signals import SIGNAL_RETRYING

from bot.service import Service, build_service
from bot.settings import load_settings
from bot.store import Job, JobState


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=pytest.mark.redis)])
def service(request: pytest.FixtureRequest, environment: dict[str, str]) -> Iterator[Service]:
    if request.param == "redis":
        environment = {**environment, "FLOWBOT_REDIS_URL": request.getfixturevalue("redis_url")}
    built = build_service(load_settings(environment))
    built.queue.huey.flush()
    yield built
    built.queue.huey.flush()


def _job(service: Service, kind: str, trigger: str, number: int = 7) -> int:
    with service.sessions.begin() as session:
        job = Job(kind=kind, repository="acme/flows", number=number, trigger=trigger,
                  sender="octocat", request={})
        session.add(job)
        session.flush()
        return job.id


@contextmanager
def _consuming(service: Service, *, workers: int, **options: Any) -> Iterator[None]:
    """A consumer's worker threads, without the signal handlers of a consumer process."""
    consumer = service.queue.huey.create_consumer(workers=workers, worker_type="thread",
                                                  periodic=False, **options)
    consumer.start()
    try:
        yield
    finally:
        consumer.stop(graceful=True)


def _until_done(service: Service, job_id: int, timeout: float = 20.0) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with service.sessions() as session:
            job = session.get(Job, job_id)
            if job is not None and job.state not in (JobState.QUEUED, JobState.RUNNING):
                return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s")


def test_a_job_runs_once_in_the_consumer_and_one_without_a_handler_fails_clearly(
        service: Service) -> None:
    ran: list[int] = []

    @service.queue.register("generate")
    def generate(job: Job) -> JobState:
        ran.append(job.id)
        return JobState.SUCCEEDED

    service.queue.handlers.pop("repair")  # a kind this worker has no handler for
    with _consuming(service, workers=1):
        done_id = _job(service, "generate", "issue:7:generate")
        orphan_id = _job(service, "repair", "issue:8:repair")
        service.queue.enqueue(done_id)
        service.queue.enqueue(orphan_id)
        done, orphan = _until_done(service, done_id), _until_done(service, orphan_id)

    assert (done.state, done.attempts) == (JobState.SUCCEEDED, 1)
    assert ran == [done_id]
    assert orphan.state == JobState.FAILED
    assert orphan.error == "no handler for repair jobs"


def test_jobs_put_on_the_queue_together_each_run_once(service: Service) -> None:
    ran: list[int] = []

    @service.queue.register("generate")
    def generate(job: Job) -> JobState:
        ran.append(job.id)
        return JobState.SUCCEEDED

    with _consuming(service, workers=2):
        job_ids = [_job(service, "generate", f"issue:{n}:generate", n) for n in range(1, 6)]
        service.queue.enqueue_all(job_ids)
        done = [_until_done(service, job_id) for job_id in job_ids]

    assert [job.state for job in done] == [JobState.SUCCEEDED] * 5
    assert sorted(ran) == job_ids


def test_a_job_waits_for_the_running_job_on_its_issue_however_long_it_takes(
        service: Service) -> None:
    service.queue.lock_wait_s = 0.2
    first_started, release = threading.Event(), threading.Event()
    order: list[str] = []
    retried: list[str] = []
    service.queue.huey.signal(SIGNAL_RETRYING)(lambda signal, task, *_: retried.append(task.id))

    @service.queue.register("generate")
    def generate(job: Job) -> JobState:
        order.append(f"start {job.trigger}")
        if job.trigger == "first":
            first_started.set()
            release.wait(timeout=30)
        order.append(f"end {job.trigger}")
        return JobState.SUCCEEDED

    with _consuming(service, workers=2, scheduler_interval=0.1):
        first, second = _job(service, "generate", "first"), _job(service, "generate", "second")
        service.queue.enqueue(first)
        assert first_started.wait(timeout=20)
        service.queue.enqueue(second)
        deadline = time.monotonic() + 20
        while len(retried) < 5 and time.monotonic() < deadline:  # more than the task's retries
            time.sleep(0.05)
        release.set()
        done = [_until_done(service, first), _until_done(service, second)]

    assert len(retried) >= 5
    assert [job.state for job in done] == [JobState.SUCCEEDED, JobState.SUCCEEDED]
    assert order == ["start first", "end first", "start second", "end second"]
