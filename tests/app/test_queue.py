"""Jobs through the real queue and a real consumer, on the embedded SQLite queue and on Redis."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

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


def _job(service: Service, kind: str, trigger: str) -> int:
    with service.sessions.begin() as session:
        job = Job(kind=kind, repository="acme/flows", number=7, trigger=trigger,
                  sender="octocat", request={})
        session.add(job)
        session.flush()
        return job.id


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

    consumer = service.queue.huey.create_consumer(workers=1, worker_type="thread",
                                                  periodic=False)
    consumer.start()  # its workers, without the signal handlers of a consumer process
    try:
        done_id = _job(service, "generate", "issue:7:generate")
        orphan_id = _job(service, "repair", "issue:8:repair")
        service.queue.enqueue(done_id)
        service.queue.enqueue(orphan_id)
        done, orphan = _until_done(service, done_id), _until_done(service, orphan_id)
    finally:
        consumer.stop(graceful=True)

    assert (done.state, done.attempts) == (JobState.SUCCEEDED, 1)
    assert ran == [done_id]
    assert orphan.state == JobState.FAILED
    assert orphan.error == "no handler for repair jobs"
