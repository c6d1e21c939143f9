"""The SQL connector: incremental reads and upserts on SQLite and PostgreSQL tables.

Flows name tables and columns as strings; the connector reflects the table and binds every name
through SQLAlchemy, so nothing a flow passes ever becomes SQL text, and a misspelt name is refused
with the nearest real ones.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, Literal

import httpx
import sqlalchemy as sa
from pydantic import Field, SecretStr
from sqlalchemy.engine import RowMapping

from connectors.core.clock import SYSTEM_CLOCK, Clock
from connectors.core.connector import Connector, ConnectorSettings, Resource
from connectors.core.errors import FieldError
from connectors.core.operations import Idempotency, operation
from connectors.sql.database import Database, TableShape
from connectors.sql.keyset import Keyset, batches, tie_breaker
from connectors.sql.records import ColumnInfo, Row, TableInfo, UpsertResult
from connectors.sql.upsert import group_by_columns, upsert_group
from connectors.sql.values import NaiveTimestamps, from_database, to_database

MAX_BATCH_SIZE = 10_000

LATE_COMMIT_QUIRK = (
    "select_incremental cannot see a row committed after a later cursor value was read: a "
    "transaction that sets updated_at = now() and commits after a newer row was already read "
    "(or a clock that steps back) leaves its row behind the caller's cursor for good. The "
    "connector orders by (cursor column, primary key) so equal cursor values are never skipped "
    "or repeated within a run, and reads strictly after `after`, so a row committed later with "
    "a cursor value EQUAL to `after` is missed too. If that matters, start each run a safety "
    "margin before the last cursor (longer than your longest write transaction) and write "
    "downstream with an upsert, which makes the overlap harmless."
)


class SqlSettings(ConnectorSettings):
    """Which database to use and how to read its timestamps."""

    url: SecretStr = Field(description=(
        "SQLAlchemy database URL: postgresql+psycopg://user:password@host:5432/database or "
        "sqlite:///path/to/file.db (postgresql:// means psycopg 3). It may hold a password, so "
        "it is secret: errors show it as user:***@host."))
    naive_timestamps_are: Literal["utc", "refuse"] = Field("refuse", description=(
        "How to read timestamps stored without a time zone (PostgreSQL `timestamp`, and every "
        "SQLite timestamp): 'refuse' (the default: a wrong guess silently shifts records by "
        "hours) or 'utc' when you know the database stores UTC."))
    connect_timeout_s: int = Field(10, ge=1, le=300, description=(
        "Seconds to wait for a PostgreSQL connection, or for a SQLite lock."))


class TablesResource(Resource):
    """The database's tables: read rows incrementally, upsert rows by a unique key, look up one
    row, describe a table."""

    def __init__(self, database: Database, naive_timestamps: NaiveTimestamps) -> None:
        # No HttpClient: a database is reached through SQLAlchemy, not HTTP.
        self._database = database
        self._naive = naive_timestamps

    @operation(quirks=(
        LATE_COMMIT_QUIRK,
        "Rows whose cursor column is NULL are never returned: give the column NOT NULL or a "
        "default.",
        "The table needs a primary key (or a unique key of NOT NULL columns) to order rows that "
        "share a cursor value; views without one are refused.",
    ))
    def select_incremental(
        self, table: str, *, cursor_column: str, after: str | int | datetime | None = None,
        columns: list[str] | None = None, batch_size: int = 1000,
    ) -> Iterator[Row]:
        """Read a table's rows whose cursor column is greater than `after`, oldest first.

        Rows come in the order (cursor_column, primary key), read in batches of `batch_size`
        with keyset pagination, so rows sharing a cursor value are neither skipped nor repeated
        and rows inserted or deleted meanwhile shift nothing. The next run's `after` is the
        last row's `cursor_column` value. `after` may be a datetime (timezone-aware), ISO 8601
        text with an offset or epoch seconds for a timestamp column, or a number or text for
        other columns. `columns` limits the columns read; the cursor column and the primary key
        are always included. Rows whose cursor is NULL are not returned.

        Not covered: a row committed later with a cursor value at or before `after` (a long
        transaction that stamped `now()` early, or a row backdated by hand) is never read by a
        later run; see the quirks for the usual remedy.
        """
        name = "tables.select_incremental"
        if isinstance(batch_size, bool) or not 1 <= batch_size <= MAX_BATCH_SIZE:
            raise self._database.refuse(
                f"batch_size must be between 1 and {MAX_BATCH_SIZE}, not {batch_size!r}", name)
        shape = self._database.shape(table, name)
        shape, (cursor,) = self._database.columns(shape, [cursor_column], name,
                                                  field="cursor_column")
        wanted = [c.name for c in shape.table.c] if columns is None else columns
        shape, chosen = self._database.columns(shape, wanted, name)
        ties = tie_breaker(shape, cursor)
        if ties is None:
            raise self._database.refuse(
                f"table {shape.name!r} has no primary key or unique NOT NULL key to order rows "
                f"that share a {cursor.name!r} value, so incremental reads could skip or repeat "
                f"them; {shape.describe_unique_keys()}", name)
        order = (cursor, *ties)
        selected = tuple(dict.fromkeys((*order, *(shape.table.c[k] for k in shape.primary_key),
                                        *chosen)))
        bound_after = to_database(after, cursor, naive=self._naive, operation=name,
                                  field="after")
        keyset = Keyset(order=order, selected=selected)
        return self._rows(shape, keyset, bound_after, batch_size, name)

    def _rows(self, shape: TableShape, keyset: Keyset, after: Any, batch_size: int,
              name: str) -> Iterator[Row]:
        for batch in batches(self._database, keyset, after=after, batch_size=batch_size,
                             operation=name):
            for mapping in batch:
                yield self._row(shape, mapping, name)

    def _row(self, shape: TableShape, mapping: RowMapping, name: str) -> Row:
        return Row.model_validate({
            column: from_database(value, where=f"column {shape.name}.{column}",
                                  naive=self._naive, operation=name)
            for column, value in mapping.items()
        })

    @operation(writes=True, idempotency=Idempotency.UPSERT, quirks=(
        "`key` must be exactly the columns of the primary key, a unique constraint or a "
        "non-partial unique index: that is what ON CONFLICT matches on.",
        "All rows are written in one transaction: one refused row writes none of them.",
        "A row that leaves a column out leaves that column as it is (or at its default, when "
        "the row is new).",
        "Every row must still carry the NOT NULL columns that have no default, even for a row "
        "that exists: the database checks the row it would insert before it finds the conflict.",
    ))
    def upsert(self, table: str, rows: list[dict[str, Any]], *, key: list[str]) -> UpsertResult:
        """Insert rows, or update the rows already there with the same `key` values.

        Runs INSERT … ON CONFLICT (key) DO UPDATE on SQLite and PostgreSQL, all rows in one
        transaction. Repeating the call writes nothing new: rows whose stored values already
        equal the given ones are not rewritten and count as `unchanged`. Each row maps column
        names to values; timestamps may be timezone-aware datetimes or ISO 8601 text with an
        offset. Every row must give every `key` column a non-null value, and no two rows may
        share a key.
        """
        name = "tables.upsert"
        shape = self._checked_key(table, key, name)
        shape, _ = self._database.columns(
            shape, dict.fromkeys(column for row in rows for column in row), name, field="rows")
        prepared = self._prepared_rows(shape, rows, key, name)
        totals = UpsertResult(inserted=0, updated=0, unchanged=0)
        if not prepared:
            return totals
        with self._database.connect(name, transaction=True) as connection:
            for group in group_by_columns(prepared):
                done = upsert_group(connection, shape.table, key, group)
                totals = UpsertResult(inserted=totals.inserted + done.inserted,
                                      updated=totals.updated + done.updated,
                                      unchanged=totals.unchanged + done.unchanged)
        return totals

    def _checked_key(self, table: str, key: Sequence[str], name: str) -> TableShape:
        """The table, once `key` is known to name exactly one of its unique keys."""
        shape = self._database.shape(table, name)
        if isinstance(key, str) or not key or len(set(key)) != len(key):
            raise self._database.refuse(
                f"key must list one or more distinct columns of {shape.name!r}, not {key!r}; "
                f"{shape.describe_unique_keys()}", name)
        shape, _ = self._database.columns(shape, key, name, field="key")
        if not shape.has_unique_key(key):
            raise self._database.refuse(
                f"({', '.join(key)}) is not a unique key of table {shape.name!r}, so rows cannot "
                f"be matched on it (ON CONFLICT needs a primary key, unique constraint or unique "
                f"index on exactly these columns); {shape.describe_unique_keys()}", name)
        return shape

    def _prepared_rows(self, shape: TableShape, rows: list[dict[str, Any]], key: Sequence[str],
                       name: str) -> list[dict[str, Any]]:
        """The rows with timestamps fitted to their columns, once every key is present, non-null
        and unique within the call."""
        problems: list[FieldError] = []
        seen: dict[tuple[Any, ...], int] = {}
        prepared = []
        for index, row in enumerate(rows):
            missing = [k for k in key if row.get(k) is None]
            if missing:
                problems.append(FieldError(f"rows[{index}]", "no value for the key column(s) "
                                                             f"{', '.join(missing)}"))
                continue
            identity = tuple(repr(row[k]) for k in key)
            if identity in seen:
                problems.append(FieldError(f"rows[{index}]", f"repeats the key of rows"
                                                             f"[{seen[identity]}]"))
                continue
            seen[identity] = index
            prepared.append({
                column: to_database(value, shape.table.c[column], naive=self._naive,
                                    operation=name, field=f"rows[{index}].{column}")
                for column, value in row.items()
            })
        if problems:
            raise self._database.refuse(f"cannot upsert into {shape.name!r}", name,
                                        field_errors=problems)
        return prepared

    @operation()
    def get(self, table: str, *, key: dict[str, Any]) -> Row | None:
        """Look up the one row whose unique key has these values, or None if there is none.

        `key` maps each column of a unique key (the primary key, a unique constraint or a unique
        index) to its value, e.g. {"id": 42} or {"tenant": "acme", "email": "a@example.com"}.
        """
        name = "tables.get"
        shape = self._checked_key(table, list(key), name)
        if any(value is None for value in key.values()):
            raise self._database.refuse(f"key values cannot be None (NULL is never equal to "
                                        f"anything), got {key!r}", name)
        where = [c == sa.literal(to_database(key[c.name], c, naive=self._naive, operation=name,
                                             field=f"key.{c.name}"), c.type)
                 for c in (shape.table.c[k] for k in key)]
        with self._database.connect(name) as connection:
            found = connection.execute(sa.select(shape.table).where(*where)).mappings().first()
        return None if found is None else self._row(shape, found, name)

    @operation()
    def describe(self, table: str) -> TableInfo:
        """Describe a table: its columns with their SQL types, its primary key and the unique
        keys `upsert` and `get` can match on."""
        name = "tables.describe"
        shape = self._database.shape(table, name, refresh=True)
        dialect = self._database.engine.dialect
        return TableInfo(
            name=shape.name,
            columns=[ColumnInfo(name=c.name, type=c.type.compile(dialect=dialect),
                                nullable=bool(c.nullable), primary_key=c.primary_key)
                     for c in shape.table.c],
            primary_key=list(shape.primary_key),
            unique_keys=[list(k) for k in shape.unique_keys],
        )


class SqlDatabase(Connector):
    """A SQL database (SQLite or PostgreSQL) reached through SQLAlchemy Core.

    Flows read tables incrementally by a cursor column and upsert rows by a unique key. Table
    and column names are checked against the live schema, never put into SQL text. The URL is a
    secret; errors name the database by its URL with the password hidden.
    """

    name = "sql"
    title = "SQL databases (SQLite, PostgreSQL)"
    auth_kind = "database"
    rate_limit = ("none: the database's own connection limits apply; the connector keeps a "
                  "small connection pool (5 connections, up to 10 more in bursts)")
    pagination = ("keyset on (cursor column, primary key), never OFFSET; one short connection "
                  "per batch")
    documentation = "https://docs.sqlalchemy.org/en/20/core/"
    settings_model = SqlSettings
    quirks = (
        "SQLite keeps no time zone with timestamps: set naive_timestamps_are='utc' to use them.",
        "Identifiers are case-sensitive as the database stores them: PostgreSQL folds unquoted "
        "names to lower case when a table is created, so `Orders` is usually `orders`.",
    )

    tables: TablesResource

    def __init__(self, settings: SqlSettings, *, transport: httpx.BaseTransport | None = None,
                 clock: Clock = SYSTEM_CLOCK) -> None:
        """Set up the engine (lazily: nothing connects before the first operation).

        `transport` is unused and `self.client` stays None: the database is reached through
        SQLAlchemy, not HTTP. The parameter is kept so every connector is built the same way.
        """
        super().__init__(settings, transport=transport, clock=clock)
        self._database = Database(settings.url.get_secret_value(),
                                  connect_timeout_s=settings.connect_timeout_s)
        self.tables = TablesResource(self._database, settings.naive_timestamps_are)

    def close(self) -> None:
        """Close the engine's pooled connections."""
        self._database.dispose()
