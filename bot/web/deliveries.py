"""Storing accepted deliveries: each exactly once, with its jobs, then on the queue.

A delivery's payload is read here (`read_arrival`: parsed, checked, routed to the jobs it asks
for). Deliveries that arrive together are stored in one transaction (a group commit, one commit
and one enqueue per batch); a batch the database refuses for one delivery's sake (a redelivery, a
trigger seen before, a value it cannot hold) is stored again one delivery at a time, so one
delivery's problem is never another's (`store_batch`). Each delivery's outcome is a typed value:
`Accepted`, `Duplicate` or `NotStored`. The web app runs this in its writer process
(`bot.web.writer`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.jobs.job_queue import JobQueue, storage_errors
from bot.jobs.rules import DEFAULT_TRUSTED_BOTS
from bot.store import Base, Delivery, Job, JobState
from bot.web.installations import INSTALLATION_EVENTS, apply_installation_event
from bot.web.payloads import check_payload
from bot.web.routing import Ignored, JobRequest, job_values, new_job, route
from flowkit.runtime.store import JsonText

Stored = list[tuple[int, str]] | None
"""The (id, kind) of each job a delivery made; None when the delivery was stored before."""

STORE_ERRORS: tuple[type[Exception], ...] = (SQLAlchemyError, OverflowError)
"""What storing a delivery raises when the database refuses it: SQLAlchemy's errors, and the
OverflowError sqlite3 raises itself for an integer beyond 64 bits."""


@dataclass(frozen=True)
class Accepted:
    """The delivery is stored and its jobs are on the queue."""

    jobs: list[tuple[int, str]]
    """The (id, kind) of each job it made."""


@dataclass(frozen=True)
class Duplicate:
    """The delivery was stored before (a redelivery): nothing was done."""


@dataclass(frozen=True)
class NotStored:
    """The delivery may not be stored, or its jobs not queued: a redelivery is needed."""

    reason: str
    """The error's type and the first line of its message, for the log."""


Outcome = Accepted | Duplicate | NotStored
"""What came of storing a delivery."""


@dataclass(frozen=True)
class Malformed:
    """The body is not a payload its event can have: nothing was stored (a 400)."""

    reason: str
    """What is wrong and where, in one line."""


Answer = Outcome | Malformed
"""What came of a delivery handed to the writer: stored (or not), or refused as malformed."""


def first_line(error: BaseException) -> str:
    """The exception's type and the first line of its message."""
    message = str(error).partition("\n")[0]
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


_DELIVERIES = Base.metadata.tables[Delivery.__tablename__]
_JOBS = Base.metadata.tables[Job.__tablename__]


@dataclass(frozen=True)
class Arrival:
    """A verified delivery and what the app decided to do about it."""

    delivery: str
    event: str
    payload: dict[str, Any]
    decision: list[JobRequest] | Ignored
    body: str
    """The payload as GitHub sent it, which is what is stored."""


def read_arrival(delivery: str, event: str, body: bytes, *, app_login: str,
                 trusted_bots: frozenset[str] = DEFAULT_TRUSTED_BOTS) -> Arrival:
    """The delivery with its payload parsed and checked and its jobs decided; ValueError (with
    what is wrong and where) when the body is not a payload `event` can have."""
    payload: dict[str, Any] = orjson.loads(body)
    check_payload(event, payload)
    return Arrival(delivery, event, payload,
                   route(event, payload, app_login=app_login, trusted_bots=trusted_bots),
                   body.decode())


def describe(decision: list[JobRequest] | Ignored) -> str:
    """The decision in a few words, kept with the delivery for operators."""
    if isinstance(decision, Ignored):
        return f"ignored: {decision.reason}"
    return ", ".join(f"{job.kind} #{job.number}" for job in decision)


def _delivery_values(session: Session, arrival: Arrival) -> dict[str, Any]:
    """The delivery's columns; an installation event updates the installed repositories too."""
    described = describe(arrival.decision)
    if arrival.event in INSTALLATION_EVENTS:
        described = apply_installation_event(session, arrival.event, arrival.payload)
    payload = arrival.payload
    return {"id": arrival.delivery, "event": arrival.event, "action": payload.get("action"),
            "installation_id": (payload.get("installation") or {}).get("id"),
            "repository": (payload.get("repository") or {}).get("full_name"),
            "payload": JsonText(arrival.body), "decision": described}


