"""The reconciler tells a running job whose worker is alive from one whose worker died by the
job's lease, not by how long it has run: a job renewing its lease is left alone however old its
last update, and one whose lease expired is requeued once. Jobs are stored, not run (no worker)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.demo.world import DemoWorld, demo_world
from bot.jobs.job_queue import work_key
from bot.jobs.leases import Leases
from bot.store import Job, JobState


@pytest.fixture
def world(tmp_path: Path) -> Iterator[DemoWorld]:
    with demo_world(tmp_path / "demo", worker=False) as started:
        yield started


def _running_for_hours(world: DemoWorld, trigger: str) -> Job:
    with world.service.sessions.begin() as session:
        job = Job(kind="generate", repository=world.repository.full_name, number=7,
                  trigger=trigger, sender="maintainer", installation_id=1, request={},
                  state=JobState.RUNNING.value, updated_at=datetime.now(UTC) - timedelta(hours=2))
        session.add(job)
        session.flush()
        session.expunge(job)
        return job


def _state(world: DemoWorld, job_id: int) -> str:
    with world.service.sessions() as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job.state


def test_a_job_whose_worker_renews_its_lease_is_not_requeued(world: DemoWorld) -> None:
    job = _running_for_hours(world, "issue:7:generate")
    with world.service.queue.leases.held(work_key(job), job_id=job.id):
        found = world.service.reconcile()  # its last update is two hours old

    assert found.requeued == []
    assert _state(world, job.id) == JobState.RUNNING


def test_a_job_whose_lease_expired_is_requeued_once(world: DemoWorld) -> None:
    job = _running_for_hours(world, "issue:7:generate")
    # its worker took the lease and died: nobody renewed it, and it has expired
    dead = Leases(world.service.sessions, ttl=timedelta(seconds=-1))
    assert dead.acquire(work_key(job), f"gone:1:abc#job-{job.id}")
    another = _running_for_hours(world, "issue:8:generate")  # leased by a live worker
    with world.service.queue.leases.held(f"{world.repository.full_name}:other",
                                         job_id=another.id):
        first = world.service.reconcile()
        second = world.service.reconcile()

    assert first.requeued == [job.id]
    assert second.requeued == []
    assert _state(world, job.id) == JobState.QUEUED
    assert _state(world, another.id) == JobState.RUNNING
