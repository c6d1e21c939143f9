"""The database behind the connector: its engine, its redacted URL, and its tables' shapes.

Table and column names arrive from flows, so they are never put into SQL text: a table is
reflected by SQLAlchemy (which quotes every identifier itself), and a name the database does not
know is refused with the nearest real names, so the author (or the model) can correct it.
Reflected shapes are cached for the connector's life; a column missing from the cache is looked
up again once before it is refused, and any database error clears the cache, so a table changed
meanwhile is seen afresh on the next call.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from difflib import get_close_matches
from typing import Any
from urllib.parse import quote, quote_plus

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, Connection, Engine

from connectors.core.errors import (
    ConfigurationError,
    ConnectorError,
    ErrorContext,
    FieldError,
    NotFound,
    ValidationFailed,
)
from connectors.core.redaction import Scrubber
from connectors.sql.errors import CONNECTOR, connect_error, statement_error

SUPPORTED_BACKENDS = ("sqlite", "postgresql")
"""The backends whose `INSERT … ON CONFLICT` the connector speaks."""

_DEFAULT_DRIVERS = {"postgresql": "postgresql+psycopg"}
"""A bare `postgresql://` URL means psycopg 3, the driver flowbot installs (SQLAlchemy alone
would pick psycopg2)."""

_LISTED_NAMES = 40


@dataclass(frozen=True)
class TableShape:
    """A reflected table and the column sets it keeps unique."""

    table: sa.Table
    primary_key: tuple[str, ...]
    unique_keys: tuple[tuple[str, ...], ...]
    """The primary key first, then unique constraints and whole-table unique indexes."""

    @property
    def name(self) -> str:
        """The table's name."""
        return self.table.name

    def has_unique_key(self, columns: Iterable[str]) -> bool:
        """Whether exactly these columns (in any order) are kept unique."""
        wanted = frozenset(columns)
        return any(frozenset(key) == wanted for key in self.unique_keys)

    def describe_unique_keys(self) -> str:
        """The unique keys, as `(id), (tenant, email)`, or a sentence saying there are none."""
        if not self.unique_keys:
            return "it has no primary key, unique constraint or unique index"
        return "its unique keys are: " + ", ".join(f"({', '.join(k)})" for k in self.unique_keys)


def nearest(name: str, candidates: Iterable[str], what: str) -> str:
    """A hint naming the real names closest to a misspelt one, or listing what exists."""
    names = sorted(candidates)
    close = get_close_matches(name, names, n=3, cutoff=0.6)
    if close:
        return f"did you mean {' or '.join(repr(c) for c in close)}?"
    if not names:
        return f"there are no {what}"
    shown = ", ".join(names[:_LISTED_NAMES])
    more = f" (and {len(names) - _LISTED_NAMES} more)" if len(names) > _LISTED_NAMES else ""
    return f"the {what} are: {shown}{more}"


def parse_database_url(url: str) -> URL:
    """The SQLAlchemy URL, or a `ConfigurationError` that does not repeat the (secret) text."""
    try:
        parsed = sa.engine.make_url(url)
    except (sa_exc.ArgumentError, ValueError, TypeError):
        raise ConfigurationError(
            "the database URL is not a SQLAlchemy URL; expected e.g. "
            "postgresql+psycopg://user:password@host:5432/database or sqlite:///path/to/file.db",
            context=ErrorContext(connector=CONNECTOR),
        ) from None
    if parsed.get_backend_name() not in SUPPORTED_BACKENDS:
        raise ConfigurationError(
            f"the database URL names the backend {parsed.get_backend_name()!r}; the SQL connector "
            f"supports {' and '.join(SUPPORTED_BACKENDS)}",
            context=ErrorContext(connector=CONNECTOR),
        )
    driver = _DEFAULT_DRIVERS.get(parsed.drivername)
    return parsed.set(drivername=driver) if driver else parsed


