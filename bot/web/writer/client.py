"""The web process's side of the writer process: starting it, handing it batches, restarting it.

The writer process is forked by multiprocessing's fork server, which imports the writer's code
once (`set_forkserver_preload`), so a writer process starts in milliseconds: a restarted one, and
each web app a test suite starts. Forking the web process itself is not safe (it runs threads).

`WriterProcess.write` sends a batch and waits for its answers, one batch at a time (the batches
are gathered by `bot.web.writer.batches`). When the writer process has died, that batch's
deliveries are answered `NotStored` (GitHub's redelivery is answered `Duplicate` if the batch was
in fact committed), and the next batch starts a new one.

The writer process's log lines come back through a pipe and are written to this process's
stderr as it is at that moment (`bot.logs`), so that the server's log is one stream wherever
stderr points now, not where it pointed when the writer process started.
"""

from __future__ import annotations

import asyncio
import codecs
import multiprocessing
import socket
import sys
from multiprocessing.context import ForkServerProcess

import structlog

from bot.settings import AppSettings
from bot.web.deliveries import Answer, NotStored
from bot.web.writer import process as writer_process
from bot.web.writer.messages import (
    Batch,
    ProtocolError,
    Ready,
    Received,
    Start,
    Written,
    expect,
    frame,
    read_frame,
)

START_TIMEOUT_S = 60.0
"""How long the writer process may take to open the store and the queue."""
STOP_TIMEOUT_S = 10.0
"""How long the writer process may take to finish after its socket is closed, before it is
killed."""
log = structlog.get_logger("flowbot.delivery_writer")
_FORK_SERVER = multiprocessing.get_context("forkserver")
_FORK_SERVER.set_forkserver_preload([writer_process.__name__])


class _LogRelay(asyncio.Protocol):
    """Writes what the writer process logs to this process's stderr."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.ended = asyncio.get_running_loop().create_future()

    def data_received(self, data: bytes) -> None:
        sys.stderr.write(self._decoder.decode(data))
        sys.stderr.flush()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.ended.done():
            self.ended.set_result(None)


class WriterUnavailable(Exception):
    """The writer process did not start, or stopped while it was writing."""


class WriterProcess:
    """The writer process of one web process, started on demand."""

    def __init__(self, settings: AppSettings) -> None:
        self._settings = settings
        self._process: ForkServerProcess | None = None
        self._channel: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self._logs: _LogRelay | None = None
        self.exit_code: int | None = None
        """How the last writer process ended (negative: the signal that stopped it)."""

    @property
    def pid(self) -> int | None:
        """The writer process's id while one runs (for operators' tools)."""
        return self._process.pid if self._process is not None else None

    async def start(self) -> None:
        """Start the writer process and wait until its store and queue are open
        (WriterUnavailable if it cannot open them)."""
        if self._channel is not None:
            return
        ours, theirs = socket.socketpair()
        logs_ours, logs_theirs = socket.socketpair()
        self._process = _FORK_SERVER.Process(target=writer_process.main,
                                             args=(theirs, logs_theirs),
                                             name="flowbot-delivery-writer")
        self._process.start()
        theirs.close()
        logs_theirs.close()
        loop = asyncio.get_running_loop()
        _, self._logs = await loop.connect_accepted_socket(_LogRelay, logs_ours)
        reader, writer = await asyncio.open_unix_connection(sock=ours)
        self._channel = reader, writer
        try:
            writer.write(frame(Start(self._settings)))
            expect(await asyncio.wait_for(read_frame(reader), START_TIMEOUT_S), Ready)
        except (OSError, asyncio.IncompleteReadError, TimeoutError) as error:
            raise WriterUnavailable(await self._stopped("did not start", error)) from None

    async def write(self, batch: list[Received]) -> list[Answer]:
        """Store the deliveries together and queue their jobs; each one's answer, in order."""
        try:
            await self.start()
            assert self._channel is not None  # started above
            reader, writer = self._channel
            writer.write(frame(Batch(batch)))
            await writer.drain()
            return expect(await read_frame(reader), Written).answers
        except WriterUnavailable as error:
            return [NotStored(str(error))] * len(batch)
        except (OSError, asyncio.IncompleteReadError, ProtocolError) as error:
            reason = await self._stopped("stopped while writing", error)
            return [NotStored(reason)] * len(batch)

    async def aclose(self) -> None:
        """Close the writer process's socket and wait for it to finish (killed if it does not
        within STOP_TIMEOUT_S)."""
        if self._channel is not None:
            self._channel[1].close()
            self._channel = None
        if self._process is not None:
            process, self._process = self._process, None
            await asyncio.to_thread(process.join, STOP_TIMEOUT_S)
            if process.exitcode is None:
                process.kill()
                await asyncio.to_thread(process.join)
            self.exit_code = process.exitcode
            process.close()
        if self._logs is not None:  # its last lines, up to the end of its stderr
            logs, self._logs = self._logs, None
            await logs.ended

    async def _stopped(self, what: str, error: BaseException) -> str:
        """Forget the failed writer process (the next batch starts another); why, for the log
        and the answer."""
        await self.aclose()
        reason = f"the delivery writer process {what} (exit code {self.exit_code}; " \
                 f"{type(error).__name__}); the next delivery starts another"
        log.error("delivery_writer.stopped", reason=reason)
        return reason
