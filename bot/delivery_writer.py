"""The delivery writer: the process that stores the web app's deliveries and queues their jobs.

The web process reads a delivery, checks its signature and sends the raw body here over a
socket pair; this process reads the payload, stores the delivery and its jobs once, puts the
jobs on the queue (`bot.deliveries`), and answers. A request is answered only after its own
delivery is committed and its jobs are queued. Deliveries that arrive while a batch is being
written are stored together in the next one.

Why a process and not a thread: a writer thread's parsing and SQLAlchemy work held the same
interpreter lock as the event loop, and each of its database calls waited for the loop to let
go of it, so the loop spent more per request than its own work and requests waited longer for
their batch (`python -m benchmarks.webhooks`). On SQLite the write-ahead log is checkpointed
by a thread of this process (`bot.wal_checkpoints`), so no batch waits for the disk's sync.

The web process starts the writer (forked from a multiprocessing fork server that has imported
this module, so a start costs milliseconds, not an interpreter's start-up) and starts another if
it dies; requests that were waiting on it get `DeliveryNotStored`, and GitHub can redeliver
them. Ctrl-C reaches the whole process group: the writer ignores it and stops when the web
process, stopping, closes its side of the socket pair (or dies), so what it was sent is stored
first. A SIGTERM stops it at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import signal
import socket
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson
import structlog

from bot.deliveries import Arrival, Written, describe, read_arrival, store_batch
from bot.heap import freeze_start_up_heap
from bot.logging import configure_logging
from bot.queue import JobQueue, make_huey
from bot.settings import AppSettings
from bot.store import open_app_store
from bot.wal_checkpoints import Checkpointer

BATCH_LIMIT = 64
"""The most deliveries one transaction stores; more wait for the next."""
START_TIMEOUT_S = 60.0
_LENGTH = struct.Struct("!I")
_DELIVERY = struct.Struct("!QHH")
"""A delivery's frame: its sequence number, the lengths of its id and event name; then the id,
the event name and the body."""
log = structlog.get_logger("flowbot.delivery_writer")
_PROCESSES = multiprocessing.get_context("forkserver")
_PROCESSES.set_forkserver_preload([__name__])


@dataclass(frozen=True)
class Accepted:
    """The delivery is stored and its jobs are queued."""

    jobs: list[tuple[int, str]]
    """The (id, kind) of each job it made."""
    action: str | None
    decision: str


@dataclass(frozen=True)
class Duplicate:
    """The delivery was stored before (a redelivery): nothing was done."""


@dataclass(frozen=True)
class Malformed:
    """The body is not a payload its event can have; nothing was stored."""

    reason: str


Outcome = Accepted | Duplicate | Malformed


class DeliveryNotStored(RuntimeError):
    """The delivery may not be stored: the database refused it, or the writer stopped."""


class DeliveryWriter:
    """The web process's side: starts the writer process, sends it deliveries, hands each
    request its outcome."""

    def __init__(self, settings: AppSettings) -> None:
        self._settings = settings
        self._process: multiprocessing.process.BaseProcess | None = None
        self._stream: asyncio.StreamWriter | None = None
        self._reading: asyncio.Task[None] | None = None
        self._waiting: dict[int, asyncio.Future[Outcome]] = {}
        self._sent = 0
        self._starting = asyncio.Lock()
        self._closed = False

    @property
    def pid(self) -> int | None:
        """The writer process's id while it runs."""
        return self._process.pid if self._process is not None and self._stream else None

    async def start(self) -> None:
        """Start the writer process, if it is not running, and wait until it is ready."""
        async with self._starting:
            if self._closed:
                raise DeliveryNotStored("the delivery writer is closed: the server is stopping")
            if self._stream is not None:
                return
            ours, theirs = socket.socketpair()
            with theirs:
                self._process = _PROCESSES.Process(target=serve, args=(theirs, self._settings),
                                                   name="flowbot-delivery-writer", daemon=True)
                # the first start also starts the fork server: not on the event loop
                await asyncio.to_thread(self._process.start)
            reader, stream = await asyncio.open_unix_connection(sock=ours)
            try:
                ready = orjson.loads(await asyncio.wait_for(_read_frame(reader),
                                                            START_TIMEOUT_S))
            except (OSError, EOFError, TimeoutError, asyncio.IncompleteReadError):
                ready = {"error": "it stopped before it was ready"}
            if "error" in ready:
                stream.close()
                self._process.kill()
                await asyncio.to_thread(self._process.join)
                raise DeliveryNotStored(f"the delivery writer did not start: {ready['error']}")
            self._stream = stream
            self._reading = asyncio.get_running_loop().create_task(self._read(reader))
            log.info("delivery_writer.started", pid=self._process.pid)

    async def store(self, delivery: str, event: str, body: bytes) -> Outcome:
        """Store the delivery once and queue its jobs; what came of it."""
        await self.start()
        assert self._stream is not None  # started above
        self._sent += 1
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._waiting[self._sent] = future
        identity = delivery.encode() + event.encode()
        self._stream.write(_frame(_DELIVERY.pack(self._sent, len(delivery.encode()),
                                                 len(event.encode())) + identity + body))
        return await future

    async def aclose(self) -> None:
        """Let the writer store what it was sent, then stop it; later deliveries are refused."""
        async with self._starting:
            self._closed = True
            stream, reading, process = self._stream, self._reading, self._process
            self._stream = None
        if stream is None or reading is None or process is None:
            return
        stream.write_eof()
        await reading
        stream.close()
        await asyncio.to_thread(process.join)

    async def _read(self, reader: asyncio.StreamReader) -> None:
        """Hand each waiting request its outcome; if the writer stops, fail the rest."""
        try:
            while True:
                for sequence, answer in orjson.loads(await _read_frame(reader)):
                    future = self._waiting.pop(sequence)
                    if not future.done():  # else the request went away; stored all the same
                        _settle(future, answer)
        except (OSError, asyncio.IncompleteReadError):
            pass
        # from here on, deliveries go to a new writer, with requests of their own
        orphaned, self._waiting = self._waiting, {}
        stream, process, self._stream = self._stream, self._process, None
        if stream is not None:
            stream.close()
        if process is not None:
            await asyncio.to_thread(process.join)
        status = process.exitcode if process is not None else None
        if orphaned or not self._closed:
            log.error("delivery_writer.stopped", exit_status=status, waiting=len(orphaned))
        for future in orphaned.values():
            if not future.done():
                future.set_exception(DeliveryNotStored(
                    f"the delivery writer stopped (exit status {status})"))


