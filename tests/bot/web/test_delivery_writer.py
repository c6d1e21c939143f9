"""The delivery writer (`bot.web.writer`), driven as the web app drives it, with the real
`store_batch` on a real SQLite file (and PostgreSQL): deliveries that wait together are stored
as one batch, a refused batch is stored again one delivery at a time and each job is queued once,
closing stores what was waiting, a database failure fails only its requests, a batch that fails
for a reason nobody named fails only its own requests, and a request that goes away still has its
delivery stored."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Iterator
from functools import partial

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.jobs.job_queue import JobQueue, make_huey
from bot.settings import AppSettings, load_settings
from bot.store import Base, Delivery, Job, open_app_store
from bot.web.deliveries import (
    Accepted,
    Arrival,
    Duplicate,
    NotStored,
    Outcome,
    read_arrival,
    store_batch,
)
from bot.web.writer import DeliveryWriter


def _arrival(delivery: str, number: int, label: str = "integration-request") -> Arrival:
    """An `issues.labeled` delivery: with the intent label it asks for a generate job."""
    body = json.dumps({
        "action": "labeled", "issue": {"number": number, "labels": [{"name": label}]},
        "label": {"name": label}, "repository": {"full_name": "acme/flows"},
        "installation": {"id": 1}, "sender": {"login": "octocat", "type": "User"}}).encode()
    return read_arrival(delivery, "issues", body, app_login="flowbot[bot]")


def _counts(sessions: sessionmaker[Session]) -> tuple[int, int]:
    with sessions() as session:
        return (session.scalar(select(func.count()).select_from(Delivery)) or 0,
                session.scalar(select(func.count()).select_from(Job)) or 0)


def _queued_job_ids(job_queue: JobQueue) -> list[int]:
    """Every job id on the queue: one per `run_job` task, a list per `run_jobs` fan-out."""
    ids: list[int] = []
    for task in job_queue.huey.pending():
        ids.extend(task.args[0] if isinstance(task.args[0], list) else [task.args[0]])
    return sorted(ids)


@pytest.fixture
def sessions(settings: AppSettings) -> sessionmaker[Session]:
    """The app's store, tables made, as the web app opens it."""
    settings.data_dir.mkdir(parents=True)
    return open_app_store(settings.database)


@pytest.fixture
def job_queue(settings: AppSettings, sessions: sessionmaker[Session]) -> JobQueue:
    return JobQueue(make_huey(settings), sessions)


@pytest.fixture
def held_database(settings: AppSettings,
                  sessions: sessionmaker[Session]) -> Iterator[sqlite3.Connection]:
    """A second connection that holds SQLite's write lock until it rolls back, so deliveries
    pile up behind the writer's first one and are written as one batch."""
    connection = sqlite3.connect(settings.data_dir / "app.sqlite3", isolation_level=None)
    yield connection
    connection.close()


def _jobs(outcome: Outcome) -> list[tuple[int, str]]:
    assert isinstance(outcome, Accepted), outcome
    return outcome.jobs


def test_a_refused_batch_is_stored_one_delivery_at_a_time_and_each_job_is_queued_once(
        sessions: sessionmaker[Session], job_queue: JobQueue,
        held_database: sqlite3.Connection) -> None:
    batches: list[int] = []

    def counted(arrivals: list[Arrival]) -> list[Outcome]:
        batches.append(len(arrivals))
        return store_batch(sessions, job_queue, arrivals)

    writer = DeliveryWriter(counted)

    async def deliver() -> list[Outcome]:
        writer.start()
        first = asyncio.ensure_future(writer.store(_arrival("first", 1)))
        await asyncio.sleep(0.3)  # the writer now waits for the lock with "first" alone
        batch = [asyncio.ensure_future(writer.store(arrival)) for arrival in (
            _arrival("second", 2), _arrival("second", 2), _arrival("third", 2),
            _arrival("fourth", 4, "bug"), _arrival("fifth", 5))]
        await asyncio.sleep(0.2)
        held_database.execute("ROLLBACK")
        outcomes = await asyncio.gather(first, *batch)
        await writer.aclose()
        return outcomes

    held_database.execute("BEGIN IMMEDIATE")
    outcomes = asyncio.run(deliver())

    with sessions() as session:
        jobs = {job.trigger: job.id for job in session.scalars(select(Job))}
    assert outcomes == [
        Accepted([(jobs["issue:1:generate"], "generate")]),
        Accepted([(jobs["issue:2:generate"], "generate")]),
        Duplicate(),  # the same delivery again: stored once
        Accepted([]),  # another delivery for a trigger already stored: no second job
        Accepted([]),
        Accepted([(jobs["issue:5:generate"], "generate")])]
    assert batches == [1, 5]
    assert _counts(sessions) == (5, 3)
    assert _queued_job_ids(job_queue) == sorted(jobs.values())


