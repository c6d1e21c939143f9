"""Databases for the stores' migration tests: a new one on SQLite or PostgreSQL, a store an
earlier release made loaded into it, its rows read back, its schema compared with the models.

The snapshots in tests/data/stores/<release>/ were made by each release's own store module and
dumped as SQL (tests/data/stores/make.py says how).
"""

from __future__ import annotations

import multiprocessing
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, create_engine, select
from sqlalchemy import text as sql
from sqlalchemy.orm import DeclarativeBase, Session

from flowkit.runtime.schema import History

SNAPSHOTS = Path(__file__).resolve().parents[1] / "data" / "stores"
RELEASES = ("2026-11-23", "2026-12-05")
"""The releases before the migration histories whose stores are kept as snapshots."""


@contextmanager
def new_database(kind: str, folder: Path, server: str | None) -> Iterator[str]:
    """The URL of a database with nothing in it: a SQLite file in `folder`, or a database
    created for the occasion on the PostgreSQL `server` (whose URL names another database)
    and dropped afterwards, whoever is still connected."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / f'store-{uuid.uuid4().hex[:8]}.sqlite3'}"
        return
    assert server is not None
    name = f"flowbot_migrations_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sql(f'CREATE DATABASE "{name}"'))
    try:
        yield server.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(sql(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def load_snapshot(url: str, release: str, store: str) -> None:
    """Make in `url` the `store` (app or runtime) that `release` made, with its rows."""
    dialect = "sqlite" if url.startswith("sqlite") else "postgresql"
    script = (SNAPSHOTS / release / f"{store}.{dialect}.sql").read_text(encoding="utf-8")
    engine = create_engine(url)
    try:
        raw = engine.raw_connection()
        try:
            if dialect == "sqlite":
                raw.driver_connection.executescript(script)  # type: ignore[union-attr]
            else:
                raw.cursor().execute(script)
                raw.commit()
        finally:
            raw.close()
    finally:
        engine.dispose()


def table_rows(url: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table but the version tables, by table, in primary-key order."""
    engine = create_engine(url)
    try:
        found = MetaData()
        found.reflect(engine)
        with engine.connect() as connection:
            return {name: [dict(row._mapping) for row in connection.execute(
                        select(table).order_by(*table.primary_key.columns))]
                    for name, table in found.tables.items() if not name.endswith("_revision")}
    finally:
        engine.dispose()


def schema_differences(url: str, history: History, *, own_tables_only: bool = False) -> list[Any]:
    """What Alembic's autogenerate would change to make the database match the store's models:
    empty when every table, column, type, index and constraint agrees. `own_tables_only`
    leaves out tables of another store sharing the database."""
    engine = create_engine(url)

    def _own(name: str | None, kind: str, _parent: dict[str, Any]) -> bool:
        return not own_tables_only or kind != "table" or name in history.metadata.tables

    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={
                "version_table": history.version_table, "compare_type": True,
                "include_name": _own})
            return list(compare_metadata(context, history.metadata))
    finally:
        engine.dispose()


def open_at_once(open_store: Callable[[str], object], url: str,
                 processes: int = 4) -> list[int | None]:
    """Fork `processes` processes that open the store at `url` at the same moment (a fleet
    starting together); their exit codes."""
    context = multiprocessing.get_context("fork")
    ready = context.Barrier(processes)

    def start() -> None:
        ready.wait()
        open_store(url)

    starters = [context.Process(target=start) for _ in range(processes)]
    for starter in starters:
        starter.start()
    for starter in starters:
        starter.join(60)
    return [starter.exitcode for starter in starters]


def assert_rows_kept(before: dict[str, list[dict[str, Any]]],
                     after: dict[str, list[dict[str, Any]]], *, dropped: str | None = None) -> None:
    """Every table's rows of `before` are in `after`, column for column (a column an upgrade
    added may stand beside them); `dropped` is a table the upgrade replaces."""
    for table, rows in before.items():
        if table == dropped:
            continue
        kept = [{column: row[column] for column in rows[0]} for row in after[table]]
        assert kept == rows, table


def assert_models_read_every_row(session: Session, base: type[DeclarativeBase],
                                 before: dict[str, list[dict[str, Any]]]) -> None:
    """Today's models of `base` read as many rows as the old store had (newer tables: none)."""
    for mapper in base.registry.mappers:
        table = mapper.persist_selectable.description
        expected = len(before.get(table, []))
        assert len(session.scalars(select(mapper.class_)).all()) == expected
