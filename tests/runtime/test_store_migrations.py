"""The runtime's store goes through its Alembic history: a store an earlier release made (a
snapshot of it, tests/data/stores/) upgrades and keeps its rows, the result matches the models,
a second upgrade does nothing, and runners starting at once migrate it once — on a SQLite file
and on PostgreSQL."""

from __future__ import annotations

import sqlite3
import stat
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from flowkit.runtime.schema import upgrade, use_wal
from flowkit.runtime.store import HISTORY, Base, LedgerEntry, PacketState, open_store
from tests.support.databases import (
    RELEASES,
    assert_models_read_every_row,
    assert_rows_kept,
    load_snapshot,
    open_at_once,
    schema_differences,
    table_rows,
)

HEAD = "0004"



@pytest.mark.parametrize("release", RELEASES)
def test_a_store_an_earlier_release_made_upgrades_and_keeps_its_rows(database: str,
                                                                      release: str) -> None:
    load_snapshot(database, release, "runtime")
    before = table_rows(database)

    sessions = open_store(database)

    after = table_rows(database)
    assert len(before["flowbot_runs"]) == len(before["flowbot_ledger"]) == 2
    assert_rows_kept(before, after)
    assert schema_differences(database, HISTORY) == []
    with sessions.begin() as session:  # today's models read every row and add to them
        assert_models_read_every_row(session, Base, before)
        session.add(LedgerEntry(flow="flow-1", identity="new", packet_key="new",
                                state=PacketState.DELIVERED.value, run_id="id-1"))
    with sessions() as session:
        assert session.scalars(select(LedgerEntry.id).where(
            LedgerEntry.identity == "new")).one() == 3


@pytest.mark.parametrize("release", RELEASES)
def test_a_store_made_before_migrations_is_recognised_from_its_tables(database: str,
                                                                      release: str) -> None:
    load_snapshot(database, release, "runtime")

    done = upgrade(database, HISTORY)

    assert (done.before, done.recognised, done.after) == (
        {"2026-11-23": "0001", "2026-12-05": HEAD}[release], True, HEAD)


def test_a_new_store_is_made_by_the_migrations_and_matches_the_models(database: str) -> None:
    done = upgrade(database, HISTORY)

    assert (done.before, done.recognised, done.after, len(done.applied)) == (None, False,
                                                                            HEAD, 4)
    assert schema_differences(database, HISTORY) == []


def test_upgrading_twice_changes_nothing(database: str) -> None:
    load_snapshot(database, RELEASES[0], "runtime")
    upgrade(database, HISTORY)
    rows = table_rows(database)

    again = upgrade(database, HISTORY)

    assert (again.before, again.after, again.applied) == (HEAD, HEAD, ())
    assert table_rows(database) == rows


def test_dropping_the_tables_forgets_the_revision(database: str) -> None:
    sessions = open_store(database)
    Base.metadata.drop_all(sessions.kw["bind"])

    assert upgrade(database, HISTORY).before is None
    assert schema_differences(database, HISTORY) == []


def test_runners_starting_at_once_migrate_the_store_once(database: str) -> None:
    exits = open_at_once(open_store, database)

    assert exits == [0, 0, 0, 0]
    assert upgrade(database, HISTORY).applied == ()
    assert schema_differences(database, HISTORY) == []


def test_a_file_another_connection_holds_goes_to_wal_once_it_is_free(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    release = threading.Timer(0.3, holder.rollback)
    release.start()
    opener = sqlite3.connect(path, timeout=0)  # no busy wait: only the retry can outlast the lock

    use_wal(opener)

    assert opener.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    release.join()
    opener.close()
    holder.close()


def test_a_sqlite_runtime_store_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    sessions = open_store(f"sqlite:///{tmp_path / 'runtime.sqlite3'}")
    with sessions.begin() as session:  # a write makes the -wal and -shm files
        session.add(LedgerEntry(flow="flow-1", identity="one", packet_key="one",
                                state=PacketState.DELIVERED.value, run_id="id-1"))

    files = sorted(tmp_path.glob("runtime.sqlite3*"))

    assert {f.name for f in files} >= {"runtime.sqlite3", "runtime.sqlite3-wal"}
    assert {f.name: oct(stat.S_IMODE(f.stat().st_mode)) for f in files} == {
        f.name: "0o600" for f in files}
