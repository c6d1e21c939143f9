"""The delivery writer process: stores the deliveries the web process sends, answers each.

It opens the store and the queue the settings name, then takes the deliveries that have
arrived, up to BATCH_LIMIT, reads each (`bot.web.deliveries.read_arrival`), stores them together
and queues their jobs (`bot.web.deliveries.store_batch`), and answers the batch
(`bot.web.writer.protocol`), until the web process closes its side. A delivery it cannot read, or
a batch that fails as a whole, is answered with its error, and the writer goes on. On SQLite a
thread of this process makes the checkpoints (`bot.web.writer.checkpoints`). The web side is
`bot.web.writer.client`.
"""

from __future__ import annotations

import contextlib
import signal
import socket
from collections.abc import Callable
from typing import Any

import orjson
import structlog
from sqlalchemy.orm import Session, sessionmaker

from bot.jobs.job_queue import JobQueue, make_huey
from bot.jobs.rules import DEFAULT_TRUSTED_BOTS
from bot.logs import configure_logging
from bot.settings import AppSettings
from bot.store import open_app_store
from bot.web.deliveries import Arrival, Written, describe, read_arrival, store_batch
from bot.web.heap import freeze_start_up_heap
from bot.web.writer.checkpoints import Checkpointer
from bot.web.writer.protocol import Frames, first_line, frame, read_delivery

BATCH_LIMIT = 64
"""The most deliveries one transaction stores; more wait for the next."""
log = structlog.get_logger("flowbot.delivery_writer")


def answer_batch(frames: list[bytes], store: Callable[[list[Arrival]], list[Written]],
                 app_login: str, trusted_bots: frozenset[str] = DEFAULT_TRUSTED_BOTS,
                 ) -> list[tuple[int, dict[str, Any]]]:
    """Read, store and queue a batch of deliveries; each one's answer by sequence number."""
    answers: dict[int, dict[str, Any]] = {}
    readable: list[tuple[int, Arrival]] = []
    for data in frames:
        sent = read_delivery(data)
        sequence, delivery, event = sent.sequence, sent.delivery, sent.event
        try:
            readable.append((sequence, read_arrival(delivery, event, sent.body,
                                                    app_login=app_login,
                                                    trusted_bots=trusted_bots)))
        except ValueError as error:  # orjson.JSONDecodeError and PayloadInvalid
            answers[sequence] = {"malformed": str(error).partition("\n")[0]}
        except Exception as error:  # a payload shape routing does not expect: this one's alone
            log.exception("delivery.unreadable", delivery=delivery, webhook_event=event)
            answers[sequence] = {"malformed": f"a shape flowbot cannot route ({first_line(error)})"}
    outcomes = store([arrival for _, arrival in readable]) if readable else []
    for (sequence, arrival), outcome in zip(readable, outcomes, strict=True):
        if isinstance(outcome, Exception):
            log.error("delivery.not_stored", delivery=arrival.delivery,
                      error=f"{type(outcome).__name__}: {outcome}")
            answers[sequence] = {"error": first_line(outcome)}
        elif outcome is None:
            answers[sequence] = {"duplicate": True}
        else:
            answers[sequence] = {"jobs": outcome, "action": arrival.payload.get("action"),
                                 "decision": describe(arrival.decision)}
    return sorted(answers.items())


def _answered(batch: list[bytes], sessions: sessionmaker[Session], job_queue: JobQueue,
              settings: AppSettings) -> list[tuple[int, dict[str, Any]]]:
    """The batch's answers; if handling it fails as a whole, that failure is each one's answer,
    and the writer goes on with the next batch."""
    try:
        return answer_batch(batch, lambda arrivals: store_batch(sessions, job_queue, arrivals),
                            settings.bot_login, settings.trusted_bots)
    except Exception as error:
        log.exception("delivery_writer.batch_failed", deliveries=len(batch))
        return [(read_delivery(data).sequence, {"error": first_line(error)}) for data in batch]


def serve(sock: socket.socket, settings: AppSettings) -> None:
    """The writer process: open the store and the queue the settings name, then store each
    batch of deliveries that arrives until the web process closes its side."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with sock, contextlib.suppress(ConnectionError):  # the web process went away
        _serve(sock, settings)


def _serve(sock: socket.socket, settings: AppSettings) -> None:
    frames = Frames(sock)
    try:
        configure_logging(settings.log_level, secrets=settings.secret_values())
        sessions = open_app_store(settings.database)
        job_queue = JobQueue(make_huey(settings), sessions)
    except Exception as error:  # the web process says why it cannot start
        sock.sendall(frame(orjson.dumps({"error": first_line(error)})))
        raise
    engine = sessions.kw["bind"]
    checkpointer = Checkpointer(engine) if engine.dialect.name == "sqlite" else None
    if checkpointer is not None:
        checkpointer.start()
    freeze_start_up_heap()
    sock.sendall(frame(orjson.dumps({"ready": True})))
    try:
        while batch := frames.batch(BATCH_LIMIT):
            sock.sendall(frame(orjson.dumps(_answered(batch, sessions, job_queue, settings))))
    finally:
        if checkpointer is not None:
            checkpointer.stop()
