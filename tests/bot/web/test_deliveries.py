"""Storing deliveries together (`bot.web.deliveries`): a batch is all or nothing, a refused batch
is stored again one delivery at a time, every job reaches the queue once, in one message, and a
queue that cannot take them says so for the deliveries that made jobs. On SQLite and PostgreSQL
where the database matters."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.jobs.job_queue import JobQueue, make_huey
from bot.settings import AppSettings
from bot.store import Base, Delivery, Job, open_app_store
from bot.web.deliveries import Accepted, Arrival, Duplicate, NotStored, store_batch, store_together
from bot.web.routing import Ignored, JobRequest


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def sessions(request: pytest.FixtureRequest, tmp_path: Path) -> sessionmaker[Session]:
    url = f"sqlite:///{tmp_path / 'app.sqlite3'}"
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
    engine = open_app_store(url).kw["bind"]
    Base.metadata.drop_all(engine)  # the PostgreSQL server is shared by the whole session
    engine.dispose()
    return open_app_store(url)


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


def test_a_refused_batch_is_stored_one_delivery_at_a_time_and_its_jobs_queued_once(
        sessions: sessionmaker[Session], settings: AppSettings) -> None:
    job_queue = JobQueue(make_huey(settings), sessions)
    store_together(sessions, [_arrival("before", 1)])

    outcomes = store_batch(sessions, job_queue, [
        _arrival("second", 2), _arrival("second", 2), _arrival("third", 2),
        _arrival("fourth", None), _arrival("before", 1), _arrival("fifth", 5)])

    with sessions() as session:
        jobs = {job.trigger: job.id for job in session.scalars(select(Job))}
    assert outcomes == [
        Accepted([(jobs["issue:2:generate"], "generate")]),
        Duplicate(),  # the same delivery again: stored once
        Accepted([]),  # another delivery for a trigger already stored: no second job
        Accepted([]),
        Duplicate(),
        Accepted([(jobs["issue:5:generate"], "generate")])]
    assert _counts(sessions) == (5, 3)
    queued = [task.args[0] for task in job_queue.huey.pending()]
    assert queued == [[jobs["issue:2:generate"], jobs["issue:5:generate"]]]  # one message


@pytest.mark.parametrize("sessions", ["sqlite"], indirect=True)
def test_a_database_failure_is_the_outcome_of_each_delivery_it_touched(
        sessions: sessionmaker[Session], settings: AppSettings) -> None:
    job_queue = JobQueue(make_huey(settings), sessions)
    Base.metadata.drop_all(sessions.kw["bind"])

    outcomes = store_batch(sessions, job_queue, [_arrival("a", 1), _arrival("b", 2)])

    assert all(isinstance(outcome, NotStored) for outcome in outcomes)
    assert outcomes[0] == outcomes[1]
    assert isinstance(outcomes[0], NotStored)
    assert outcomes[0].reason.startswith("OperationalError: (sqlite3.OperationalError) no such")


@pytest.mark.parametrize("sessions", ["sqlite"], indirect=True)
def test_a_delivery_without_its_jobs_is_never_stored(sessions: sessionmaker[Session],
                                                     settings: AppSettings) -> None:
    job_queue = JobQueue(make_huey(settings), sessions)
    # the deliveries go in, their jobs cannot
    Base.metadata.tables[Job.__tablename__].drop(sessions.kw["bind"])

    outcomes = store_batch(sessions, job_queue, [_arrival("a", 1), _arrival("b", None)])

    assert all(isinstance(outcome, NotStored) for outcome in outcomes)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Delivery)) == 0
    assert job_queue.huey.pending_count() == 0


def test_a_value_the_database_cannot_hold_fails_only_its_own_delivery(
        sessions: sessionmaker[Session], settings: AppSettings) -> None:
    job_queue = JobQueue(make_huey(settings), sessions)
    odd = _arrival("odd", 9)
    odd = Arrival(odd.delivery, odd.event, {**odd.payload, "installation": {"id": 2 ** 63}},
                  odd.decision, odd.body)

    outcomes = store_batch(sessions, job_queue, [_arrival("a", 1), odd, _arrival("c", 3)])

    assert isinstance(outcomes[1], NotStored)
    assert [len(o.jobs) for o in (outcomes[0], outcomes[2]) if isinstance(o, Accepted)] == [1, 1]
    assert _counts(sessions) == (2, 2)


def test_a_queue_that_cannot_take_the_jobs_fails_only_the_deliveries_that_made_some(
        sessions: sessionmaker[Session], settings: AppSettings) -> None:
    """Stored, but not queued: the deliveries with jobs are not answered as done (the
    reconciler queues their jobs); one that asked for nothing is."""
    job_queue = JobQueue(make_huey(settings), sessions)
    job_queue.huey.storage.sql("DROP TABLE task", commit=True)

    outcomes = store_batch(sessions, job_queue, [_arrival("a", 1), _arrival("b", None)])

    assert isinstance(outcomes[0], NotStored)
    assert outcomes[0].reason.startswith("stored, but its jobs were not queued: OperationalError")
    assert outcomes[1] == Accepted([])
    assert _counts(sessions) == (2, 1)