def test_closing_the_writer_stores_what_was_waiting(
        sessions: sessionmaker[Session], job_queue: JobQueue,
        held_database: sqlite3.Connection) -> None:
    writer = DeliveryWriter(partial(store_batch, sessions, job_queue))

    async def deliver_then_close() -> tuple[list[Outcome], Outcome]:
        writer.start()
        waiting = [asyncio.ensure_future(writer.store(_arrival(f"d{n}", n)))
                   for n in range(1, 6)]
        await asyncio.sleep(0.3)
        closing = asyncio.ensure_future(writer.aclose())  # the writer waits for the lock
        await asyncio.sleep(0.2)
        held_database.execute("ROLLBACK")
        await closing
        return await asyncio.gather(*waiting), await writer.store(_arrival("late", 9))

    held_database.execute("BEGIN IMMEDIATE")
    outcomes, late = asyncio.run(deliver_then_close())

    assert all(len(_jobs(outcome)) == 1 for outcome in outcomes)
    assert isinstance(late, NotStored)
    assert "stopping" in late.reason
    assert _counts(sessions) == (5, 5)


def test_a_database_failure_fails_its_requests_and_the_writer_goes_on(
        sessions: sessionmaker[Session], job_queue: JobQueue) -> None:
    writer = DeliveryWriter(partial(store_batch, sessions, job_queue))
    engine = sessions.kw["bind"]

    async def deliver() -> tuple[Outcome, Outcome]:
        writer.start()
        Base.metadata.drop_all(engine)
        refused = await writer.store(_arrival("while-down", 1))
        Base.metadata.create_all(engine)
        stored = await writer.store(_arrival("after", 2))
        await writer.aclose()
        return refused, stored

    refused, stored = asyncio.run(deliver())

    assert isinstance(refused, NotStored)
    assert "no such table" in refused.reason
    assert len(_jobs(stored)) == 1
    assert _counts(sessions) == (1, 1)


def test_a_batch_that_fails_unexpectedly_fails_only_its_own_requests(
        sessions: sessionmaker[Session], job_queue: JobQueue) -> None:
    """An error no one named (a bug) in one batch: that batch's requests are not stored, the
    writer goes on with the next batch."""
    def store_or_fail(arrivals: list[Arrival]) -> list[Outcome]:
        if any(arrival.delivery == "doomed" for arrival in arrivals):
            raise RuntimeError("a bug while storing")
        return store_batch(sessions, job_queue, arrivals)

    writer = DeliveryWriter(store_or_fail)

    async def deliver() -> list[Outcome]:
        writer.start()
        first = asyncio.ensure_future(writer.store(_arrival("doomed", 1)))
        await asyncio.sleep(0.2)  # "doomed" was a batch of its own
        later = [asyncio.ensure_future(writer.store(_arrival(f"later-{n}", n)))
                 for n in (2, 3)]
        outcomes = await asyncio.gather(first, *later)
        await writer.aclose()
        return outcomes

    doomed, *later = asyncio.run(deliver())

    assert doomed == NotStored("RuntimeError: a bug while storing")
    assert [len(_jobs(outcome)) for outcome in later] == [1, 1]
    assert _counts(sessions) == (2, 2)


def test_a_request_that_goes_away_still_has_its_delivery_stored(
        sessions: sessionmaker[Session], job_queue: JobQueue,
        held_database: sqlite3.Connection) -> None:
    writer = DeliveryWriter(partial(store_batch, sessions, job_queue))

    async def deliver() -> Outcome:
        writer.start()
        gone = asyncio.ensure_future(writer.store(_arrival("gone", 1)))
        staying = asyncio.ensure_future(writer.store(_arrival("staying", 2)))
        await asyncio.sleep(0.2)
        gone.cancel()  # the client hung up while its delivery waited for the lock
        held_database.execute("ROLLBACK")
        outcome = await staying
        await writer.aclose()
        return outcome

    held_database.execute("BEGIN IMMEDIATE")
    assert len(_jobs(asyncio.run(deliver()))) == 1
    assert _counts(sessions) == (2, 2)  # GitHub's redelivery of "gone" would be a duplicate


@pytest.mark.postgres
def test_the_writer_stores_on_postgresql(environment: dict[str, str], postgres_url: str) -> None:
    settings = load_settings({**environment, "FLOWBOT_DATABASE_URL": postgres_url})
    engine = open_app_store(postgres_url).kw["bind"]
    Base.metadata.drop_all(engine)  # the PostgreSQL server is shared by the whole session
    engine.dispose()
    sessions = open_app_store(postgres_url)
    writer = DeliveryWriter(partial(store_batch, sessions, JobQueue(make_huey(settings),
                                                                    sessions)))

    async def deliver() -> list[Outcome]:  # not started: the first delivery starts it
        together = await asyncio.gather(*(writer.store(_arrival(f"pg-{n}", n))
                                          for n in range(1, 9)),
                                        writer.store(_arrival("pg-1", 1)))
        await writer.aclose()
        return together

    *accepted, again = asyncio.run(deliver())

    assert [kind for outcome in accepted for _, kind in _jobs(outcome)] == ["generate"] * 8
    assert isinstance(again, Duplicate)
    assert _counts(sessions) == (8, 8)
    sessions.kw["bind"].dispose()
