"""`flowbot serve` with the simpler design issue 16 asked to try first, for `benchmarks.webhooks`
to measure beside the real one: the deliveries are stored by a thread of the web process itself
instead of the writer process (`bot.web.writer`), so that storing shares the interpreter lock
with the event loop. Everything else is the real app: the same batches (`DeliveryWriter`), the
same `write_batch`, the same server options.

    python -m benchmarks.webhooks_thread_writer --port P
"""

from __future__ import annotations

import argparse
import asyncio
from concurrent.futures import ThreadPoolExecutor

import uvicorn
from sqlalchemy.orm import Session, sessionmaker

from bot.jobs.job_queue import JobQueue, make_huey
from bot.service import build_service
from bot.settings import AppSettings, load_settings
from bot.store import open_app_store
from bot.web.checkpoints import Checkpointer
from bot.web.deliveries import Answer
from bot.web.heap import freeze_start_up_heap
from bot.web.intake_limits import intake_limits, server_options
from bot.web.writer.messages import Received
from bot.web.writer.process import write_batch


class ThreadWriter:
    """Stores each batch on one thread of the web process (a `BatchWriter`)."""

    def __init__(self, settings: AppSettings) -> None:
        self._settings = settings
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="delivery-writer")
        self._store: tuple[sessionmaker[Session], JobQueue] | None = None
        self._checkpointer: Checkpointer | None = None

    async def start(self) -> None:
        if self._store is None:
            sessions = open_app_store(self._settings.database)
            if sessions.kw["bind"].dialect.name == "sqlite":
                self._checkpointer = Checkpointer(sessions.kw["bind"])
                self._checkpointer.start()
            self._store = sessions, JobQueue(make_huey(self._settings), sessions)

    async def write(self, batch: list[Received]) -> list[Answer]:
        await self.start()
        assert self._store is not None  # started above
        return await asyncio.get_running_loop().run_in_executor(
            self._thread, write_batch, self._settings, *self._store, batch)

    async def aclose(self) -> None:
        self._thread.shutdown()
        if self._checkpointer is not None:
            self._checkpointer.stop()


def main() -> None:
    """Serve the app with the thread writer on 127.0.0.1:PORT until stopped."""
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--port", type=int, required=True)
    settings = load_settings()
    service = build_service(settings, ThreadWriter)
    freeze_start_up_heap()
    uvicorn.run(service.app, host="127.0.0.1", port=parser.parse_args().port,
                log_level="warning", **server_options(intake_limits(settings)))


if __name__ == "__main__":
    main()
