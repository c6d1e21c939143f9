"""One thread stores the web app's deliveries; those that arrive together share a transaction.

A request hands its delivery (an `Arrival`: payload checked and routed) to `DeliveryWriter.store`
and waits on a future of its own. The writer's task, on the event loop, takes whatever deliveries
are waiting (at most BATCH_LIMIT), has its one thread store them and queue their jobs
(`bot.web.deliveries.store_batch`), and settles each request's future with that delivery's own
outcome: a request is answered only after its own delivery is committed and its jobs are queued.
While a batch is being written the next one gathers (a group commit: one commit and one enqueue
per batch, and no pile of threads queueing for SQLite's one write lock). The database work runs
on the thread, so the event loop goes on reading and verifying requests meanwhile.

Closing the writer (when the server stops) stores what is waiting first; later deliveries are
answered `NotStored`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import structlog

from bot.web.deliveries import Arrival, NotStored, Outcome, first_line

BATCH_LIMIT = 64
"""The most deliveries one transaction stores; more wait for the next."""
log = structlog.get_logger("flowbot.delivery_writer")

StoreBatch = Callable[[list[Arrival]], list[Outcome]]
"""Stores a batch of deliveries and queues their jobs; each one's outcome, in order."""


@dataclass(frozen=True)
class _Waiting:
    arrival: Arrival
    answer: asyncio.Future[Outcome]


class DeliveryWriter:
    """The web app's one writer: a task on the event loop that gathers deliveries into batches,
    and the thread that stores each batch."""

    def __init__(self, store_batch: StoreBatch) -> None:
        self._store_batch = store_batch
        self._waiting: list[_Waiting] = []
        self._arrived = asyncio.Event()
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="delivery-writer")
        self._writing: asyncio.Task[None] | None = None
        self._closed = False

    def start(self) -> None:
        """Start writing batches on the running event loop (the app's lifespan does; the first
        delivery would otherwise)."""
        if self._writing is None and not self._closed:
            self._writing = asyncio.get_running_loop().create_task(self._write_batches())

    async def store(self, arrival: Arrival) -> Outcome:
        """Store the delivery once and queue its jobs; what came of it."""
        self.start()
        if self._closed:
            return NotStored("the delivery writer is closed: the server is stopping")
        waiting = _Waiting(arrival, asyncio.get_running_loop().create_future())
        self._waiting.append(waiting)
        self._arrived.set()
        return await waiting.answer

    async def aclose(self) -> None:
        """Store what is waiting, then stop; later deliveries are answered NotStored."""
        self._closed = True
        self._arrived.set()
        if self._writing is not None:
            await asyncio.shield(self._writing)  # a cancelled shutdown still lets it finish
        self._thread.shutdown()

    async def _write_batches(self) -> None:
        loop = asyncio.get_running_loop()
        while self._waiting or not self._closed:
            if not self._waiting:
                await self._arrived.wait()
                self._arrived.clear()
                continue
            batch, self._waiting = self._waiting[:BATCH_LIMIT], self._waiting[BATCH_LIMIT:]
            arrivals = [waiting.arrival for waiting in batch]
            try:
                outcomes = await loop.run_in_executor(self._thread, self._store_batch, arrivals)
            except Exception as error:  # the isolation boundary of a batch
                # store_batch answers every error the store and the queue can raise; anything
                # else is a bug, which must fail only this batch's requests (5xx, the log has
                # the traceback), never the writer and every later delivery with it
                log.exception("delivery_writer.batch_failed", deliveries=len(batch))
                outcomes = [NotStored(first_line(error))] * len(batch)
            for waiting, outcome in zip(batch, outcomes, strict=True):
                if not waiting.answer.done():  # else its request went away; stored all the same
                    waiting.answer.set_result(outcome)
