"""Gathering the web app's deliveries into batches for the writer: a group commit.

A request hands its delivery to `DeliveryWriter.store` and waits on a future of its own. The
writer's task takes whatever deliveries are waiting (at most BATCH_LIMIT), has them written
together (by the writer process, `bot.web.writer.client`), and settles each request's future with
that delivery's own answer: a request is answered only after its own delivery is committed and
its jobs are queued. While a batch is being written the next one gathers: one commit and one
enqueue per batch, however many requests arrive at once.

Closing the writer (when the server stops) writes what is waiting first; later deliveries are
answered `NotStored`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

import structlog

from bot.web.deliveries import Answer, NotStored, first_line
from bot.web.writer.messages import Received

BATCH_LIMIT = 64
"""The most deliveries one transaction stores; more wait for the next."""
log = structlog.get_logger("flowbot.delivery_writer")

WriteBatch = Callable[[list[Received]], Awaitable[list[Answer]]]
"""Stores a batch of deliveries and queues their jobs; each one's answer, in order."""


class BatchWriter(Protocol):
    """What stores the batches: the writer process (`bot.web.writer.client.WriterProcess`)."""

    async def start(self) -> None:
        """Be ready to write (the web app's lifespan starts it before the first request)."""

    async def write(self, batch: list[Received]) -> list[Answer]:
        """Store the deliveries together and queue their jobs; each one's answer, in order."""

    async def aclose(self) -> None:
        """Stop, once the last batch is written."""


@dataclass(frozen=True)
class _Waiting:
    received: Received
    answer: asyncio.Future[Answer]


class DeliveryWriter:
    """The task on the event loop that gathers deliveries into batches and has each written."""

    def __init__(self, write_batch: WriteBatch) -> None:
        self._write_batch = write_batch
        self._waiting: list[_Waiting] = []
        self._arrived = asyncio.Event()
        self._writing: asyncio.Task[None] | None = None
        self._closed = False

    def start(self) -> None:
        """Start writing batches on the running event loop (the app's lifespan does; the first
        delivery would otherwise)."""
        if self._writing is None and not self._closed:
            self._writing = asyncio.get_running_loop().create_task(self._write_batches())

    async def store(self, received: Received) -> Answer:
        """Store the delivery once and queue its jobs; what came of it."""
        self.start()
        if self._closed:
            return NotStored("the delivery writer is closed: the server is stopping")
        waiting = _Waiting(received, asyncio.get_running_loop().create_future())
        self._waiting.append(waiting)
        self._arrived.set()
        return await waiting.answer

    async def aclose(self) -> None:
        """Write what is waiting, then stop; later deliveries are answered NotStored."""
        self._closed = True
        self._arrived.set()
        if self._writing is not None:
            await asyncio.shield(self._writing)  # a cancelled shutdown still lets it finish

    async def _write_batches(self) -> None:
        while self._waiting or not self._closed:
            if not self._waiting:
                await self._arrived.wait()
                self._arrived.clear()
                continue
            batch, self._waiting = self._waiting[:BATCH_LIMIT], self._waiting[BATCH_LIMIT:]
            try:
                answers = await self._write_batch([waiting.received for waiting in batch])
            except Exception as error:  # the isolation boundary of a batch
                # the writer answers every failure of its process and the store; anything else
                # is a bug, which must fail only this batch's requests (5xx, the log has the
                # traceback), never the writer and every later delivery with it
                log.exception("delivery_writer.batch_failed", deliveries=len(batch))
                answers = [NotStored(first_line(error))] * len(batch)
            for waiting, answer in zip(batch, answers, strict=True):
                if not waiting.answer.done():  # else its request went away; stored all the same
                    waiting.answer.set_result(answer)
