"""Storing accepted deliveries: each exactly once, with its jobs, then on the queue.

A delivery's payload is read here (`read_arrival`: parsed, checked, routed to the jobs it asks
for). Deliveries that arrive together are stored in one transaction (a group commit, one commit
and one enqueue per batch); a batch a unique key refuses (a redelivery, a trigger seen before)
is stored again one delivery at a time, so one delivery's problem is never another's
(`store_batch`). The web app runs this in a process of its own (`bot.web.writer.client`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.jobs.job_queue import JobQueue
from bot.jobs.rules import DEFAULT_TRUSTED_BOTS
from bot.store import Base, Delivery, Job, JobState
from bot.web.installations import INSTALLATION_EVENTS, apply_installation_event
from bot.web.payloads import check_payload
from bot.web.routing import Ignored, JobRequest, job_values, new_job, route
from flowkit.runtime.store import JsonText

Stored = list[tuple[int, str]] | None
"""The (id, kind) of each job a delivery made; None when the delivery was stored before."""
Written = Stored | Exception
"""What storing one delivery of a batch came to: its jobs, or why it was not stored."""

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
                arrivals: list[Arrival]) -> list[Written]:
    """Store the deliveries (together when no unique key refuses them, else one by one) and put
    their jobs on the queue with one message; each delivery's outcome, in order. A batch the
    database refuses for one delivery's sake (a unique key, a value it cannot hold) is stored
    again one delivery at a time, so that delivery's failure is its own. A locked or unreachable
    database (OperationalError) is the outcome of every delivery: trying each again alone would
    only wait for it as many times."""
    outcomes: list[Written]
    try:
        outcomes = list(store_together(sessions, arrivals))
    except OperationalError as error:
        return [error] * len(arrivals)
    except Exception:  # a redelivery, a trigger seen before, one odd value: each on its own
        outcomes = [_store_alone_or_error(sessions, arrival) for arrival in arrivals]
    try:
        job_queue.enqueue_all([job_id for outcome in outcomes if isinstance(outcome, list)
                               for job_id, _ in outcome])
    except Exception as error:  # stored but not queued: the reconciler puts them back
        return [error if isinstance(outcome, list) and outcome else outcome
                for outcome in outcomes]
    return outcomes


def _store_alone_or_error(sessions: sessionmaker[Session], arrival: Arrival) -> Written:
    try:
        return store_alone(sessions, arrival)
    except Exception as error:  # the outcome of this delivery alone
        return error
