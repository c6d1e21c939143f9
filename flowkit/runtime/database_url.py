"""Checking a store's database URL before connecting, so that an operator's mistake is one line
that says what to do — not a driver's traceback.

The stores speak SQLite (the default, nothing to install) and PostgreSQL through psycopg 3, which
comes with the `postgres` extra (in a copy of flowbot, `pip install -c constraints.txt
'.[postgres]'`).
"""

from __future__ import annotations

import importlib.util

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

BACKENDS = ("sqlite", "postgresql")
EXAMPLES = ("sqlite:///path/to/flowbot.sqlite3 or "
            "postgresql+psycopg://user:password@host:5432/flowbot")


class DatabaseUrlError(ValueError):
    """A database URL the stores cannot use; the message never repeats the URL (it may hold a
    password)."""


def checked_database_url(url: str, *, setting: str = "FLOWBOT_DATABASE_URL") -> URL:
    """The SQLAlchemy URL `url` names, with psycopg 3 for a bare `postgresql://`; a
    DatabaseUrlError that names `setting` and what to do when it cannot be used."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise DatabaseUrlError(f"{setting} is not a database URL; use {EXAMPLES}") from None
    backend = parsed.get_backend_name()
    if backend not in BACKENDS:
        raise DatabaseUrlError(f"{setting} names the database {backend!r}; flowbot stores in "
                               f"SQLite or PostgreSQL: {EXAMPLES}")
    if backend == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise DatabaseUrlError(f"{setting} names SQLite in memory, not a file: a store there "
                               "is gone when its connection closes; give a file: "
                               "sqlite:///path/to/flowbot.sqlite3")
    if backend == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        if parsed.drivername != "postgresql+psycopg":
            raise DatabaseUrlError(f"{setting} names the driver {parsed.drivername!r}; flowbot "
                                   "talks to PostgreSQL through psycopg 3: postgresql+psycopg://…")
        if importlib.util.find_spec("psycopg") is None:
            raise DatabaseUrlError(f"{setting} is a PostgreSQL URL but psycopg is not installed; "
                                   "install flowbot's postgres extra: in your copy of "
                                   "flowbot, pip install -c constraints.txt '.[postgres]'")
    return parsed
