"""SQLite checkpoints taken off the connections that commit (`bot.web.checkpoints`)."""

from __future__ import annotations

import time
from pathlib import Path

from bot.store import open_app_store
from bot.web.checkpoints import Checkpointer

MEGABYTE = 1 << 20


def test_commits_leave_the_log_to_the_checkpointer_which_copies_it_every_second(
        tmp_path: Path) -> None:
    database = tmp_path / "app.sqlite3"
    engine = open_app_store(f"sqlite:///{database}").kw["bind"]
    checkpointer = Checkpointer(engine)
    checkpointer.start()
    try:
        with engine.begin() as connection:
            assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
            connection.exec_driver_sql("CREATE TABLE filler (data BLOB)")
            connection.exec_driver_sql(  # 2,000 pages of 4 KB: twice the automatic threshold
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)"
                " INSERT INTO filler SELECT randomblob(4000) FROM n")
        right_after = database.stat().st_size
        deadline = time.monotonic() + 10
        while database.stat().st_size < 7 * MEGABYTE and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        checkpointer.stop()

    assert right_after < MEGABYTE  # the commit did not copy the log into the file itself
    assert database.stat().st_size >= 7 * MEGABYTE  # the checkpointer did
