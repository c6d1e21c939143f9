"""The SQL connector against real databases: a SQLite file and the session's PostgreSQL server.

Every behavioural test runs on both backends (the `database_url` fixture is parametrized), in
tables with names of their own that are dropped afterwards, since the PostgreSQL database is
shared by the whole test session.
"""

from __future__ import annotations

import logging
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.core.catalog import connector_spec
from connectors.core.errors import (
    AuthError,
    ConfigurationError,
    Conflict,
    ConnectorError,
    NotFound,
    TransientError,
    ValidationFailed,
)
from connectors.core.serving import free_port
from connectors.registry import connector_class
from connectors.sql import Row, SqlDatabase, SqlSettings, UpsertResult
from connectors.sql.simulator.seed import seed_orders, synthetic_orders
from tests.support import binaries
from tests.support.availability import require
from tests.support.postgres_server import running_postgres

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
PROPERTY = settings(max_examples=20, deadline=None)
LABELS = st.text(st.characters(exclude_characters="\x00", exclude_categories=["Cs"]), max_size=8)

TableMaker = Callable[..., sa.Table]


@pytest.fixture(scope="module", params=BACKENDS)
def database_url(request: pytest.FixtureRequest,
                 tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite file of this module, or the session's PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('sql') / 'flowbot.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture(scope="module")
def engine(database_url: str) -> Iterator[sa.Engine]:
    """An engine of the test's own, to set tables up and to look at what was written."""
    test_engine = sa.create_engine(database_url)
    yield test_engine
    test_engine.dispose()


@pytest.fixture(scope="module")
def db(database_url: str) -> Iterator[SqlDatabase]:
    """The connector, reading stored timestamps as UTC (SQLite keeps no zone)."""
    with SqlDatabase(SqlSettings(url=database_url, naive_timestamps_are="utc")) as connector:
        yield connector


def unique_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


@pytest.fixture
def make_table(engine: sa.Engine) -> Iterator[TableMaker]:
    """Create tables with unique names (`make_table(prefix, *columns)`); drop them afterwards."""
    created: list[sa.Table] = []

    def make(prefix: str, *items: sa.schema.SchemaItem) -> sa.Table:
        table = sa.Table(unique_name(prefix), sa.MetaData(), *items)
        table.create(engine)
        created.append(table)
        return table

    yield make
    for table in created:
        table.drop(engine, checkfirst=True)


@pytest.fixture
def orders(database_url: str, engine: sa.Engine) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A seeded orders table (40 orders, many sharing `updated_at`) and its rows."""
    name = unique_name("orders")
    rows = seed_orders(database_url, table=name, count=40, seed=7)
    yield name, rows
    sa.Table(name, sa.MetaData()).drop(engine, checkfirst=True)


@pytest.fixture
def statements() -> Iterator[list[tuple[str, Any]]]:
    """Every SQL statement any engine sends while the test runs, with its parameters."""
    sent: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        sent.append((" ".join(statement.split()), parameters))

    sa.event.listen(sa.Engine, "before_cursor_execute", record)
    yield sent
    sa.event.remove(sa.Engine, "before_cursor_execute", record)


def by_cursor(rows: list[dict[str, Any]], cursor: str = "updated_at") -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: (r[cursor], r["id"]))


def count_rows(engine: sa.Engine, table: str) -> int:
    with engine.connect() as connection:
        return int(connection.execute(
            sa.select(sa.func.count()).select_from(sa.table(table))).scalar_one())


def stored(engine: sa.Engine, table: str) -> dict[Any, dict[str, Any]]:
    reflected = sa.Table(table, sa.MetaData(), autoload_with=engine)
    with engine.connect() as connection:
        return {row["id"]: dict(row) for row in
                connection.execute(sa.select(reflected)).mappings()}


def contacts(make_table: TableMaker) -> sa.Table:
    """A table keyed by `id`, also unique on `email`, with nullable columns to update."""
    return make_table(
        "contacts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("email", sa.String(100), nullable=False, unique=True),
        sa.Column("name", sa.String(100)),
        sa.Column("score", sa.Integer),
        sa.Column("seen_at", sa.DateTime(timezone=True)),
    )


# --- incremental reads ------------------------------------------------------------------------

@pytest.mark.parametrize("batch_size", [1, 3, 7, 40, 1000])
def test_reads_every_row_once_in_cursor_then_key_order_in_keyset_batches(
        db: SqlDatabase, orders: tuple[str, list[dict[str, Any]]],
        statements: list[tuple[str, Any]], batch_size: int) -> None:
    table, rows = orders
    statements.clear()
    read = list(db.tables.select_incremental(table, cursor_column="updated_at",
                                             batch_size=batch_size))
    expected = by_cursor(rows)
    assert [(r.id, r.updated_at) for r in read] == [(r["id"], r["updated_at"]) for r in expected]
    assert read[0].model_dump() == expected[0]
    assert isinstance(read[0].total, Decimal)
    assert read[0].updated_at.tzinfo is UTC
    selects = [(s, p) for s, p in statements if s.startswith("SELECT") and " LIMIT " in s]
    assert len(selects) == len(rows) // batch_size + 1
    keyset = f"WHERE {table}.updated_at IS NOT NULL AND ({table}.updated_at, {table}.id) > ("
    assert all(keyset in s for s, _ in selects[1:])
    # SQLite's dialect always writes "OFFSET ?"; it must stay 0 (PostgreSQL's writes none).
    assert all(p[-1] == 0 for s, p in selects if " OFFSET " in s)


def test_seeded_orders_share_cursor_values(orders: tuple[str, list[dict[str, Any]]]) -> None:
    _, rows = orders
    assert len({r["updated_at"] for r in rows}) < len(rows) * 0.75
    assert synthetic_orders(40, seed=7) == rows


@pytest.mark.parametrize("spelling", ["datetime", "iso_with_offset", "epoch_seconds"])
def test_after_returns_only_rows_with_a_later_cursor(
        db: SqlDatabase, orders: tuple[str, list[dict[str, Any]]], spelling: str) -> None:
    table, rows = orders
    expected = by_cursor(rows)
    last: datetime = expected[len(expected) // 2]["updated_at"]
    spellings: dict[str, str | int | datetime] = {
        "datetime": last,
        "iso_with_offset": last.astimezone(timezone(timedelta(hours=2))).isoformat(),
        "epoch_seconds": int(last.timestamp()),
    }
    after = spellings[spelling]
    read = list(db.tables.select_incremental(table, cursor_column="updated_at", after=after,
                                             batch_size=4))
    assert [r.id for r in read] == [r["id"] for r in expected if r["updated_at"] > last]
    assert read, "the chosen cursor should leave rows to read"


def test_an_integer_cursor_and_an_integer_after(db: SqlDatabase,
                                                orders: tuple[str, list[dict[str, Any]]]) -> None:
    table, rows = orders
    read = list(db.tables.select_incremental(table, cursor_column="id", after=35, batch_size=2))
    assert [r.id for r in read] == [36, 37, 38, 39, 40]
    assert len(rows) == 40


def test_keyset_pages_survive_deletes_and_inserts_between_batches(
        db: SqlDatabase, engine: sa.Engine, orders: tuple[str, list[dict[str, Any]]]) -> None:
    """With OFFSET, deleting rows already read would make the next page skip as many rows."""
    table, rows = orders
    expected = by_cursor(rows)
    reader = db.tables.select_incremental(table, cursor_column="updated_at", batch_size=5)
    first = [next(reader) for _ in range(5)]
    reflected = sa.Table(table, sa.MetaData(), autoload_with=engine)
    late = {**expected[-1], "id": 1000, "external_id": "late",
            "updated_at": expected[-1]["updated_at"] + timedelta(days=1)}
    with engine.begin() as connection:
        connection.execute(reflected.delete().where(reflected.c.id.in_([r.id for r in first])))
        connection.execute(reflected.insert(), [late])
    rest = list(reader)
    assert [r.id for r in first + rest] == [r["id"] for r in expected] + [1000]


def test_columns_limits_the_row_but_keeps_the_cursor_and_the_key(
        db: SqlDatabase, orders: tuple[str, list[dict[str, Any]]]) -> None:
    table, _ = orders
    row = next(db.tables.select_incremental(table, cursor_column="updated_at",
                                            columns=["customer_email"]))
    assert set(row.model_dump()) == {"updated_at", "id", "customer_email"}


@pytest.mark.parametrize(("call", "error", "hint"), [
    (lambda db, t: db.tables.select_incremental(t[:-2], cursor_column="updated_at"),
     NotFound, "did you mean"),
    (lambda db, t: db.tables.select_incremental(t, cursor_column="updatedat"),
     ValidationFailed, "'updated_at'"),
    (lambda db, t: db.tables.select_incremental(t, cursor_column="id", columns=["totl"]),
     ValidationFailed, "'total'"),
    (lambda db, t: db.tables.select_incremental(t, cursor_column="id", batch_size=0),
     ValidationFailed, "batch_size"),
    (lambda db, t: db.tables.select_incremental(t, cursor_column="updated_at",
                                                after=datetime(2024, 1, 1)),
     ValidationFailed, "no timezone"),
    (lambda db, t: db.tables.get(t, key={"customer_name": "Ada Lovelace"}),
     ValidationFailed, "its unique keys are: (id), (external_id)"),
    (lambda db, t: db.tables.get(t, key={"id": None}), ValidationFailed, "cannot be None"),
], ids=["table", "cursor_column", "columns", "batch_size", "naive_after", "get_key",
        "get_null"])
def test_wrong_names_and_arguments_are_refused_with_a_hint(
        db: SqlDatabase, orders: tuple[str, list[dict[str, Any]]],
        call: Callable[[SqlDatabase, str], object], error: type[ConnectorError],
        hint: str) -> None:
    table, _ = orders
    with pytest.raises(error) as raised:
        call(db, table)
    assert hint in str(raised.value)
    assert raised.value.context.connector == "sql"


def test_hostile_names_are_identifiers_never_sql(
        db: SqlDatabase, engine: sa.Engine, make_table: TableMaker,
        orders: tuple[str, list[dict[str, Any]]]) -> None:
    table, rows = orders
    with pytest.raises(NotFound):
        db.tables.select_incremental(f"{table}; DROP TABLE {table}", cursor_column="id")
    with pytest.raises(ValidationFailed):
        db.tables.select_incremental(table, cursor_column="id) OR 1=1 --")
    assert count_rows(engine, table) == len(rows)
    odd = make_table("odd \"quoted\" name",
                     sa.Column("order id", sa.Integer, primary_key=True, autoincrement=False),
                     sa.Column("select", sa.String(20)), sa.Column("json", sa.Integer))
    result = db.tables.upsert(odd.name, [{"order id": 1, "select": "a'; --", "json": 5}],
                              key=["order id"])
    assert result == UpsertResult(inserted=1, updated=0, unchanged=0)
    (row,) = db.tables.select_incremental(odd.name, cursor_column="order id")
    assert (row["order id"], row["select"], row["json"]) == (1, "a'; --", 5)


def test_rows_with_a_null_cursor_are_not_read(db: SqlDatabase, make_table: TableMaker) -> None:
    table = make_table("nulls", sa.Column("id", sa.Integer, primary_key=True,
                                          autoincrement=False),
                       sa.Column("version", sa.Integer))
    db.tables.upsert(table.name, [{"id": 1, "version": 2}, {"id": 2, "version": None},
                                  {"id": 3, "version": 1}], key=["id"])
    read = db.tables.select_incremental(table.name, cursor_column="version", batch_size=1)
    assert [r.id for r in read] == [3, 1]


def test_ties_are_broken_by_a_unique_not_null_key_or_refused(
        db: SqlDatabase, make_table: TableMaker) -> None:
    keyed = make_table("nopk", sa.Column("code", sa.String(10), nullable=False, unique=True),
                       sa.Column("version", sa.Integer, nullable=False))
    db.tables.upsert(keyed.name, [{"code": c, "version": 1} for c in "dbca"], key=["code"])
    read = db.tables.select_incremental(keyed.name, cursor_column="version", batch_size=3)
    assert [r.code for r in read] == ["a", "b", "c", "d"]
    loose = make_table("loose", sa.Column("code", sa.String(10)), sa.Column("version", sa.Integer))
    with pytest.raises(ValidationFailed, match="no primary key or unique NOT NULL key"):
        db.tables.select_incremental(loose.name, cursor_column="version")


def test_the_late_commit_trap_is_real_and_documented(
        db: SqlDatabase, make_table: TableMaker) -> None:
    """A row committed after the run with a cursor at or before `after` is not read later: the
    limit the docstring and the quirks describe, shown so nobody relies on the opposite."""
    table = make_table("late", sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
                       sa.Column("version", sa.Integer, nullable=False))
    db.tables.upsert(table.name, [{"id": 1, "version": 1}, {"id": 2, "version": 5}], key=["id"])
    *_, last = db.tables.select_incremental(table.name, cursor_column="version")
    db.tables.upsert(table.name, [{"id": 3, "version": 3}, {"id": 4, "version": 5},
                                  {"id": 5, "version": 6}], key=["id"])
    later = db.tables.select_incremental(table.name, cursor_column="version", after=last.version)
    assert [r.id for r in later] == [5]
    spec = connector_spec(SqlDatabase).operation("tables.select_incremental")
    assert spec is not None
    assert any("committed after" in quirk for quirk in spec.quirks)


# --- timestamps and numbers -------------------------------------------------------------------

def test_timestamps_are_stored_and_read_as_the_same_utc_instant(
        db: SqlDatabase, make_table: TableMaker) -> None:
    table = contacts(make_table)
    db.tables.upsert(table.name, [
        {"id": 1, "email": "a@example.com", "seen_at": "2024-03-01T12:00:00+05:00"},
        {"id": 2, "email": "b@example.com",
         "seen_at": datetime(2024, 3, 1, 2, 0, tzinfo=timezone(timedelta(hours=-5)))},
    ], key=["id"])
    first, second = (db.tables.get(table.name, key={"id": i}) for i in (1, 2))
    assert first is not None
    assert second is not None
    assert first.seen_at == datetime(2024, 3, 1, 7, 0, tzinfo=UTC)
    assert second.seen_at == datetime(2024, 3, 1, 7, 0, tzinfo=UTC)
    assert first.seen_at.tzinfo is UTC


def test_timestamps_without_zone_are_refused_unless_declared_utc(
        database_url: str, engine: sa.Engine, make_table: TableMaker) -> None:
    table = make_table("naive", sa.Column("id", sa.Integer, primary_key=True,
                                          autoincrement=False),
                       sa.Column("at", sa.DateTime(timezone=False)))
    with engine.begin() as connection:
        connection.execute(table.insert(), [{"id": 1, "at": datetime(2024, 5, 1, 8, 30)}])
    with SqlDatabase(SqlSettings(url=database_url)) as strict:
        with pytest.raises(ConfigurationError, match="naive_timestamps_are='utc'") as raised:
            list(strict.tables.select_incremental(table.name, cursor_column="id"))
        assert f"{table.name}.at" in str(raised.value)
        with pytest.raises(ConfigurationError, match="without a time zone"):
            strict.tables.upsert(table.name, [{"id": 2, "at": datetime.now(UTC)}], key=["id"])
    with SqlDatabase(SqlSettings(url=database_url, naive_timestamps_are="utc")) as lenient:
        row = lenient.tables.get(table.name, key={"id": 1})
        assert row is not None
        assert row.at == datetime(2024, 5, 1, 8, 30, tzinfo=UTC)


def test_numeric_values_stay_decimal(db: SqlDatabase, make_table: TableMaker) -> None:
    table = make_table("amounts", sa.Column("id", sa.Integer, primary_key=True,
                                            autoincrement=False),
                       sa.Column("amount", sa.Numeric(12, 2)))
    db.tables.upsert(table.name, [{"id": 1, "amount": Decimal("1234.50")}], key=["id"])
    row = db.tables.get(table.name, key={"id": 1})
    assert row is not None
    assert row.amount == Decimal("1234.50")
    assert isinstance(row.amount, Decimal)


# --- upserts ----------------------------------------------------------------------------------

def test_upsert_counts_inserted_updated_and_unchanged_rows(
        db: SqlDatabase, engine: sa.Engine, make_table: TableMaker) -> None:
    table = contacts(make_table)
    first = [{"id": 1, "email": "a@example.com", "name": "Ada"},
             {"id": 2, "email": "b@example.com", "name": "Bob"}]
    assert db.tables.upsert(table.name, first, key=["id"]) == UpsertResult(
        inserted=2, updated=0, unchanged=0)
    second = [{"id": 1, "email": "a@example.com", "name": "Ada"},
              {"id": 2, "email": "b@example.com", "name": "Barbara"},
              {"id": 3, "email": "c@example.com", "name": "Cy"}]
    assert db.tables.upsert(table.name, second, key=["id"]) == UpsertResult(
        inserted=1, updated=1, unchanged=1)
    assert {i: r["name"] for i, r in stored(engine, table.name).items()} == {
        1: "Ada", 2: "Barbara", 3: "Cy"}


def test_upsert_by_a_unique_constraint_leaves_missing_columns_alone(
        db: SqlDatabase, engine: sa.Engine, make_table: TableMaker) -> None:
    table = contacts(make_table)
    db.tables.upsert(table.name, [{"id": 1, "email": "a@example.com", "name": "Ada", "score": 7}],
                     key=["id"])
    result = db.tables.upsert(table.name, [
        {"id": 1, "email": "a@example.com", "name": "Ada L."},  # no score: keep 7
        {"id": 2, "email": "b@example.com", "score": 3},  # another set of columns
    ], key=["email"])
    assert result == UpsertResult(inserted=1, updated=1, unchanged=0)
    assert stored(engine, table.name)[1]["score"] == 7
    assert stored(engine, table.name)[1]["name"] == "Ada L."
    assert stored(engine, table.name)[2]["name"] is None


def test_upsert_refuses_a_key_that_is_not_unique(db: SqlDatabase, make_table: TableMaker) -> None:
    table = contacts(make_table)
    with pytest.raises(ValidationFailed) as raised:
        db.tables.upsert(table.name, [{"id": 1, "email": "a@example.com"}], key=["name"])
    assert "(name) is not a unique key" in str(raised.value)
    assert "its unique keys are: (id), (email)" in str(raised.value)


def test_a_partial_unique_index_is_not_an_upsert_key(
        db: SqlDatabase, engine: sa.Engine, make_table: TableMaker) -> None:
    table = make_table("partial", sa.Column("id", sa.Integer, primary_key=True),
                       sa.Column("code", sa.String(10)), sa.Column("active", sa.Boolean))
    sa.Index(f"{table.name}_code", table.c.code, unique=True,
             postgresql_where=table.c.active, sqlite_where=table.c.active).create(engine)
    assert db.tables.describe(table.name).unique_keys == [["id"]]
    with pytest.raises(ValidationFailed, match="not a unique key"):
        db.tables.upsert(table.name, [{"id": 1, "code": "a"}], key=["code"])


@pytest.mark.parametrize(("rows", "key", "hint"), [
    ([{"id": 1, "email": "a@example.com", "nmae": "Ada"}], ["id"], "did you mean 'name'"),
    ([{"email": "a@example.com"}], ["id"], "no value for the key column(s) id"),
    ([{"id": None, "email": "a@example.com"}], ["id"], "no value for the key column(s) id"),
    ([{"id": 1, "email": "a@example.com"}, {"id": 1, "email": "b@example.com"}], ["id"],
     "rows[1]: repeats the key of rows[0]"),
    ([{"id": 1, "email": "a@example.com", "seen_at": "2024-03-01 12:00"}], ["id"],
     "no timezone"),
    ([{"id": 1, "email": "a@example.com"}], "id", "one or more distinct columns"),
    ([{"id": 1, "email": "a@example.com"}, {"id": 2, "email": None}], ["id"],
     "email: refused by the database"),
], ids=["unknown_column", "missing_key", "null_key", "duplicate_key", "naive_text_timestamp",
        "key_as_text", "database_not_null"])
def test_upsert_refuses_bad_rows_and_writes_none_of_them(
        db: SqlDatabase, engine: sa.Engine, make_table: TableMaker,
        rows: list[dict[str, Any]], key: list[str], hint: str) -> None:
    table = contacts(make_table)
    with pytest.raises(ValidationFailed) as raised:
        db.tables.upsert(table.name, rows, key=key)
    assert hint.lower() in str(raised.value).lower()
    assert count_rows(engine, table.name) == 0


def test_upsert_clashing_with_another_unique_key_is_a_conflict(
        db: SqlDatabase, engine: sa.Engine, make_table: TableMaker) -> None:
    table = contacts(make_table)
    db.tables.upsert(table.name, [{"id": 1, "email": "a@example.com"}], key=["id"])
    with pytest.raises(Conflict) as raised:
        db.tables.upsert(table.name, [{"id": 3, "email": "c@example.com"},
                                      {"id": 2, "email": "a@example.com"}], key=["id"])
    assert "unique" in str(raised.value).lower()
    assert sorted(stored(engine, table.name)) == [1]


def test_upsert_of_no_rows_writes_nothing_but_checks_the_key(
        db: SqlDatabase, make_table: TableMaker) -> None:
    table = contacts(make_table)
    assert db.tables.upsert(table.name, [], key=["id"]) == UpsertResult(
        inserted=0, updated=0, unchanged=0)
    with pytest.raises(ValidationFailed):
        db.tables.upsert(table.name, [], key=["score"])


# --- get and describe -------------------------------------------------------------------------

def test_get_finds_one_row_by_a_unique_key_or_none(
        db: SqlDatabase, orders: tuple[str, list[dict[str, Any]]]) -> None:
    table, rows = orders
    by_id = db.tables.get(table, key={"id": 3})
    by_external = db.tables.get(table, key={"external_id": rows[2]["external_id"]})
    assert by_id is not None
    assert by_id == by_external
    assert by_id.model_dump() == rows[2]
    assert db.tables.get(table, key={"id": 10_000}) is None


def test_describe_lists_columns_and_the_keys_upsert_can_use(
        db: SqlDatabase, make_table: TableMaker) -> None:
    table = contacts(make_table)
    info = db.tables.describe(table.name)
    assert [c.name for c in info.columns] == ["id", "email", "name", "score", "seen_at"]
    assert info.primary_key == ["id"]
    assert info.unique_keys == [["id"], ["email"]]
    email = info.columns[1]
    assert (email.nullable, email.primary_key, email.type) == (False, False, "VARCHAR(100)")


def test_a_row_gives_a_clear_error_for_a_missing_column() -> None:
    row = Row.model_validate({"id": 1, "order id": 2})
    assert row["order id"] == 2
    with pytest.raises(KeyError, match="its columns are: id, order id"):
        row["name"]


# --- properties -------------------------------------------------------------------------------

@PROPERTY
@given(
    cursors=st.lists(st.one_of(st.integers(0, 3), st.none()), max_size=40),
    ids=st.lists(st.integers(1, 10_000), min_size=40, max_size=40, unique=True),
    batch_size=st.integers(1, 12),
    after=st.one_of(st.none(), st.integers(-1, 3)),
)
def test_property_every_row_is_read_once_in_order(
        db: SqlDatabase, engine: sa.Engine, cursors: list[int | None], ids: list[int],
        batch_size: int, after: int | None) -> None:
    table = sa.Table(unique_name("prop_read"), sa.MetaData(),
                     sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
                     sa.Column("version", sa.Integer))
    table.create(engine)
    try:
        rows = [{"id": i, "version": c} for i, c in zip(ids, cursors, strict=False)]
        if rows:
            with engine.begin() as connection:
                connection.execute(table.insert(), rows)
        read = [(r.version, r.id) for r in db.tables.select_incremental(
            table.name, cursor_column="version", after=after, batch_size=batch_size)]
        expected = sorted((r["version"], r["id"]) for r in rows if r["version"] is not None
                          and (after is None or r["version"] > after))
        assert read == expected
    finally:
        table.drop(engine)


@PROPERTY
@given(
    values=st.dictionaries(st.integers(1, 1_000),
                           st.tuples(LABELS, st.integers(-5, 5) | st.none()), max_size=30),
    changed=st.sets(st.integers(1, 1_000)),
)
def test_property_upserting_again_writes_nothing_twice(
        db: SqlDatabase, engine: sa.Engine, values: dict[int, tuple[str, int | None]],
        changed: set[int]) -> None:
    table = sa.Table(unique_name("prop_upsert"), sa.MetaData(),
                     sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
                     sa.Column("label", sa.String(40), nullable=False),
                     sa.Column("score", sa.Integer))
    table.create(engine)
    try:
        rows: list[dict[str, Any]] = [{"id": i, "label": label, "score": score}
                                      for i, (label, score) in values.items()]
        assert db.tables.upsert(table.name, rows, key=["id"]) == UpsertResult(
            inserted=len(rows), updated=0, unchanged=0)
        assert db.tables.upsert(table.name, rows, key=["id"]) == UpsertResult(
            inserted=0, updated=0, unchanged=len(rows))
        edited = [{**r, "label": r["label"] + "!"} if r["id"] in changed else r for r in rows]
        assert db.tables.upsert(table.name, edited, key=["id"]) == UpsertResult(
            inserted=0, updated=len(changed & values.keys()),
            unchanged=len(values.keys() - changed))
        assert count_rows(engine, table.name) == len(rows)
        assert stored(engine, table.name) == {r["id"]: r for r in edited}
    finally:
        table.drop(engine)


# --- connecting, settings and secrets ---------------------------------------------------------

WRONG_PASSWORD = "wrong-Horse-Battery-7"  # a test credential that never works
RIGHT_PASSWORD = "Right-Staple-Battery-9"  # the password test server's superuser


@pytest.fixture(scope="module")
def password_postgres() -> Iterator[str]:
    """A PostgreSQL server of this module that checks passwords (scram-sha-256); its URL
    without a password. The session's shared server trusts every local connection, so a
    wrong password could not fail there."""
    with running_postgres(require(binaries.postgres_bin_dir), "flowbot_auth") as url:
        with psycopg.connect(sa.make_url(url).set(drivername="postgresql").render_as_string(),
                             autocommit=True) as connection:
            connection.execute(
                psycopg.sql.SQL("ALTER ROLE postgres PASSWORD {}").format(RIGHT_PASSWORD))
            hba_file = connection.execute("SHOW hba_file").fetchone()
            assert hba_file is not None
            with open(hba_file[0], "w") as rules:
                rules.write("local all all scram-sha-256\nhost all all 127.0.0.1/32 "
                            "scram-sha-256\n")
            connection.execute("SELECT pg_reload_conf()")
        _wait_until_passwords_are_checked(url)
        yield url


def _wait_until_passwords_are_checked(url: str) -> None:
    """The server reloads its rules asynchronously: poll until a password-less login fails."""
    conninfo = sa.make_url(url).set(drivername="postgresql").render_as_string()
    for _ in range(100):
        try:
            psycopg.connect(conninfo).close()
        except psycopg.OperationalError:
            return
        time.sleep(0.05)
    raise AssertionError("the test server kept accepting logins without a password")


def leaked(text: str) -> list[str]:
    return [secret for secret in (WRONG_PASSWORD, RIGHT_PASSWORD) if secret in text]


def raised_text(error: BaseException) -> str:
    return "\n".join([str(error), repr(error), *traceback.format_exception(error)])


@pytest.mark.postgres
def test_a_wrong_password_is_an_auth_error_that_never_shows_the_password(
        password_postgres: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    url = sa.make_url(password_postgres)
    wrong = url.set(password=WRONG_PASSWORD).render_as_string(hide_password=False)
    settings_ = SqlSettings(url=wrong, naive_timestamps_are="utc")
    with SqlDatabase(settings_) as connector, pytest.raises(AuthError) as raised:
        connector.tables.describe("anything")
    text = raised_text(raised.value)
    assert "password authentication failed" in text
    assert "***@127.0.0.1" in str(raised.value)
    assert leaked(text) == []
    assert leaked(repr(settings_)) == []
    assert leaked(repr(connector)) == []
    assert leaked(caplog.text) == []


@pytest.mark.postgres
def test_the_right_password_connects_and_errors_still_hide_it(
        password_postgres: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    right = sa.make_url(password_postgres).set(password=RIGHT_PASSWORD)
    settings_ = SqlSettings(url=right.render_as_string(hide_password=False))
    with SqlDatabase(settings_) as connector, pytest.raises(NotFound) as raised:
        connector.tables.describe("no_such_table")
    assert leaked(raised_text(raised.value) + caplog.text) == []


def test_a_missing_sqlite_directory_is_a_configuration_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'missing' / 'x.db'}"
    with SqlDatabase(SqlSettings(url=url)) as connector, pytest.raises(ConfigurationError) as err:
        connector.tables.describe("orders")
    assert "unable to open database file" in str(err.value)
    assert f"(tables.describe {url})" in str(err.value)  # the path whole: it is no secret


@pytest.mark.parametrize(("change", "error", "hint"), [
    (lambda u: u.set(port=free_port(), password=WRONG_PASSWORD), TransientError,
     "Connection refused"),
    (lambda u: u.set(database="no_such_db", password=WRONG_PASSWORD), ConfigurationError,
     "does not exist"),
    (lambda u: u.set(username="nobody", password=WRONG_PASSWORD), AuthError, "role"),
], ids=["nothing_listens", "unknown_database", "unknown_role"])
@pytest.mark.postgres
def test_connection_failures_are_classified(
        postgres_url: str, change: Callable[[sa.URL], sa.URL], error: type[ConnectorError],
        hint: str) -> None:
    url = change(sa.make_url(postgres_url)).render_as_string(hide_password=False)
    connector = SqlDatabase(SqlSettings(url=url, connect_timeout_s=5))
    with connector, pytest.raises(error) as raised:
        connector.tables.describe("orders")
    assert hint in str(raised.value)
    assert leaked(raised_text(raised.value)) == []


@pytest.mark.parametrize(("url", "hint"), [
    ("not a url", "not a SQLAlchemy URL"),
    (f"mysql://root:{WRONG_PASSWORD}@localhost/shop", "supports sqlite and postgresql"),
    (f"postgresql+nodriver://root:{WRONG_PASSWORD}@localhost/shop", "cannot set up"),
])
def test_bad_urls_are_configuration_errors_without_the_url(url: str, hint: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        SqlDatabase(SqlSettings(url=url))
    assert hint in str(raised.value)
    assert leaked(raised_text(raised.value)) == []
    assert url not in str(raised.value)


def test_a_bare_postgresql_url_means_psycopg_3() -> None:
    """SQLAlchemy alone would pick psycopg2, which is not installed: "cannot set up"."""
    url = f"postgresql://u:{WRONG_PASSWORD}@127.0.0.1:{free_port()}/db"
    with SqlDatabase(SqlSettings(url=url)) as connector:
        assert connector.client is None
        with pytest.raises(TransientError, match="Connection refused"):
            connector.tables.describe("orders")


# --- catalog ----------------------------------------------------------------------------------

def test_the_registry_and_the_catalog_describe_the_connector() -> None:
    assert connector_class("sql") is SqlDatabase
    spec = connector_spec(SqlDatabase)
    assert spec.auth_kind == "database"
    assert {o.path: o.idempotency for r in spec.resources for o in r.operations} == {
        "tables.select_incremental": "read", "tables.upsert": "upsert_by_external_id",
        "tables.get": "read", "tables.describe": "read"}
    select = spec.operation("tables.select_incremental")
    assert select is not None
    assert (select.many, select.record) == (True, "Row")
    assert {p.name: (p.kind, p.required) for p in select.parameters} == {
        "table": ("positional", True), "cursor_column": ("keyword", True),
        "after": ("keyword", False), "columns": ("keyword", False),
        "batch_size": ("keyword", False)}
    upsert = spec.operation("tables.upsert")
    assert upsert is not None
    assert (upsert.writes, upsert.record) == (True, "UpsertResult")
    get = spec.operation("tables.get")
    assert get is not None
    assert (get.many, get.record, get.returns) == (False, "Row", "Row | None")
    assert {s.name: s.secret for s in spec.settings} == {
        "url": True, "naive_timestamps_are": False, "connect_timeout_s": False}
    assert spec.records["Row"].extra_fields_kept
