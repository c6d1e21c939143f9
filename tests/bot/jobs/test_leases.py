"""Leases on the work's branch, with three worker processes on one queue (SQLite, and Redis):
workers that start while a job runs never free its lease, an issue's job and a job on its pull
request never run at once, and a worker SIGKILLed mid-job loses its lease only when it expires."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from bot.jobs.job_queue import JobQueue, make_huey, work_key
from bot.jobs.leases import Leases, lease_lost
from bot.settings import AppSettings, load_settings
from bot.store import Job, JobState, Lease, open_app_store

PROJECT = Path(__file__).resolve().parents[3]
TTL_S = 3.0


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=pytest.mark.redis)])
def worker_environment(request: pytest.FixtureRequest,
                       environment: dict[str, str]) -> dict[str, str]:
    extra = {"FLOWBOT_LEASE_TTL_S": str(TTL_S), "LOG_LEVEL": "WARNING"}
    if request.param == "redis":
        extra["FLOWBOT_REDIS_URL"] = request.getfixturevalue("redis_url")
    return {**environment, **extra}


class Workers:
    """Worker processes on one queue and store, and the log their jobs write."""

    def __init__(self, environment: dict[str, str], log: Path) -> None:
        self.environment, self.log = environment, log
        self.settings: AppSettings = load_settings(environment)
        self.sessions: sessionmaker[Session] = open_app_store(self.settings.database)
        self.queue = JobQueue(make_huey(self.settings), self.sessions)
        self.queue.huey.flush()
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.bot.jobs.lease_worker", str(self.log)], cwd=PROJECT,
            env={**os.environ, **self.environment, "PYTHONPATH": str(PROJECT)},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.processes.append(process)
        return process

    def job(self, kind: str, number: int, *, sleep: float, **request: Any) -> int:
        with self.sessions.begin() as session:
            job = Job(kind=kind, repository="acme/flows", number=number,
                      trigger=f"test:{kind}:{number}:{time.monotonic()}", sender="octocat",
                      request={"sleep": sleep, **request})
            session.add(job)
            session.flush()
            job_id = job.id
        self.queue.enqueue(job_id)
        return job_id

    def events(self) -> dict[tuple[str, int], tuple[int, float]]:
        """(start|end, job id) -> (worker pid, time)."""
        found: dict[tuple[str, int], tuple[int, float]] = {}
        if self.log.exists():
            for line in self.log.read_text().splitlines():
                pid, what, job_id, when = line.split()
                found[(what, int(job_id))] = (int(pid), float(when))
        return found

    def wait_for(self, what: str, job_id: int, timeout: float = 60) -> tuple[int, float]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            seen = self.events().get((what, job_id))
            if seen is not None:
                return seen
            time.sleep(0.05)
        raise AssertionError(f"job {job_id} did not {what} within {timeout} s")

    def state(self, job_id: int) -> str:
        with self.sessions() as session:
            job = session.get(Job, job_id)
            assert job is not None
            return job.state

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.queue.huey.flush()


@pytest.fixture
def workers(worker_environment: dict[str, str], tmp_path: Path) -> Iterator[Workers]:
    started = Workers(worker_environment, tmp_path / "jobs.log")
    yield started
    started.stop()


def test_workers_starting_mid_job_never_free_its_lease_and_a_killed_ones_lease_expires(
        workers: Workers) -> None:
    workers.start()
    first = workers.job("generate", 1, sleep=4)
    workers.wait_for("start", first)
    workers.start()
    workers.start()  # two more workers join while the first job runs
    on_its_pull = workers.job("revise", 2, sleep=0.2, branch="flowbot/1-sync-orders")
    _, first_ended = workers.wait_for("end", first)
    _, pull_started = workers.wait_for("start", on_its_pull)

    assert pull_started >= first_ended  # the issue's job and its pull request's: one at a time

    doomed = workers.job("generate", 5, sleep=60)
    victim, _ = workers.wait_for("start", doomed)
    os.kill(victim, signal.SIGKILL)
    killed_at = time.time()
    after = workers.job("revise", 6, sleep=0.1, branch="flowbot/5-other-flow")
    survivor, after_started = workers.wait_for("start", after, timeout=TTL_S * 10)
    workers.wait_for("end", after)

    assert survivor != victim
    assert after_started - killed_at > TTL_S / 2  # it waited for the dead worker's lease
    assert workers.state(doomed) == JobState.RUNNING  # the reconciler requeues it later
    assert workers.state(after) == JobState.SUCCEEDED


def test_a_lease_is_never_taken_from_a_live_holder_and_never_freed_by_another(
        tmp_path: Path) -> None:
    sessions = open_app_store(f"sqlite:///{tmp_path / 'app.sqlite3'}")
    leases = Leases(sessions)

    assert leases.acquire("acme/flows:flowbot/1-", "worker-a")
    assert not leases.acquire("acme/flows:flowbot/1-", "worker-b")
    leases.release("acme/flows:flowbot/1-", "worker-b")  # not its lease: nothing happens
    assert not leases.acquire("acme/flows:flowbot/1-", "worker-b")
    assert leases.renew("acme/flows:flowbot/1-", "worker-a")
    leases.release("acme/flows:flowbot/1-", "worker-a")
    assert leases.acquire("acme/flows:flowbot/1-", "worker-b")


def test_an_issue_and_its_pull_request_share_one_work_key() -> None:
    issue = Job(kind="generate", repository="acme/flows", number=1, request={})
    pull = Job(kind="revise", repository="acme/flows", number=2,
               request={"branch": "flowbot/1-sync-orders"})
    other = Job(kind="revise", repository="acme/flows", number=3,
                request={"branch": "feature/x"})

    assert work_key(issue) == work_key(pull) == "acme/flows:flowbot/1-"
    assert work_key(other) == "acme/flows:feature/x"


def test_a_holder_that_lost_its_lease_knows_it(tmp_path: Path) -> None:
    sessions = open_app_store(f"sqlite:///{tmp_path / 'app.sqlite3'}")
    leases = Leases(sessions, ttl=timedelta(seconds=1.5))

    with leases.held("acme/flows:flowbot/1-") as lease:
        assert not lease_lost()
        with sessions.begin() as session:  # it stalled; another worker took the expired lease
            session.execute(update(Lease).values(owner="another"))
        lease.lost.wait(timeout=5)
        assert lease_lost()

    assert not lease_lost()