class Database:
    """One engine with its error translation and a cache of reflected tables."""

    def __init__(self, url: str, *, connect_timeout_s: int) -> None:
        parsed = parse_database_url(url)
        self.redacted_url = parsed.render_as_string(hide_password=True)
        password = parsed.password or ""
        self._clean = Scrubber((password, quote(password, safe=""), quote_plus(password)))
        # SQLite's `timeout` is how long to wait for a lock; psycopg's bounds the connect.
        timeout_arg = "timeout" if parsed.get_backend_name() == "sqlite" else "connect_timeout"
        try:
            self.engine: Engine = sa.create_engine(
                parsed,
                hide_parameters=True,  # row values stay out of error messages (they may be PII)
                pool_pre_ping=True,  # a connection the server dropped is replaced, not used
                connect_args={timeout_arg: connect_timeout_s},
            )
        except (sa_exc.SQLAlchemyError, ImportError) as exc:
            raise ConfigurationError(
                f"cannot set up the database engine: {self._clean(str(exc))}",
                context=ErrorContext(connector=CONNECTOR, url=self.redacted_url),
            ) from None
        self.dialect = self.engine.dialect.name
        self._shapes: dict[str, TableShape] = {}
        self._lock = threading.Lock()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def context(self, operation: str) -> ErrorContext:
        """The error context of `operation` on this database."""
        return ErrorContext(connector=CONNECTOR, method=operation, url=self.redacted_url)

    @contextmanager
    def connect(self, operation: str, *, transaction: bool = False) -> Iterator[Connection]:
        """A connection (in one transaction, committed at the end, if asked), whose database
        errors leave as taxonomy errors."""
        try:
            connection = self.engine.connect()
        except (sa_exc.DBAPIError, sa_exc.TimeoutError) as exc:
            raise connect_error(exc, operation=operation, url=self.redacted_url,
                                clean=self._clean) from None
        try:
            with connection:
                if transaction:
                    with connection.begin():
                        yield connection
                else:
                    yield connection
        except (sa_exc.StatementError, sa_exc.TimeoutError) as exc:
            with self._lock:
                self._shapes.clear()
            raise statement_error(exc, operation=operation, url=self.redacted_url,
                                  clean=self._clean) from None

    def shape(self, name: str, operation: str, *, refresh: bool = False) -> TableShape:
        """The table called `name` (cached), or `NotFound` naming the nearest tables."""
        if not isinstance(name, str) or not name:
            raise ValidationFailed(f"a table name must be a non-empty string, not {name!r}",
                                   context=self.context(operation))
        with self._lock:
            cached = None if refresh else self._shapes.get(name)
        if cached is not None:
            return cached
        with self.connect(operation) as connection:
            try:
                table = sa.Table(name, sa.MetaData(), autoload_with=connection)
            except sa_exc.NoSuchTableError:
                inspector = sa.inspect(connection)
                tables = [*inspector.get_table_names(), *inspector.get_view_names()]
                raise NotFound(f"no table or view called {name!r} in the database; "
                               f"{nearest(name, tables, 'tables')}",
                               context=self.context(operation)) from None
            shape = TableShape(table, tuple(c.name for c in table.primary_key.columns),
                               _unique_keys(connection, table))
        with self._lock:
            self._shapes[name] = shape
        return shape

    def columns(self, shape: TableShape, names: Iterable[str], operation: str,
                *, field: str = "columns") -> tuple[TableShape, list[sa.Column[Any]]]:
        """The columns called `names`, looking the table up again once if one is unknown.

        Returns the (possibly refreshed) shape with the columns; unknown names are refused in
        one `ValidationFailed`, each with its nearest real column names.
        """
        wanted = list(names)
        if any(not isinstance(n, str) or n not in shape.table.c for n in wanted):
            shape = self.shape(shape.name, operation, refresh=True)
        unknown = [n for n in wanted if not isinstance(n, str) or n not in shape.table.c]
        if unknown:
            real = [c.name for c in shape.table.c]
            raise ValidationFailed(
                f"table {shape.name!r} has no column "
                f"{', '.join(repr(n) for n in unknown)}",
                context=self.context(operation),
                field_errors=[FieldError(field, f"{n!r}: {nearest(str(n), real, 'columns')}")
                              for n in unknown],
            )
        return shape, [shape.table.c[n] for n in wanted]

    def refuse(self, message: str, operation: str, *,
               field_errors: list[FieldError] | None = None) -> ConnectorError:
        """A `ValidationFailed` for a call this database cannot serve as asked."""
        return ValidationFailed(message, context=self.context(operation),
                                field_errors=field_errors)


def _unique_keys(connection: Connection, table: sa.Table) -> tuple[tuple[str, ...], ...]:
    """The primary key, unique constraints and whole-table, plain-column unique indexes.

    Partial unique indexes (`… WHERE …`) and expression indexes are left out: `ON CONFLICT`
    cannot name them by columns alone, and they do not make a column set unique everywhere.
    """
    inspector = sa.inspect(connection)
    keys: list[tuple[str, ...]] = []
    primary = tuple(c.name for c in table.primary_key.columns)
    if primary:
        keys.append(primary)
    for constraint in inspector.get_unique_constraints(table.name):
        keys.append(tuple(constraint["column_names"]))
    for index in inspector.get_indexes(table.name):
        options = index.get("dialect_options", {})
        partial = any(option.endswith("_where") for option in options)
        names = index["column_names"]
        if index["unique"] and not partial and all(names):
            keys.append(tuple(n for n in names if n is not None))
    distinct: list[tuple[str, ...]] = []
    for key in keys:
        if frozenset(key) not in {frozenset(k) for k in distinct}:
            distinct.append(key)
    return tuple(distinct)