def _requests(arrival: Arrival) -> list[JobRequest]:
    return [] if isinstance(arrival.decision, Ignored) else arrival.decision


def store_together(sessions: sessionmaker[Session], arrivals: list[Arrival]) -> list[Stored]:
    """Store the deliveries and their jobs in one transaction, which a unique key refuses whole."""
    with sessions.begin() as session:
        connection = session.connection()
        connection.execute(_DELIVERIES.insert(), [_delivery_values(session, arrival)
                                                  for arrival in arrivals])
        jobs = [job_values(request, delivery_id=arrival.delivery)
                for arrival in arrivals for request in _requests(arrival)]
        ids = iter(connection.scalars(
            _JOBS.insert().returning(_JOBS.c.id, sort_by_parameter_order=True),
            jobs).all() if jobs else [])
        return [[(next(ids), request.kind) for request in _requests(arrival)]
                for arrival in arrivals]


def store_alone(sessions: sessionmaker[Session], arrival: Arrival) -> Stored:
    """Store one delivery and its new jobs in one transaction; None for a redelivery.

    A job whose trigger already made one (an issue opened with its label sends `opened` and
    `labeled` at once) is not made again, unless that job was refused and another person asks
    (`_again_if_approved`). The first try just inserts; when a unique key refuses
    it (a redelivery, a trigger seen before, another process storing the same), the second try
    looks before it inserts.
    """
    for last_try in (False, True):
        try:
            with sessions.begin() as session:
                if last_try and session.get(Delivery, arrival.delivery) is not None:
                    return None
                session.connection().execute(_DELIVERIES.insert(),
                                             _delivery_values(session, arrival))
                jobs: list[tuple[int, str]] = []
                for wanted in _requests(arrival):
                    request = _again_if_approved(session, wanted) if last_try else wanted
                    if request is None:
                        continue
                    job = new_job(request, delivery_id=arrival.delivery)
                    session.add(job)
                    session.flush()
                    jobs.append((job.id, job.kind))
                return jobs
        except IntegrityError:
            if last_try:
                raise
    return None


def _again_if_approved(session: Session, request: JobRequest) -> JobRequest | None:
    """The request to store now that its trigger made a job before: none, unless that job was
    refused and someone else asks again (a maintainer re-labelling an outsider's issue: their
    approval, once per approver)."""
    before = session.scalars(select(Job).where(Job.trigger == request.trigger)).first()
    if before is None:
        return request
    if before.state != JobState.REFUSED or before.sender == request.sender:
        return None
    again = replace(request, trigger=f"{request.trigger}:approved-by:{request.sender}")
    return None if session.scalar(select(Job.id).where(Job.trigger == again.trigger)) else again


def store_batch(sessions: sessionmaker[Session], job_queue: JobQueue,
                arrivals: list[Arrival]) -> list[Outcome]:
    """Store the deliveries (together when the database takes them all, else one by one) and
    put their jobs on the queue with one message; each delivery's outcome, in order. A batch the
    database refuses for one delivery's sake is stored again one delivery at a time, so that
    delivery's failure is its own. A locked or unreachable database (OperationalError) is the
    outcome of every delivery: trying each again alone would only wait for it as many times."""
    stored: list[Stored | NotStored]
    try:
        stored = list(store_together(sessions, arrivals))
    except OperationalError as error:
        return [NotStored(first_line(error))] * len(arrivals)
    except STORE_ERRORS:  # a redelivery, a trigger seen before, one odd value: each on its own
        stored = [_store_alone_or_not(sessions, arrival) for arrival in arrivals]
    try:
        job_queue.enqueue_all([job_id for jobs in stored if isinstance(jobs, list)
                               for job_id, _ in jobs])
    except storage_errors() as error:  # stored but not queued: the reconciler puts them back
        return [NotStored(f"stored, but its jobs were not queued: {first_line(error)}")
                if isinstance(jobs, list) and jobs else _outcome(jobs) for jobs in stored]
    return [_outcome(jobs) for jobs in stored]


def _outcome(stored: Stored | NotStored) -> Outcome:
    if stored is None:
        return Duplicate()
    return stored if isinstance(stored, NotStored) else Accepted(stored)


def _store_alone_or_not(sessions: sessionmaker[Session], arrival: Arrival) -> Stored | NotStored:
    try:
        return store_alone(sessions, arrival)
    except STORE_ERRORS as error:  # the outcome of this delivery alone
        return NotStored(first_line(error))
