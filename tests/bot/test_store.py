"""The app's store opens a database an earlier version made: new tables are created and new
nullable columns added, on SQLite and on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from bot.store import Base, Job, JobState, open_app_store

OLD_JOBS = """CREATE TABLE flowbot_jobs (
    id INTEGER PRIMARY KEY, kind VARCHAR(20) NOT NULL, repository VARCHAR(200) NOT NULL,
    number INTEGER NOT NULL, trigger VARCHAR(200) NOT NULL UNIQUE, sender VARCHAR(100) NOT NULL,
    installation_id INTEGER, request JSON NOT NULL, state VARCHAR(20) NOT NULL,
    attempts INTEGER NOT NULL, error TEXT, delivery_id VARCHAR(64),
    created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL)"""
"""`flowbot_jobs` as session 2's version made it: no `work` column."""


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def old_store(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'app.sqlite3'}"
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
    engine = create_engine(url)
    Base.metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.execute(text(OLD_JOBS))
        connection.execute(text(
            "INSERT INTO flowbot_jobs (id, kind, repository, number, trigger, sender, request, "
            "state, attempts, created_at, updated_at) VALUES (1, 'generate', 'acme/flows', 7, "
            "'issue:7:generate', 'octocat', '{}', 'succeeded', 1, CURRENT_TIMESTAMP, "
            "CURRENT_TIMESTAMP)"))
    engine.dispose()
    return url


def test_an_earlier_store_gains_the_new_column_and_tables_and_keeps_its_jobs(
        old_store: str) -> None:
    sessions = open_app_store(old_store)

    with sessions.begin() as session:
        job = session.get(Job, 1)
        assert job is not None
        assert (job.trigger, job.state, job.work) == ("issue:7:generate",
                                                      JobState.SUCCEEDED, None)
        job.work = {"attempts": 2}
    with sessions() as session:
        again = session.get(Job, 1)
        assert again is not None
        assert again.work == {"attempts": 2}
        tables = set(inspect(session.get_bind()).get_table_names())
    assert {"flowbot_installed_repositories", "flowbot_deliveries", "flowbot_jobs"} <= tables
    open_app_store(old_store)  # a second start changes nothing and does not fail
