"""The delivery writer (`bot.web.writer`), driven as the web app drives it: its real process
on a real SQLite file (and PostgreSQL). Deliveries that wait together are stored as one batch, a
refused batch is stored again one delivery at a time and each job is queued once, a malformed
payload is answered on its own, closing stores what was waiting, a database failure fails only
its requests, a batch that fails for a reason nobody named fails only its own requests, a request
that goes away still has its delivery stored, a killed writer process fails only the batch it
held and the next batch starts another, and Ctrl-C meant for the server does not stop it."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.jobs.job_queue import JobQueue, make_huey
from bot.settings import AppSettings, load_settings
from bot.store import Base, Delivery, Job, open_app_store
from bot.web.deliveries import Accepted, Answer, Duplicate, Malformed, NotStored
from bot.web.writer.batches import DeliveryWriter, WriteBatch
from bot.web.writer.client import WriterProcess
from bot.web.writer.messages import Received


def _received(delivery: str, number: int | None, label: str = "integration-request") -> Received:
    """An `issues.labeled` delivery: with the intent label it asks for a generate job."""
    body = json.dumps({
        "action": "labeled", "issue": {"number": number, "labels": [{"name": label}]},
        "label": {"name": label}, "repository": {"full_name": "acme/flows"},
        "installation": {"id": 1}, "sender": {"login": "octocat", "type": "User"}}).encode()
    return Received(delivery, "issues", body)


@asynccontextmanager
async def _started(settings: AppSettings, wrap: Callable[[WriteBatch], WriteBatch] | None = None
                   ) -> AsyncIterator[tuple[DeliveryWriter, WriterProcess]]:
    """A writer and its process, started as the web app's lifespan starts them (`wrap` sits
    between the two), closed afterwards as it closes them."""
    process = WriterProcess(settings)
    writer = DeliveryWriter(wrap(process.write) if wrap else process.write)
    await process.start()
    writer.start()
    try:
        yield writer, process
    finally:
        await writer.aclose()
        await process.aclose()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


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


def _jobs(answer: Answer) -> list[tuple[int, str]]:
    assert isinstance(answer, Accepted), answer
    return answer.jobs


def test_a_refused_batch_is_stored_one_delivery_at_a_time_and_each_job_is_queued_once(
        settings: AppSettings, sessions: sessionmaker[Session], job_queue: JobQueue,
        held_database: sqlite3.Connection) -> None:
    batches: list[int] = []

    def counted(write: WriteBatch) -> WriteBatch:
        async def counting(batch: list[Received]) -> list[Answer]:
            batches.append(len(batch))
            return await write(batch)
        return counting

    async def deliver() -> list[Answer]:
        async with _started(settings, counted) as (writer, _):
            first = asyncio.ensure_future(writer.store(_received("first", 1)))
            await asyncio.sleep(0.3)  # the writer now waits for the lock with "first" alone
            batch = [asyncio.ensure_future(writer.store(received)) for received in (
                _received("second", 2), _received("second", 2), _received("third", 2),
                _received("fourth", 4, "bug"), _received("fifth", 5))]
            await asyncio.sleep(0.2)
            held_database.execute("ROLLBACK")
            return await asyncio.gather(first, *batch)

    held_database.execute("BEGIN IMMEDIATE")
    answers = asyncio.run(deliver())

    with sessions() as session:
        jobs = {job.trigger: job.id for job in session.scalars(select(Job))}
    assert answers == [
        Accepted([(jobs["issue:1:generate"], "generate")]),
        Accepted([(jobs["issue:2:generate"], "generate")]),
        Duplicate(),  # the same delivery again: stored once
        Accepted([]),  # another delivery for a trigger already stored: no second job
        Accepted([]),
        Accepted([(jobs["issue:5:generate"], "generate")])]
    assert batches == [1, 5]
    assert _counts(sessions) == (5, 3)
    assert _queued_job_ids(job_queue) == sorted(jobs.values())


def test_a_malformed_payload_is_answered_on_its_own_and_its_batch_is_stored(
        settings: AppSettings, sessions: sessionmaker[Session],
        held_database: sqlite3.Connection) -> None:
    async def deliver() -> list[Answer]:
        async with _started(settings) as (writer, _):
            first = asyncio.ensure_future(writer.store(_received("first", 1)))
            await asyncio.sleep(0.3)
            batch = [asyncio.ensure_future(writer.store(received)) for received in (
                Received("not-json", "issues", b"{nope"), _received("no-number", None),
                _received("fine", 3))]
            await asyncio.sleep(0.2)
            held_database.execute("ROLLBACK")
            return await asyncio.gather(first, *batch)

    held_database.execute("BEGIN IMMEDIATE")
    first, not_json, no_number, fine = asyncio.run(deliver())

    assert isinstance(not_json, Malformed)
    assert isinstance(no_number, Malformed)
    assert "issue.number" in no_number.reason, no_number.reason
    assert [len(_jobs(answer)) for answer in (first, fine)] == [1, 1]
    assert _counts(sessions) == (2, 2)


def test_closing_the_writer_stores_what_was_waiting(
        settings: AppSettings, sessions: sessionmaker[Session],
        held_database: sqlite3.Connection) -> None:
    async def deliver_then_close() -> tuple[list[Answer], Answer, int | None]:
        process = WriterProcess(settings)
        writer = DeliveryWriter(process.write)
        waiting = [asyncio.ensure_future(writer.store(_received(f"d{n}", n)))
                   for n in range(1, 6)]  # not started: the first delivery starts both
        await asyncio.sleep(0.5)
        closing = asyncio.ensure_future(writer.aclose())  # the writer waits for the lock
        await asyncio.sleep(0.2)
        held_database.execute("ROLLBACK")
        await closing
        late = await writer.store(_received("late", 9))
        await process.aclose()
        return await asyncio.gather(*waiting), late, process.exit_code

    held_database.execute("BEGIN IMMEDIATE")
    answers, late, exit_code = asyncio.run(deliver_then_close())

    assert all(len(_jobs(answer)) == 1 for answer in answers)
    assert isinstance(late, NotStored)
    assert "stopping" in late.reason
    assert _counts(sessions) == (5, 5)
    assert exit_code == 0  # it ended because its socket closed, not killed


def test_a_database_failure_fails_its_requests_and_the_writer_goes_on(
        settings: AppSettings, sessions: sessionmaker[Session]) -> None:
    engine = sessions.kw["bind"]

    async def deliver() -> tuple[Answer, Answer]:
        async with _started(settings) as (writer, _):
            Base.metadata.drop_all(engine)
            refused = await writer.store(_received("while-down", 1))
            Base.metadata.create_all(engine)
            return refused, await writer.store(_received("after", 2))

    refused, stored = asyncio.run(deliver())

    assert isinstance(refused, NotStored)
    assert "no such table" in refused.reason
    assert len(_jobs(stored)) == 1
    assert _counts(sessions) == (1, 1)


def test_a_batch_that_fails_unexpectedly_fails_only_its_own_requests(
        settings: AppSettings, sessions: sessionmaker[Session]) -> None:
    """An error no one named (a bug) in one batch: that batch's requests are not stored, the
    writer goes on with the next batch."""
    def failing_on_doomed(write: WriteBatch) -> WriteBatch:
        async def write_or_fail(batch: list[Received]) -> list[Answer]:
            if any(received.delivery == "doomed" for received in batch):
                raise RuntimeError("a bug while storing")
            return await write(batch)
        return write_or_fail

    async def deliver() -> list[Answer]:
        async with _started(settings, failing_on_doomed) as (writer, _):
            first = asyncio.ensure_future(writer.store(_received("doomed", 1)))
            await asyncio.sleep(0.2)  # "doomed" was a batch of its own
            later = [asyncio.ensure_future(writer.store(_received(f"later-{n}", n)))
                     for n in (2, 3)]
            return await asyncio.gather(first, *later)

    doomed, *later = asyncio.run(deliver())

    assert doomed == NotStored("RuntimeError: a bug while storing")
    assert [len(_jobs(answer)) for answer in later] == [1, 1]
    assert _counts(sessions) == (2, 2)


def test_a_request_that_goes_away_still_has_its_delivery_stored(
        settings: AppSettings, sessions: sessionmaker[Session],
        held_database: sqlite3.Connection) -> None:
    async def deliver() -> Answer:
        async with _started(settings) as (writer, _):
            gone = asyncio.ensure_future(writer.store(_received("gone", 1)))
            staying = asyncio.ensure_future(writer.store(_received("staying", 2)))
            await asyncio.sleep(0.2)
            gone.cancel()  # the client hung up while its delivery waited for the lock
            held_database.execute("ROLLBACK")
            return await staying

    held_database.execute("BEGIN IMMEDIATE")
    assert len(_jobs(asyncio.run(deliver()))) == 1
    assert _counts(sessions) == (2, 2)  # GitHub's redelivery of "gone" would be a duplicate


def test_a_killed_writer_process_fails_only_its_batch_and_another_one_starts(
        settings: AppSettings, sessions: sessionmaker[Session]) -> None:
    async def deliver() -> tuple[Answer, Answer, Answer, int, int]:
        async with _started(settings) as (writer, process):
            before = await writer.store(_received("before", 1))
            killed = process.pid
            assert killed is not None
            os.kill(killed, signal.SIGKILL)
            while _alive(killed):  # the fork server reaps it
                await asyncio.sleep(0.01)
            lost = await writer.store(_received("while-dead", 2))
            after = await writer.store(_received("after", 3))
            restarted = process.pid
            assert restarted is not None
            return before, lost, after, killed, restarted

    before, lost, after, killed_pid, restarted_pid = asyncio.run(deliver())

    assert len(_jobs(before)) == 1
    assert isinstance(lost, NotStored)
    assert "exit code -9" in lost.reason, lost.reason
    assert len(_jobs(after)) == 1
    assert restarted_pid != killed_pid
    assert _counts(sessions) == (2, 2)  # "while-dead" waits for GitHub's redelivery


def test_ctrl_c_meant_for_the_server_does_not_stop_the_writer_process(
        settings: AppSettings, sessions: sessionmaker[Session]) -> None:
    """A terminal's Ctrl-C and a service manager's SIGTERM reach the whole process group; the
    writer process goes on until the web process closes it, so what waits is still stored."""
    async def deliver() -> Answer:
        async with _started(settings) as (writer, process):
            child = process.pid
            assert child is not None
            os.kill(child, signal.SIGINT)
            os.kill(child, signal.SIGTERM)
            await asyncio.sleep(0.2)
            stored = await writer.store(_received("after-signals", 1))
            assert process.pid == child  # the same process stored it
            return stored

    assert len(_jobs(asyncio.run(deliver()))) == 1
    assert _counts(sessions) == (1, 1)


@pytest.mark.postgres
def test_the_writer_stores_on_postgresql(environment: dict[str, str], postgres_url: str) -> None:
    settings = load_settings({**environment, "FLOWBOT_DATABASE_URL": postgres_url})
    engine = open_app_store(postgres_url).kw["bind"]
    Base.metadata.drop_all(engine)  # the PostgreSQL server is shared by the whole session
    engine.dispose()
    sessions = open_app_store(postgres_url)

    async def deliver() -> list[Answer]:
        async with _started(settings) as (writer, _):
            return await asyncio.gather(*(writer.store(_received(f"pg-{n}", n))
                                          for n in range(1, 9)),
                                        writer.store(_received("pg-1", 1)))

    *accepted, again = asyncio.run(deliver())

    assert [kind for answer in accepted for _, kind in _jobs(answer)] == ["generate"] * 8
    assert isinstance(again, Duplicate)
    assert _counts(sessions) == (8, 8)
    sessions.kw["bind"].dispose()
