"""The delivery writer process (`bot.web.writer.client`), driven as the web app drives it: a
refused batch is stored again one delivery at a time and each job is queued once, closing stores
what was sent, a database failure fails only its requests, a writer that dies fails the requests
waiting on it and the next delivery starts another. On a real SQLite file, and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.jobs.job_queue import JobQueue, make_huey
from bot.settings import AppSettings, load_settings
from bot.store import Base, Delivery, Job, open_app_store
from bot.web.writer.client import (
    Accepted,
    DeliveryNotStored,
    DeliveryWriter,
    Duplicate,
    Malformed,
    Outcome,
)
from bot.web.writer.process import answer_batch
from bot.web.writer.protocol import delivery_message


def _body(number: int, label: str = "integration-request") -> bytes:
    """An `issues.labeled` payload: with the intent label it asks for a generate job."""
    return json.dumps({
        "action": "labeled", "issue": {"number": number, "labels": [{"name": label}]},
        "label": {"name": label}, "repository": {"full_name": "acme/flows"},
        "installation": {"id": 1}, "sender": {"login": "octocat", "type": "User"}}).encode()


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
    """The app's store, tables made, as the writer process opens it."""
    settings.data_dir.mkdir(parents=True)
    return open_app_store(settings.database)


@pytest.fixture
def held_database(settings: AppSettings,
                  sessions: sessionmaker[Session]) -> Iterator[sqlite3.Connection]:
    """A second connection that holds SQLite's write lock until it rolls back, so deliveries
    pile up behind the writer's first one and are written as one batch."""
    connection = sqlite3.connect(settings.data_dir / "app.sqlite3", isolation_level=None)
    yield connection
    connection.close()


def _jobs(accepted: Outcome) -> list[tuple[int, str]]:
    assert isinstance(accepted, Accepted), accepted
    return accepted.jobs


def test_a_refused_batch_is_stored_one_delivery_at_a_time_and_each_job_is_queued_once(
        settings: AppSettings, sessions: sessionmaker[Session],
        held_database: sqlite3.Connection) -> None:
    writer = DeliveryWriter(settings)

    async def deliver() -> list[Outcome]:
        await writer.start()
        first = asyncio.ensure_future(writer.store("first", "issues", _body(1)))
        await asyncio.sleep(0.3)  # the writer now waits for the lock with "first" alone
        batch = [asyncio.ensure_future(writer.store(delivery, "issues", body)) for
                 delivery, body in (("second", _body(2)), ("second", _body(2)),
                                    ("third", _body(2)), ("fourth", _body(4, "bug")),
                                    ("fifth", _body(5)))]
        await asyncio.sleep(0.2)
        held_database.execute("ROLLBACK")
        outcomes = await asyncio.gather(first, *batch)
        await writer.aclose()
        return outcomes

    held_database.execute("BEGIN IMMEDIATE")
    outcomes = asyncio.run(deliver())

    with sessions() as session:
        jobs = {job.trigger: job.id for job in session.scalars(select(Job))}
    assert [_jobs(outcome) if not isinstance(outcome, Duplicate) else None
            for outcome in outcomes] == [
        [(jobs["issue:1:generate"], "generate")],
        [(jobs["issue:2:generate"], "generate")],
        None,  # the same delivery again: stored once
        [],  # another delivery for a trigger already stored: no second job
        [],
        [(jobs["issue:5:generate"], "generate")]]
    assert _counts(sessions) == (5, 3)
    assert _queued_job_ids(JobQueue(make_huey(settings), sessions)) == sorted(jobs.values())


def test_closing_the_writer_stores_what_it_was_sent(
        settings: AppSettings, sessions: sessionmaker[Session],
        held_database: sqlite3.Connection) -> None:
    writer = DeliveryWriter(settings)

    async def deliver_then_close() -> list[Outcome]:
        await writer.start()
        waiting = [asyncio.ensure_future(writer.store(f"d{n}", "issues", _body(n)))
                   for n in range(1, 6)]
        await asyncio.sleep(0.3)
        closing = asyncio.ensure_future(writer.aclose())  # the writer waits for the lock
        await asyncio.sleep(0.2)
        held_database.execute("ROLLBACK")
        await closing
        return await asyncio.gather(*waiting)

    held_database.execute("BEGIN IMMEDIATE")
    outcomes = asyncio.run(deliver_then_close())

    assert all(len(_jobs(outcome)) == 1 for outcome in outcomes)
    assert _counts(sessions) == (5, 5)


def test_a_database_failure_fails_its_requests_and_the_writer_goes_on(
        settings: AppSettings, sessions: sessionmaker[Session]) -> None:
    writer = DeliveryWriter(settings)
    engine = sessions.kw["bind"]

    async def deliver() -> Outcome:
        await writer.start()
        Base.metadata.drop_all(engine)
        with pytest.raises(DeliveryNotStored, match="no such table"):
            await writer.store("while-down", "issues", _body(1))
        Base.metadata.create_all(engine)
        stored = await writer.store("after", "issues", _body(2))
        await writer.aclose()
        with pytest.raises(DeliveryNotStored, match="closed"):
            await writer.store("too-late", "issues", _body(3))
        return stored

    assert len(_jobs(asyncio.run(deliver()))) == 1
    assert _counts(sessions) == (1, 1)


