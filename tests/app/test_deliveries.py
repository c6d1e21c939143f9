"""Storing deliveries together (`bot.deliveries`): a batch is all or nothing, a refused batch
is stored again one delivery at a time, every job reaches the queue once, and closing the writer
stores what was waiting. On SQLite and PostgreSQL where the database matters."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.deliveries import Arrival, DeliveryWriter, Stored, store_together
from bot.events import Ignored, JobRequest
from bot.queue import JobQueue, make_huey
from bot.settings import AppSettings
from bot.store import Base, Delivery, Job, JobState, open_app_store


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def sessions(request: pytest.FixtureRequest, tmp_path: Path) -> sessionmaker[Session]:
    url = f"sqlite:///{tmp_path / 'app.sqlite3'}"
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
    engine = open_app_store(url).kw["bind"]
    Base.metadata.drop_all(engine)  # the PostgreSQL server is shared by the whole session
    engine.dispose()
    return open_app_store(url)


@pytest.fixture
def ran() -> list[int]:
    """The ids of the jobs the queue ran, in order."""
    return []


@pytest.fixture
def immediate_queue(settings: AppSettings, sessions: sessionmaker[Session],
                    ran: list[int]) -> JobQueue:
    """A queue that runs each job as it is enqueued (Huey's immediate mode), recording it."""
    queue = JobQueue(make_huey(settings, immediate=True), sessions)

    @queue.register("generate")
    def generate(job: Job) -> JobState:
        ran.append(job.id)
        return JobState.SUCCEEDED

    return queue


def _arrival(delivery: str, number: int | None) -> Arrival:
    """An `issues` delivery that asks for a generate job on issue `number` (None: asks nothing)."""
    payload = {"action": "labeled", "repository": {"full_name": "acme/flows"},
               "installation": {"id": 1}}
    body = json.dumps(payload)
    if number is None:
        return Arrival(delivery, "issues", payload, Ignored("not an intent label"), body)
    request = JobRequest("generate", repository="acme/flows", number=number, sender="octocat",
                         trigger=f"issue:{number}:generate", installation_id=1)
    return Arrival(delivery, "issues", payload, [request], body)


def _counts(sessions: sessionmaker[Session]) -> tuple[int, int]:
    with sessions() as session:
        return (session.scalar(select(func.count()).select_from(Delivery)) or 0,
                session.scalar(select(func.count()).select_from(Job)) or 0)


def test_deliveries_stored_together_get_their_own_jobs_in_order(
        sessions: sessionmaker[Session]) -> None:
    stored = store_together(sessions, [_arrival("a", 1), _arrival("b", None), _arrival("c", 3)])

    with sessions() as session:
        triggers = {job.id: job.trigger for job in session.scalars(select(Job))}
    assert [[triggers[job_id] for job_id, _ in jobs or []] for jobs in stored] == [
        ["issue:1:generate"], [], ["issue:3:generate"]]
    assert _counts(sessions) == (3, 2)


def test_a_batch_with_a_repeated_delivery_is_refused_whole(
        sessions: sessionmaker[Session]) -> None:
    with pytest.raises(IntegrityError):
        store_together(sessions, [_arrival("a", 1), _arrival("b", 2), _arrival("a", 1)])

    assert _counts(sessions) == (0, 0)


@pytest.fixture
def held_database(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    """A second connection that holds SQLite's write lock until it rolls back, so deliveries
    pile up behind the writer's first one and are written as one batch."""
    connection = sqlite3.connect(tmp_path / "app.sqlite3", isolation_level=None)
    yield connection
    connection.close()


@pytest.mark.parametrize("sessions", ["sqlite"], indirect=True)
def test_a_refused_batch_is_stored_one_delivery_at_a_time_and_each_job_runs_once(
        sessions: sessionmaker[Session], immediate_queue: JobQueue, ran: list[int],
        held_database: sqlite3.Connection) -> None:
    writer = DeliveryWriter(sessions, immediate_queue)

    async def deliver() -> list[Stored]:
        first = asyncio.ensure_future(writer.store(_arrival("first", 1)))
        await asyncio.sleep(0.2)  # the writer now waits for the lock with "first" alone
        batch = [asyncio.ensure_future(writer.store(arrival)) for arrival in (
            _arrival("second", 2), _arrival("second", 2), _arrival("third", 2),
            _arrival("fourth", None), _arrival("fifth", 5))]
        await asyncio.sleep(0.1)
        held_database.execute("ROLLBACK")
        return await asyncio.gather(first, *batch)

    held_database.execute("BEGIN IMMEDIATE")
    outcomes = asyncio.run(deliver())
    writer.close()

    with sessions() as session:
        jobs = {job.trigger: job.id for job in session.scalars(select(Job))}
    assert outcomes == [
        [(jobs["issue:1:generate"], "generate")],
        [(jobs["issue:2:generate"], "generate")],
        None,  # the same delivery again: stored once
        [],  # another delivery for a trigger already stored: no second job
        [],
        [(jobs["issue:5:generate"], "generate")]]
    assert _counts(sessions) == (5, 3)
    assert sorted(ran) == sorted(jobs.values())


@pytest.mark.parametrize("sessions", ["sqlite"], indirect=True)
def test_closing_the_writer_stores_what_was_waiting(
        sessions: sessionmaker[Session], immediate_queue: JobQueue,
        held_database: sqlite3.Connection) -> None:
    writer = DeliveryWriter(sessions, immediate_queue)

    async def deliver_then_close() -> list[Stored]:
        waiting = [asyncio.ensure_future(writer.store(_arrival(f"d{n}", n))) for n in range(5)]
        await asyncio.sleep(0.2)
        closing = threading.Thread(target=writer.close)
        closing.start()  # waits for the writer, which waits for the lock
        await asyncio.sleep(0.1)
        held_database.execute("ROLLBACK")
        await asyncio.to_thread(closing.join)
        return await asyncio.gather(*waiting)

    held_database.execute("BEGIN IMMEDIATE")
    outcomes = asyncio.run(deliver_then_close())

    assert all(outcome and len(outcome) == 1 for outcome in outcomes)
    assert _counts(sessions) == (5, 5)


@pytest.mark.parametrize("sessions", ["sqlite"], indirect=True)
def test_a_database_failure_fails_its_requests_and_the_writer_goes_on(
        sessions: sessionmaker[Session], immediate_queue: JobQueue) -> None:
    writer = DeliveryWriter(sessions, immediate_queue)
    engine = sessions.kw["bind"]

    async def deliver(arrival: Arrival) -> Stored:
        return await writer.store(arrival)

    Base.metadata.drop_all(engine)
    with pytest.raises(OperationalError, match="no such table"):
        asyncio.run(deliver(_arrival("while-down", 1)))
    Base.metadata.create_all(engine)
    stored = asyncio.run(deliver(_arrival("after", 2)))
    writer.close()

    assert stored is not None
    assert len(stored) == 1
    with pytest.raises(RuntimeError, match="closed"):
        asyncio.run(deliver(_arrival("too-late", 3)))