def _settle(future: asyncio.Future[Outcome], answer: dict[str, Any]) -> None:
    if "error" in answer:
        future.set_exception(DeliveryNotStored(answer["error"]))
    elif "malformed" in answer:
        future.set_result(Malformed(answer["malformed"]))
    elif answer.get("duplicate"):
        future.set_result(Duplicate())
    else:
        future.set_result(Accepted([(job_id, kind) for job_id, kind in answer["jobs"]],
                                   answer["action"], answer["decision"]))


def _frame(data: bytes) -> bytes:
    return _LENGTH.pack(len(data)) + data


async def _read_frame(reader: asyncio.StreamReader) -> bytes:
    (length,) = _LENGTH.unpack(await reader.readexactly(_LENGTH.size))
    return await reader.readexactly(length)


class _Frames:
    """The frames the web process sends, read from a blocking socket."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._buffer = bytearray()
        self.ended = False

    def batch(self, limit: int) -> list[bytes]:
        """The frames that have arrived, at least one (waiting for it) and at most `limit`;
        empty once the web process has closed its side and every frame was read."""
        frames = list(self._complete(limit))
        while not frames and not self.ended:
            chunk = self._sock.recv(1 << 20)
            self.ended = not chunk
            self._buffer += chunk
            frames = list(self._complete(limit))
        return frames

    def _complete(self, limit: int) -> Iterator[bytes]:
        for _ in range(limit):
            if len(self._buffer) < _LENGTH.size:
                return
            (length,) = _LENGTH.unpack_from(self._buffer)
            end = _LENGTH.size + length
            if len(self._buffer) < end:
                return
            yield bytes(self._buffer[_LENGTH.size:end])
            del self._buffer[:end]


def _answers(frames: list[bytes], store: Callable[[list[Arrival]], list[Written]],
             app_login: str) -> list[tuple[int, dict[str, Any]]]:
    """Read, store and queue a batch of deliveries; each one's answer by sequence number."""
    answers: dict[int, dict[str, Any]] = {}
    readable: list[tuple[int, Arrival]] = []
    for data in frames:
        sequence, id_length, event_length = _DELIVERY.unpack_from(data)
        start = _DELIVERY.size
        delivery = data[start:start + id_length].decode()
        event = data[start + id_length:start + id_length + event_length].decode()
        try:
            readable.append((sequence, read_arrival(
                delivery, event, data[start + id_length + event_length:], app_login=app_login)))
        except ValueError as error:  # orjson.JSONDecodeError and PayloadInvalid
            answers[sequence] = {"malformed": str(error).splitlines()[0]}
    outcomes = store([arrival for _, arrival in readable]) if readable else []
    for (sequence, arrival), outcome in zip(readable, outcomes, strict=True):
        if isinstance(outcome, Exception):
            log.error("delivery.not_stored", delivery=arrival.delivery,
                      error=f"{type(outcome).__name__}: {outcome}")
            answers[sequence] = {"error": f"{type(outcome).__name__}: "
                                          f"{str(outcome).splitlines()[0]}"}
        elif outcome is None:
            answers[sequence] = {"duplicate": True}
        else:
            answers[sequence] = {"jobs": outcome, "action": arrival.payload.get("action"),
                                 "decision": describe(arrival.decision)}
    return sorted(answers.items())


def serve(sock: socket.socket, settings: AppSettings) -> None:
    """The writer process: open the store and the queue the settings name, then store each
    batch of deliveries that arrives until the web process closes its side."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with sock, contextlib.suppress(BrokenPipeError):
        _serve(sock, settings)


def _serve(sock: socket.socket, settings: AppSettings) -> None:
    frames = _Frames(sock)
    configure_logging(settings.log_level, secrets=settings.secret_values())
    try:
        sessions = open_app_store(settings.database)
        job_queue = JobQueue(make_huey(settings), sessions)
    except Exception as error:  # the web process says why it cannot start
        sock.sendall(_frame(orjson.dumps({"error": f"{type(error).__name__}: {error}"})))
        raise
    engine = sessions.kw["bind"]
    checkpointer = Checkpointer(engine) if engine.dialect.name == "sqlite" else None
    if checkpointer is not None:
        checkpointer.start()
    freeze_start_up_heap()
    sock.sendall(_frame(orjson.dumps({"ready": True})))
    try:
        while batch := frames.batch(BATCH_LIMIT):
            answers = _answers(batch, lambda arrivals: store_batch(sessions, job_queue, arrivals),
                               settings.bot_login)
            sock.sendall(_frame(orjson.dumps(answers)))
    finally:
        if checkpointer is not None:
            checkpointer.stop()
