"""The app's store goes through its Alembic history: a store an earlier release made (a
snapshot of it, tests/data/stores/) upgrades and keeps its rows, the result matches the models,
a second upgrade does nothing, and processes starting at once migrate it once — on a SQLite
file and on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect, select

from bot.store import HISTORY, Base, Job, open_app_store, upgrade_app_store
from flowkit.runtime.schema import SchemaError
from flowkit.runtime.store import HISTORY as RUNTIME_HISTORY
from flowkit.runtime.store import open_store
from tests.support.databases import (
    RELEASES,
    assert_models_read_every_row,
    assert_rows_kept,
    load_snapshot,
    open_at_once,
    schema_differences,
    table_rows,
)

HEAD = "0005"


@pytest.mark.parametrize("release", RELEASES)
def test_a_store_an_earlier_release_made_upgrades_and_keeps_its_rows(database: str,
                                                                      release: str) -> None:
    load_snapshot(database, release, "app")
    before = table_rows(database)

    sessions = open_app_store(database)

    after = table_rows(database)
    assert len(before["flowbot_jobs"]) == len(before["flowbot_deliveries"]) == 2
    assert_rows_kept(before, after, dropped="flowbot_leases")  # 2026-12-05's, renamed
    assert "flowbot_leases" not in after
    assert schema_differences(database, HISTORY) == []
    with sessions.begin() as session:  # today's models read every row and add to them
        assert_models_read_every_row(session, Base, before)
        job = session.scalars(select(Job).where(Job.trigger == "trigger-1")).one()
        assert (job.repository, job.request) == ("repository-1", {"column": "request",
                                                                  "row": 1})
        session.add(Job(kind="generate", repository="acme/flows", number=3, trigger="issue:3",
                        sender="octocat", request={}))
    with sessions() as session:
        assert session.scalars(select(Job.id).where(Job.trigger == "issue:3")).one() == 3


@pytest.mark.parametrize("release", RELEASES)
def test_a_store_made_before_migrations_is_recognised_from_its_tables(database: str,
                                                                      release: str) -> None:
    load_snapshot(database, release, "app")

    done = upgrade_app_store(database)

    assert (done.before, done.recognised, done.after) == (
        {"2026-11-23": "0001", "2026-12-05": "0004"}[release], True, HEAD)


def test_a_new_store_is_made_by_the_migrations_and_matches_the_models(database: str) -> None:
    done = upgrade_app_store(database)

    assert (done.before, done.recognised, done.after, len(done.applied)) == (None, False,
                                                                            HEAD, 5)
    assert schema_differences(database, HISTORY) == []


def test_upgrading_twice_changes_nothing(database: str) -> None:
    load_snapshot(database, RELEASES[0], "app")
    upgrade_app_store(database)
    rows = table_rows(database)

    again = upgrade_app_store(database)

    assert (again.before, again.after, again.applied) == (HEAD, HEAD, ())
    assert again.describe() == f"app store: at {HEAD}, nothing to do"
    assert table_rows(database) == rows


def test_processes_starting_at_once_migrate_the_store_once(database: str) -> None:
    exits = open_at_once(open_app_store, database)

    assert exits == [0, 0, 0, 0]
    assert upgrade_app_store(database).applied == ()
    assert schema_differences(database, HISTORY) == []


@pytest.mark.parametrize("first", ["app", "runtime"])
def test_both_stores_share_one_database_in_either_order(database: str, first: str) -> None:
    openers = [open_app_store, open_store]
    for opener in openers if first == "app" else openers[::-1]:
        opener(database)

    assert schema_differences(database, HISTORY, own_tables_only=True) == []
    assert schema_differences(database, RUNTIME_HISTORY, own_tables_only=True) == []


def test_a_migration_that_fails_changes_nothing_and_says_what_to_do(database: str) -> None:
    load_snapshot(database, RELEASES[0], "app")
    engine = create_engine(database)
    with engine.begin() as connection:  # in the way of migration 0003
        connection.exec_driver_sql("CREATE TABLE flowbot_installed_repositories (x INTEGER)")
    engine.dispose()

    with pytest.raises(SchemaError) as failed:
        upgrade_app_store(database)

    assert str(failed.value).startswith("the app store at ")
    assert "could not be upgraded" in str(failed.value)
    assert str(failed.value).endswith("nothing was changed. Fix the database, then run "
                                      "`flowbot db upgrade`")
    engine = create_engine(database)
    found = inspect(engine)
    assert not found.has_table(HISTORY.version_table)
    assert "work" not in {column["name"] for column in found.get_columns("flowbot_jobs")}
    engine.dispose()


def test_a_store_a_newer_flowbot_upgraded_is_refused_with_what_to_do(database: str) -> None:
    upgrade_app_store(database)
    engine = create_engine(database)
    with engine.begin() as connection:
        connection.exec_driver_sql(f"UPDATE {HISTORY.version_table} SET version_num = '0099'")
    engine.dispose()

    with pytest.raises(SchemaError) as refused:
        open_app_store(database)

    assert str(refused.value) == (
        f"the app store is at revision 0099, which this flowbot does not know (its newest is "
        f"{HEAD}): a newer flowbot upgraded it. Run that version, or restore the backup taken "
        "before the upgrade")
