"""SQLite checkpoints off the request path.

In WAL mode a commit appends to the write-ahead log, and every so often (1,000 pages) the
connection that commits copies the log into the database file and waits for the disk to sync
it. That connection is the web app's delivery writer (`bot.web.writer`), so every delivery of
its batch would wait too, and the webhooks' p99 with it (`python -m benchmarks.webhooks`). While
the web app runs, a thread of its own makes the checkpoints instead, every second.
"""

from __future__ import annotations

import threading
from typing import Any

import structlog
from sqlalchemy import Engine, event
from sqlalchemy.exc import SQLAlchemyError

CHECKPOINT_EVERY_S = 1.0
log = structlog.get_logger("flowbot.checkpoints")


def _no_automatic_checkpoint(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()


class Checkpointer:
    """While started, this process's connections to a SQLite store leave checkpoints to one
    thread, which makes a passive one (never blocking a writer) every second."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Take over the checkpoints."""
        event.listen(self._engine, "checkout", _no_automatic_checkpoint)
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoints",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Make a last checkpoint and stop taking them over."""
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join()
        self._thread = None
        event.remove(self._engine, "checkout", _no_automatic_checkpoint)
        self._checkpoint()

    def _run(self) -> None:
        while not self._stop.wait(CHECKPOINT_EVERY_S):
            self._checkpoint()

    def _checkpoint(self) -> None:
        try:
            with self._engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
        except SQLAlchemyError as error:  # the next second tries again; the log grows meanwhile
            log.warning("checkpoint.failed", error=f"{type(error).__name__}: {error}")
