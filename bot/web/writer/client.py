"""The web process's side of the delivery writer, the process that stores deliveries.

The web process reads a delivery and checks its signature, then sends the raw body to the
writer (`process`) over a socket pair (`protocol`); the writer reads the
payload, stores the delivery and its jobs once, puts the jobs on the queue, and answers. A
request is answered only after its own delivery is committed and its jobs are queued.
Deliveries that arrive while a batch is being written are stored together in the next one.

Why a process and not a thread: a writer thread's parsing and SQLAlchemy work held the same
interpreter lock as the event loop, and each of its database calls waited for the loop to let
go of it, so the loop spent more per request than its own work and requests waited longer for
their batch (`python -m benchmarks.webhooks`: 0.32-0.37 of a bare endpoint's throughput with
the thread, 0.54-0.60 with the process).

The writer is forked from a multiprocessing fork server that has imported `bot.web.writer.process`,
so a start costs milliseconds, not an interpreter's start-up. If it dies, the requests that
were waiting on it get `DeliveryNotStored` (answered 503: GitHub does not redeliver by itself,
but a person can from the webhook's delivery log, and the reconciler finds the work of lost
`issues` deliveries and commands), and the next delivery starts another. Like any
multiprocessing child it imports the main script of the web process again: a script that
starts a server must do so under `if __name__ == "__main__"`, as `flowbot`, `uvicorn` and
`gunicorn` do.

Ctrl-C reaches the whole process group: the writer ignores it and stops when the web process,
stopping, closes its side of the socket pair (or dies), so what it was sent is stored first
(for at most CLOSE_TIMEOUT_S). A SIGTERM stops it at once.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import socket
import time
from dataclasses import dataclass
from typing import Any

import orjson
import structlog

from bot.settings import AppSettings
from bot.web.writer import process as writer_process
from bot.web.writer.protocol import delivery_message, first_line, frame, read_frame

START_TIMEOUT_S = 60.0
RETRY_START_S = 5.0
"""After a writer failed to start, deliveries are refused at once for this long."""
CLOSE_TIMEOUT_S = 30.0
"""How long a stopping server lets the writer store what it was sent (GitHub itself gives up on
a delivery after 10 s)."""
EXIT_WAIT_S = 10.0
"""How long a writer that closed its side may take to exit before it is killed."""
log = structlog.get_logger("flowbot.delivery_writer")
_PROCESSES = multiprocessing.get_context("forkserver")
_PROCESSES.set_forkserver_preload([writer_process.__name__])


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
        self._failed: tuple[float, str] | None = None
        """When the last start failed, and why."""

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
            if self._failed is not None and time.monotonic() < self._failed[0] + RETRY_START_S:
                raise DeliveryNotStored(self._failed[1])  # no queue of doomed starts
            try:
                self._stream, reader = await self._spawn()
            except DeliveryNotStored as error:
                self._failed = (time.monotonic(), str(error))
                raise
            self._failed = None
            self._reading = asyncio.get_running_loop().create_task(self._read(reader))
            log.info("delivery_writer.started", pid=self.pid)

    async def _spawn(self) -> tuple[asyncio.StreamWriter, asyncio.StreamReader]:
        """A new writer process, ready; on any failure nothing is left behind."""
        ours, theirs = socket.socketpair()
        process = _PROCESSES.Process(target=writer_process.serve, args=(theirs, self._settings),
                                     name="flowbot-delivery-writer", daemon=True)
        stream: asyncio.StreamWriter | None = None
        try:
            with theirs:
                # the first start also starts the fork server: not on the event loop
                await asyncio.to_thread(process.start)
            reader, stream = await asyncio.open_unix_connection(sock=ours)
            ready = orjson.loads(await asyncio.wait_for(read_frame(reader), START_TIMEOUT_S))
            if "error" in ready:
                raise DeliveryNotStored(f"the delivery writer did not start: {ready['error']}")
        except BaseException as error:
            if stream is not None:
                stream.close()
            ours.close()
            if process.pid is not None:
                if process.exitcode is None:
                    process.kill()
                await asyncio.to_thread(process.join)
            if isinstance(error, DeliveryNotStored) or not isinstance(error, Exception):
                raise
            raise DeliveryNotStored(f"the delivery writer did not start: "
                                    f"{first_line(error)}") from error
        self._process = process
        return stream, reader

    async def store(self, delivery: str, event: str, body: bytes) -> Outcome:
        """Store the delivery once and queue its jobs; what came of it."""
        await self.start()
        assert self._stream is not None  # started above
        self._sent += 1
        try:
            sent = frame(delivery_message(self._sent, delivery, event, body))
        except ValueError as error:
            raise DeliveryNotStored(str(error)) from None
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._waiting[self._sent] = future
        self._stream.write(sent)
        return await future

    async def aclose(self) -> None:
        """Let the writer store what it was sent (for at most CLOSE_TIMEOUT_S), then stop it;
        later deliveries are refused."""
        async with self._starting:
            self._closed = True
            stream, reading, process = self._stream, self._reading, self._process
        if stream is None or reading is None or process is None:
            return
        stream.write_eof()
        try:  # shielded: a cancelled shutdown must not cancel the reader's clean-up
            await asyncio.wait_for(asyncio.shield(reading), CLOSE_TIMEOUT_S)
        except TimeoutError:
            log.error("delivery_writer.kill", reason=f"still writing after {CLOSE_TIMEOUT_S} s")
            if process.exitcode is None:
                process.kill()
            await asyncio.shield(reading)

    async def _read(self, reader: asyncio.StreamReader) -> None:
        """Hand each waiting request its outcome; if the writer stops, fail the rest."""
        try:
            while True:
                for sequence, answer in orjson.loads(await read_frame(reader)):
                    future = self._waiting.pop(sequence, None)
                    if future is not None and not future.done():  # else it went away
                        _settle(future, answer)
        except (OSError, asyncio.IncompleteReadError):
            pass  # the writer stopped
        except Exception:  # an answer that cannot be read: this writer cannot be trusted
            log.exception("delivery_writer.unreadable")
        finally:
            await self._forget_writer()

    async def _forget_writer(self) -> None:
        """Stop and forget the writer: deliveries go to a new one, with requests of their own;
        the requests that waited on this one get DeliveryNotStored."""
        orphaned, self._waiting = self._waiting, {}
        stream, process, self._stream = self._stream, self._process, None
        if stream is not None:
            stream.close()
        if process is not None:
            await asyncio.to_thread(process.join, EXIT_WAIT_S)  # its last checkpoint, say
            if process.exitcode is None:  # still there, and not answering
                process.kill()
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
