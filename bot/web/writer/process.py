"""The writer process: stores the web process's deliveries, batch by batch, and answers each.

The web process (`bot.web.writer.client`) starts it with its end of their socket pair, and a
socket its stderr goes to (the web process writes those lines to its own). It reads `Start`,
opens the app's store and the job queue, answers `Ready`, then for each `Batch`: reads every
payload (a malformed one is answered `Malformed`), stores the rest in one transaction and
queues their jobs
(`bot.web.deliveries.store_batch`), logs each delivery, and answers `Written`. It stops when the
web process closes its end, also when that process died. Signals meant for the server (Ctrl-C in
a terminal, a service manager's SIGTERM to the whole group) do not stop it mid-batch: the web
process closes it once what is waiting is written.

It runs apart from the web process so that parsing, storing and logging deliveries do not take
turns with the event loop for one interpreter lock; its SQLite checkpoints are its own too
(`bot.web.checkpoints`).
"""

from __future__ import annotations

import os
import signal
import socket

import structlog
from sqlalchemy.orm import Session, sessionmaker

from bot.jobs.job_queue import JobQueue, make_huey
from bot.logs import configure_logging
from bot.settings import AppSettings
from bot.store import open_app_store
from bot.web.checkpoints import Checkpointer
from bot.web.deliveries import (
    Answer,
    Arrival,
    Duplicate,
    Malformed,
    NotStored,
    describe,
    read_arrival,
    store_batch,
)
from bot.web.writer.messages import (
    Batch,
    Ready,
    Received,
    Start,
    Written,
    expect,
    read_frame_blocking,
    send_blocking,
)
from connectors.core.redaction import first_line

log = structlog.get_logger("flowbot.webhooks")


def write_batch(settings: AppSettings, sessions: sessionmaker[Session], queue: JobQueue,
                batch: list[Received]) -> list[Answer]:
    """Read each delivery's payload, store the well-formed ones together and queue their jobs;
    each delivery's answer, in order, each logged."""
    read: list[Arrival | Malformed] = []
    for received in batch:
        try:
            read.append(read_arrival(received.delivery, received.event, received.body,
                                     app_login=settings.bot_login,
                                     trusted_bots=settings.trusted_bots))
        except ValueError as error:  # orjson.JSONDecodeError and PayloadInvalid
            read.append(Malformed(first_line(error)))
    arrivals = [arrival for arrival in read if isinstance(arrival, Arrival)]
    stored = iter(store_batch(sessions, queue, arrivals) if arrivals else [])
    answers: list[Answer] = []
    for received, arrival in zip(batch, read, strict=True):
        answer = arrival if isinstance(arrival, Malformed) else next(stored)
        _log(received, arrival, answer)
        answers.append(answer)
    return answers


def _log(received: Received, arrival: Arrival | Malformed, answer: Answer) -> None:
    about = {"delivery": received.delivery, "webhook_event": received.event}
    if isinstance(answer, Malformed):
        log.info("delivery.malformed", **about, error=answer.reason)
    elif isinstance(answer, Duplicate):
        log.info("delivery.duplicate", **about)
    elif isinstance(answer, NotStored):
        log.error("delivery.not_stored", **about, error=answer.reason)
    elif isinstance(arrival, Arrival):  # a delivery stored is one that was read
        log.info("delivery.accepted", **about, action=arrival.payload.get("action"),
                 jobs=[job_id for job_id, _ in answer.jobs], decision=describe(arrival.decision))


def serve(channel: socket.socket) -> None:
    """Answer the web process on `channel` until it closes its end."""
    frames = channel.makefile("rb")
    data = read_frame_blocking(frames)
    if data is None:
        return
    settings = expect(data, Start).settings
    configure_logging(settings.log_level, secrets=settings.secret_values())
    sessions = open_app_store(settings.database)
    engine = sessions.kw["bind"]
    checkpointer = Checkpointer(engine) if engine.dialect.name == "sqlite" else None
    if checkpointer is not None:
        checkpointer.start()
    queue = JobQueue(make_huey(settings), sessions)
    send_blocking(channel, Ready())
    try:
        while (data := read_frame_blocking(frames)) is not None:
            batch = expect(data, Batch).deliveries
            send_blocking(channel, Written(write_batch(settings, sessions, queue, batch)))
    finally:
        if checkpointer is not None:
            checkpointer.stop()


def main(channel: socket.socket, logs: socket.socket) -> None:
    """The process's entry point: answer on `channel`, log to `logs`."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    os.dup2(logs.fileno(), 2)
    logs.close()
    with channel:
        try:
            serve(channel)
        except ConnectionError:  # the web process went away mid-answer: nothing to answer
            return
        except Exception:  # the process's boundary: one structured line, then the web
            log.exception("delivery_writer.crashed")  # process answers 503 and starts another
            raise SystemExit(1) from None
