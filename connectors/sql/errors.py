"""Database errors, as the connector error taxonomy, with the URL's password kept out.

Flows and the runtime react to kinds of failure (retry, fix the data, fix the settings), so a
DBAPI error is classified once, here: by its SQLSTATE on PostgreSQL, by its extended result code
on SQLite, and by SQLAlchemy's exception class otherwise. A failure to *connect* is classified
separately, because drivers report those without a SQLSTATE and the remedy differs (wrong
credentials, wrong database name, or a server that is down for now).

The original SQLAlchemy exception is not chained to the error raised: its text and its driver
exception's text are outside our control. Everything useful from them (the database's message,
the SQL without its parameters) is copied into the new message after scrubbing.
"""

from __future__ import annotations

import re

from sqlalchemy import exc as sa_exc

from connectors.core.errors import (
    AuthError,
    ConfigurationError,
    Conflict,
    ConnectorError,
    ErrorContext,
    FieldError,
    NotFound,
    PermissionDenied,
    TransientError,
    ValidationFailed,
)
from connectors.core.redaction import Scrubber, truncate

CONNECTOR = "sql"
_SQL_LIMIT = 500

_SQLSTATE_CODES: dict[str, type[ConnectorError]] = {
    "23502": ValidationFailed,  # not_null_violation: the row lacks a required value
    "23514": ValidationFailed,  # check_violation: the row breaks a CHECK rule
    "25006": PermissionDenied,  # read_only_sql_transaction: a read-only replica
    "42501": PermissionDenied,  # insufficient_privilege
    "42P01": NotFound,  # undefined_table (dropped since it was reflected)
}
_SQLSTATE_CLASSES: dict[str, type[ConnectorError]] = {
    "08": TransientError,  # connection exception
    "21": ValidationFailed,  # cardinality violation: one upsert touching a row twice
    "22": ValidationFailed,  # data exception: a value that does not fit the column's type
    "23": Conflict,  # integrity constraint violation: unique, foreign key, exclusion
    "28": AuthError,  # invalid authorization specification
    "3D": ConfigurationError,  # invalid catalog name: no such database
    "40": TransientError,  # serialization failure, deadlock: run the transaction again
    "42": ValidationFailed,  # syntax error or access rule violation
    "53": TransientError,  # insufficient resources: too many connections, disk full
    "57": TransientError,  # operator intervention: statement timeout, server shutting down
}
_SQLITE_CODES: dict[str, type[ConnectorError]] = {
    "SQLITE_BUSY": TransientError,  # another connection holds the lock past the busy timeout
    "SQLITE_LOCKED": TransientError,
    "SQLITE_IOERR": TransientError,
    "SQLITE_FULL": TransientError,
    "SQLITE_CONSTRAINT_NOTNULL": ValidationFailed,
    "SQLITE_CONSTRAINT_CHECK": ValidationFailed,
    "SQLITE_CONSTRAINT": Conflict,  # unique, primary key, foreign key
    "SQLITE_CANTOPEN": ConfigurationError,  # the file's directory is missing or not ours
    "SQLITE_NOTADB": ConfigurationError,
    "SQLITE_READONLY": PermissionDenied,
    "SQLITE_AUTH": PermissionDenied,
}
_BY_EXCEPTION: tuple[tuple[type[sa_exc.DBAPIError], type[ConnectorError]], ...] = (
    (sa_exc.IntegrityError, Conflict),
    (sa_exc.DataError, ValidationFailed),
    (sa_exc.ProgrammingError, ValidationFailed),
    (sa_exc.NotSupportedError, ValidationFailed),
)
_CONNECT_AUTH_HINTS = (
    "password authentication failed", "no password supplied", "authentication failed",
    "role \"", "pg_hba.conf",
)
_CONNECT_CONFIG_HINTS = (
    "does not exist", "failed to resolve host", "could not translate host name",
    "invalid connection option", "invalid dsn", "unable to open database file",
)
_SQLITE_COLUMN = re.compile(r"constraint failed: [^.\s]+\.(\S+)")


