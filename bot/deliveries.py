"""Storing accepted deliveries: each exactly once, with its jobs, then on the queue.

The web app hands every verified delivery to one `DeliveryWriter` thread. Deliveries that arrive
while it is writing are stored together in one transaction (a group commit): one commit and one
thread hand-off per batch instead of per delivery, and no pile of threads queueing for SQLite's
single writer. On SQLite the write-ahead log is checkpointed by a thread of its own
(`bot.wal_checkpoints`), so no batch waits for the disk's sync. A batch a unique key refuses (a
redelivery, a trigger seen before) is stored again one delivery at a time, so one delivery's
problem is never another's. A request is answered only after its own delivery is committed and
its jobs are on the queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.events import Ignored, JobRequest, job_values, new_job
from bot.installations import INSTALLATION_EVENTS, apply_installation_event
from bot.queue import JobQueue
from bot.store import Base, Delivery, Job
from bot.wal_checkpoints import Checkpointer
from flowkit.runtime.store import JsonText

Stored = list[tuple[int, str]] | None
"""The (id, kind) of each job a delivery made; None when the delivery was stored before."""

BATCH_LIMIT = 64
"""The most deliveries one transaction stores; more wait for the next."""
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
    `labeled` at once) is not made again. The first try just inserts; when a unique key refuses
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
                for request in _requests(arrival):
                    if last_try and session.scalar(select(Job.id).where(
                            Job.trigger == request.trigger)):
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


@dataclass(frozen=True)
class _Waiting:
    arrival: Arrival
    future: asyncio.Future[Stored]
    loop: asyncio.AbstractEventLoop


_Outcome = Stored | BaseException


class DeliveryWriter:
    """The one thread that stores the web app's deliveries and puts their jobs on the queue."""

    def __init__(self, sessions: sessionmaker[Session], job_queue: JobQueue) -> None:
        self._sessions, self._queue = sessions, job_queue
        self._waiting: queue.SimpleQueue[_Waiting | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._starting = threading.Lock()
        self._closed = False
        engine = sessions.kw["bind"]
        self._checkpointer = Checkpointer(engine) if engine.dialect.name == "sqlite" else None

    async def store(self, arrival: Arrival) -> Stored:
        """Store the delivery once and enqueue its jobs; the jobs made, None for a redelivery."""
        self._start()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Stored] = loop.create_future()
        self._waiting.put(_Waiting(arrival, future, loop))
        return await future

    def close(self) -> None:
        """Store what is waiting, then stop the thread; later deliveries are refused."""
        with self._starting:
            thread, self._thread, self._closed = self._thread, None, True
        if thread is not None:
            self._waiting.put(None)
            thread.join()
            if self._checkpointer is not None:
                self._checkpointer.stop()

    def _start(self) -> None:
        with self._starting:
            if self._closed:
                raise RuntimeError("the delivery writer is closed: the server is stopping")
            if self._thread is None:
                if self._checkpointer is not None:
                    self._checkpointer.start()
                self._thread = threading.Thread(target=self._run, name="delivery-writer",
                                                daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            first = self._waiting.get()
            if first is None:
                return
            batch, stopping = [first], False
            while len(batch) < BATCH_LIMIT and not stopping:
                try:
                    waiting = self._waiting.get_nowait()
                except queue.Empty:
                    break
                if waiting is None:
                    stopping = True
                else:
                    batch.append(waiting)
            outcomes: list[_Outcome]
            try:
                outcomes = self._write([waiting.arrival for waiting in batch])
            except Exception as error:  # the thread must outlive any one batch
                outcomes = [error] * len(batch)
            self._settle(batch, outcomes)
            if stopping:
                return

    def _write(self, arrivals: list[Arrival]) -> list[_Outcome]:
        outcomes: list[_Outcome]
        try:
            outcomes = list(store_together(self._sessions, arrivals))
        except Exception:  # each delivery is tried again on its own
            outcomes = [self._write_alone(arrival) for arrival in arrivals]
        try:
            self._queue.enqueue_all([job_id for outcome in outcomes if isinstance(outcome, list)
                                     for job_id, _ in outcome])
        except Exception as error:  # stored but not queued: the reconciler puts them back
            return [error if isinstance(outcome, list) and outcome else outcome
                    for outcome in outcomes]
        return outcomes

    def _write_alone(self, arrival: Arrival) -> _Outcome:
        try:
            return store_alone(self._sessions, arrival)
        except Exception as error:  # handed to the request that waits for it
            return error

    @staticmethod
    def _settle(batch: list[_Waiting], outcomes: list[_Outcome]) -> None:
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Stored],
                                                             _Outcome]]] = {}
        for waiting, outcome in zip(batch, outcomes, strict=True):
            by_loop.setdefault(waiting.loop, []).append((waiting.future, outcome))
        for loop, settled in by_loop.items():
            with contextlib.suppress(RuntimeError):  # its loop has closed: nobody waits
                loop.call_soon_threadsafe(_resolve, settled)


def _resolve(settled: list[tuple[asyncio.Future[Stored], _Outcome]]) -> None:
    for future, outcome in settled:
        if future.done():  # the request went away; its delivery is stored all the same
            continue
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)