def test_a_writer_that_dies_fails_the_requests_waiting_on_it_and_another_takes_over(
        settings: AppSettings, sessions: sessionmaker[Session],
        held_database: sqlite3.Connection) -> None:
    writer = DeliveryWriter(settings)

    async def deliver() -> tuple[int, int, Outcome]:
        await writer.start()
        first_pid = writer.pid
        assert first_pid is not None
        waiting = asyncio.ensure_future(writer.store("lost", "issues", _body(1)))
        await asyncio.sleep(0.3)  # held by the lock
        os.kill(first_pid, signal.SIGKILL)
        with pytest.raises(DeliveryNotStored, match="stopped"):
            await waiting
        held_database.execute("ROLLBACK")
        again = await writer.store("lost", "issues", _body(1))  # GitHub's redelivery
        second_pid = writer.pid
        assert second_pid is not None
        await writer.aclose()
        return first_pid, second_pid, again

    held_database.execute("BEGIN IMMEDIATE")
    first_pid, second_pid, again = asyncio.run(deliver())

    assert first_pid != second_pid
    assert len(_jobs(again)) == 1
    assert _counts(sessions) == (1, 1)


@pytest.mark.postgres
def test_the_writer_stores_on_postgresql(environment: dict[str, str], postgres_url: str) -> None:
    settings = load_settings({**environment, "FLOWBOT_DATABASE_URL": postgres_url})
    engine = open_app_store(postgres_url).kw["bind"]
    Base.metadata.drop_all(engine)  # the PostgreSQL server is shared by the whole session
    engine.dispose()
    sessions = open_app_store(postgres_url)
    writer = DeliveryWriter(settings)

    async def deliver() -> list[Outcome]:
        outcomes = [await writer.store("pg-1", "issues", _body(7)),
                    await writer.store("pg-1", "issues", _body(7)),
                    await writer.store("pg-2", "issues", b"{not json")]
        await writer.aclose()
        return outcomes

    accepted, again, malformed = asyncio.run(deliver())

    assert [kind for _, kind in _jobs(accepted)] == ["generate"]
    assert isinstance(again, Duplicate)
    assert isinstance(malformed, Malformed)
    assert _counts(sessions) == (1, 1)
    sessions.kw["bind"].dispose()


def test_an_oddly_shaped_payload_is_malformed_alone_and_the_writer_goes_on(
        settings: AppSettings, sessions: sessionmaker[Session],
        held_database: sqlite3.Connection) -> None:
    unreadable = json.loads(_body(2))
    unreadable["issue"]["labels"] = 5  # signed, but no issue's labels look like that
    writer = DeliveryWriter(settings)

    async def deliver() -> list[Outcome | BaseException]:
        await writer.start()
        pid = writer.pid
        stores = [asyncio.ensure_future(writer.store(delivery, "issues", body)) for
                  delivery, body in (("one", _body(1)), ("odd", json.dumps(unreadable).encode()),
                                     ("three", _body(3)))]
        await asyncio.sleep(0.2)
        held_database.execute("ROLLBACK")
        outcomes = await asyncio.gather(*stores, return_exceptions=True)
        assert writer.pid == pid  # the same writer
        await writer.aclose()
        return outcomes

    held_database.execute("BEGIN IMMEDIATE")
    first, odd, third = asyncio.run(deliver())

    assert odd == Malformed("issue.labels: Input should be a valid list")
    assert [len(_jobs(outcome)) for outcome in (first, third)
            if not isinstance(outcome, BaseException)] == [1, 1]
    assert _counts(sessions) == (2, 2)


def test_a_failure_without_a_message_is_still_answered() -> None:
    message = delivery_message(7, "abc", "issues", _body(1))

    answers = answer_batch([message], lambda arrivals: [TimeoutError()], app_login="flowbot[bot]")

    assert answers == [(7, {"error": "TimeoutError"})]


def test_a_writer_that_cannot_start_is_reported_and_not_retried_at_once(
        environment: dict[str, str]) -> None:
    unreachable = "postgresql+psycopg://flowbot@127.0.0.1:9/nowhere"  # the discard port
    writer = DeliveryWriter(load_settings({**environment, "FLOWBOT_DATABASE_URL": unreachable}))

    async def deliver_twice() -> tuple[str, str, float]:
        with pytest.raises(DeliveryNotStored) as first:
            await writer.store("d", "issues", _body(1))
        started = time.monotonic()
        with pytest.raises(DeliveryNotStored) as again:
            await writer.store("d", "issues", _body(1))
        return str(first.value), str(again.value), time.monotonic() - started

    first, again, waited = asyncio.run(deliver_twice())

    assert first.startswith("the delivery writer did not start: OperationalError")
    assert again == first
    assert waited < 1.0  # refused at once, not a second attempt


def test_closing_a_writer_that_already_died_returns(settings: AppSettings,
                                                    sessions: sessionmaker[Session]) -> None:
    writer = DeliveryWriter(settings)

    async def kill_then_close() -> None:
        await writer.start()
        assert writer.pid is not None
        os.kill(writer.pid, signal.SIGKILL)
        await asyncio.sleep(0.2)
        await asyncio.wait_for(writer.aclose(), 10)

    asyncio.run(kill_then_close())

    assert writer.pid is None