def database_message(error: BaseException) -> str:
    """The database's own words for an error (the driver's message), without SQLAlchemy's
    decoration (the SQL, the parameters, the link to its documentation)."""
    original = getattr(error, "orig", None)
    text = str(original if original is not None else error).strip()
    return text or type(original or error).__name__


def classify(error: sa_exc.SQLAlchemyError) -> type[ConnectorError]:
    """The taxonomy class of a failed statement."""
    if isinstance(error, sa_exc.TimeoutError):  # no pooled connection came free in time
        return TransientError
    original = getattr(error, "orig", None)
    sqlstate = getattr(original, "sqlstate", None)
    if isinstance(sqlstate, str) and sqlstate:
        found = _SQLSTATE_CODES.get(sqlstate) or _SQLSTATE_CLASSES.get(sqlstate[:2])
        if found is not None:
            return found
    sqlite_name = getattr(original, "sqlite_errorname", None)
    if isinstance(sqlite_name, str):
        if "no such table" in str(original):
            return NotFound
        for prefix in sorted(_SQLITE_CODES, key=len, reverse=True):
            if sqlite_name.startswith(prefix):
                return _SQLITE_CODES[prefix]
    for exception_class, kind in _BY_EXCEPTION:
        if isinstance(error, exception_class):
            return kind
    if isinstance(error, sa_exc.DBAPIError):
        return TransientError  # OperationalError, InterfaceError, InternalError: a dropped link
    return ValidationFailed  # a StatementError: a value the driver could not send


def statement_error(error: sa_exc.SQLAlchemyError, *, operation: str, url: str,
                    clean: Scrubber) -> ConnectorError:
    """The taxonomy error for a statement that failed; the SQL is quoted, its values are not."""
    kind = classify(error)
    message = f"the database refused the statement: {clean(database_message(error))}"
    statement = getattr(error, "statement", None)
    if statement:
        message += f"\nSQL: {truncate(clean(' '.join(str(statement).split())), _SQL_LIMIT)}"
    context = ErrorContext(connector=CONNECTOR, method=operation, url=url)
    if issubclass(kind, ValidationFailed):
        return kind(message, context=context, field_errors=_field_errors(error))
    return kind(message, context=context)


def connect_error(error: sa_exc.SQLAlchemyError, *, operation: str, url: str,
                  clean: Scrubber) -> ConnectorError:
    """The taxonomy error for a failure to open a connection.

    Drivers report connection failures without a SQLSTATE, so the database's message decides:
    refused credentials are an `AuthError`, a database or host that does not exist a
    `ConfigurationError`, anything else (connection refused, a time-out) a `TransientError`
    the runtime may retry.
    """
    text = clean(database_message(error))
    lowered = text.lower()
    kind: type[ConnectorError]
    if any(hint in lowered for hint in _CONNECT_AUTH_HINTS):
        kind, advice = AuthError, "check the user and password in the database URL"
    elif any(hint in lowered for hint in _CONNECT_CONFIG_HINTS):
        kind, advice = ConfigurationError, "check the host, port, database name or file path"
    else:
        kind = classify(error)
        advice = "is the database server running and reachable?"
    context = ErrorContext(connector=CONNECTOR, method=operation, url=url)
    return kind(f"cannot connect to the database: {text} ({advice})", context=context)


def _field_errors(error: sa_exc.SQLAlchemyError) -> list[FieldError]:
    """The column the database blamed, when it names one (NOT NULL and CHECK violations)."""
    original = getattr(error, "orig", None)
    diag = getattr(original, "diag", None)
    column = getattr(diag, "column_name", None)
    if column is None:
        match = _SQLITE_COLUMN.search(str(original))
        column = match.group(1) if match else None
    if not column:
        return []
    return [FieldError(column, "refused by the database (see the message)")]
