"""/readyz's checks name what cannot answer instead of raising: a real database and a real queue
client against places where nothing answers."""

from __future__ import annotations

import socket
from pathlib import Path

from huey import RedisHuey, SqliteHuey
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from bot.jobs.job_queue import queue_reachable
from bot.store import reachable


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_database_that_cannot_be_opened_is_named(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'gone' / 'app.sqlite3'}")
    try:
        assert reachable(sessionmaker(bind=engine)) == "database: OperationalError"
    finally:
        engine.dispose()


def test_a_redis_queue_nobody_listens_for_is_named() -> None:
    huey = RedisHuey("readiness", url=f"redis://127.0.0.1:{_closed_port()}/0")
    assert queue_reachable(huey) == "queue: ConnectionError"


def test_a_queue_that_answers_is_ready(tmp_path: Path) -> None:
    assert queue_reachable(SqliteHuey("readiness", filename=str(tmp_path / "q.sqlite3"))) is None
