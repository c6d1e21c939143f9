"""Each store's tables brought to the newest revision of its own Alembic history.

The app's store (`bot.store`) and the runtime's (`flowkit.runtime.store`) each have a history:
its migration scripts in a folder beside the store, and its own version table, so the two may
share one database or live in two. `upgrade` runs whenever a store is opened and from
`flowbot db upgrade`; it holds a lock while it looks and migrates — a PostgreSQL advisory lock,
SQLite's write lock — so processes starting at once against one database migrate it once: the
first migrates, the others wait for it and find the store current. A store at its head already
(nearly every start) is only read, without the lock.

A database made by a flowbot older than the histories has no version table. Its tables say how
far it got (`Legacy`), so it is stamped at that revision and migrated on from there, never made
again.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.config import Config
from alembic.runtime.migration import MigrationContext, MigrationInfo
from alembic.script import ScriptDirectory
from sqlalchemy import (
    Connection,
    Engine,
    MetaData,
    Table,
    create_engine,
    event,
    inspect,
)
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool
from tenacity import retry, retry_if_exception, stop_after_delay, wait_random

from connectors.core.redaction import first_line
from flowkit.runtime.database_url import DatabaseUrlError, checked_database_url


class SchemaError(Exception):
    """A store's schema could not be brought up to date; the message says which store, where
    the database stands and what to do."""


@dataclass(frozen=True)
class Legacy:
    """What one revision added, as a flowbot older than the histories left it: its table, or a
    column of an older table. Recognises how far a database without a version table got."""

    revision: str
    table: str
    column: str | None = None


@dataclass(frozen=True)
class History:
    """One store's migration history."""

    store: str
    """The store's name in messages: `app` or `runtime`."""
    folder: Path
    """The Alembic script folder: env.py and versions/."""
    version_table: str
    metadata: MetaData
    """The store's tables as its models declare them: what the newest revision makes."""
    legacy: tuple[Legacy, ...]
    """The revisions a pre-Alembic flowbot made, oldest first; the first is the baseline."""
    lock_key: int = field(init=False)
    """The PostgreSQL advisory lock held while this history upgrades a database."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "lock_key", zlib.crc32(self.version_table.encode()))
        event.listen(self.metadata, "after_drop", self._forget_revision)

    def _forget_revision(self, _metadata: MetaData, connection: Connection,
                         **_kw: Any) -> None:
        """Dropping the store's tables drops its version table too, so that the next open
        builds the store again instead of trusting a revision whose tables are gone."""
        Table(self.version_table, MetaData()).drop(connection, checkfirst=True)


@dataclass(frozen=True)
class Upgrade:
    """What `upgrade` did to one store."""

    store: str
    before: str | None
    """The revision the store was at; None when it had no tables."""
    after: str
    recognised: bool
    """True when the store had no version table and `before` was read from its tables."""
    applied: tuple[str, ...]
    """`revision: what it does` of each migration run, in order."""

    def describe(self) -> str:
        """One line for an operator."""
        if not self.applied:
            return f"{self.store} store: at {self.after}, nothing to do"
        start = ("created" if self.before is None else
                 f"{self.before} (recognised from its tables)" if self.recognised else
                 self.before)
        return f"{self.store} store: {start} -> {self.after}, {len(self.applied)} migration(s)"


def upgrade(url: str, history: History,
            on_step: Callable[[str], None] | None = None) -> Upgrade:
    """Bring the store at `url` to the head of `history`, under the history's lock; `on_step`
    hears `revision: what it does` as each migration starts. A SQLite file is made, with its
    folder, readable and writable by its owner only (`private_file`)."""
    file = sqlite_file(url)
    if file is not None:
        private_file(file)
    database = checked_database_url(url)
    engine = _locking_engine(database)
    where = database.render_as_string(hide_password=True)
    try:
        with engine.connect() as connection:  # a database that cannot be reached says so
            current = _current_at_head(connection, history)
            if current is not None:
                return current
            try:
                with connection.execution_options(write_lock=True).begin():
                    if connection.dialect.name == "postgresql":
                        connection.exec_driver_sql(
                            f"SELECT pg_advisory_xact_lock({history.lock_key})")
                    return _upgrade(connection, history, on_step)
            except SQLAlchemyError as error:
                raise SchemaError(
                    f"the {history.store} store at {where} could not be upgraded "
                    f"({type(error).__name__}: {first_line(error)}); nothing was changed. "
                    "Fix the database, then run `flowbot db upgrade`") from error
    finally:
        engine.dispose()


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names; None for another database. A URL the stores cannot use
    (SQLite in memory among them) is a DatabaseUrlError."""
    database = checked_database_url(url)
    if database.get_backend_name() != "sqlite" or database.database is None:
        return None
    return Path(str(database.database))


def sqlite_folder(file: Path) -> None:
    """Make the folder of the SQLite file `file` when missing; a DatabaseUrlError, not an
    OSError's traceback, when the path cannot hold a database (it is a folder, a file stands
    where a folder should, or the folder may not be made)."""
    try:
        if file.is_dir():
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
        file.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise unusable_sqlite_file(file, error) from None


def private_file(path: Path) -> Path:
    """Create `path` readable and writable by its owner only (0600), or tighten it to that if it
    exists: both stores hold what flows and GitHub sent (payloads, packets, tracebacks). SQLite
    gives the `-wal` and `-shm` files it makes beside a database the database file's
    permissions."""
    sqlite_folder(path)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        path.chmod(0o600)
    except OSError as error:
        raise unusable_sqlite_file(path, error) from None
    return path


def unusable_sqlite_file(file: Path, error: OSError) -> DatabaseUrlError:
    """What to tell the operator when the SQLite file `file` cannot be made or opened."""
    return DatabaseUrlError(f"the SQLite database {file} cannot be made there "
                            f"({error.strerror or type(error).__name__}); give the path of a "
                            "file in a folder flowbot may write: sqlite:///path/to/flowbot.sqlite3")


def _current_at_head(connection: Connection, history: History) -> Upgrade | None:
    """What there is to say when the store is at its head already, read without a lock — the
    case of nearly every start, which then waits for no writer — else None."""
    head = _scripts(history.folder).get_current_head()
    with connection.begin():
        heads = MigrationContext.configure(
            connection, opts={"version_table": history.version_table}).get_current_heads()
    if heads != (head,) or head is None:
        return None
    return Upgrade(history.store, head, head, False, ())


def _upgrade(connection: Connection, history: History,
             on_step: Callable[[str], None] | None) -> Upgrade:
    script = _scripts(history.folder)
    head = script.get_current_head()
    assert head is not None, f"{history.folder} holds no migrations"
    migration = MigrationContext.configure(connection,
                                           opts={"version_table": history.version_table})
    heads = migration.get_current_heads()
    before = heads[0] if heads else None
    if before is not None and before not in _revisions(history.folder):
        raise SchemaError(f"the {history.store} store is at revision {before}, which this "
                          f"flowbot does not know (its newest is {head}): a newer flowbot "
                          "upgraded it. Run that version, or restore the backup taken before "
                          "the upgrade")
    recognised = False
    config = _config(history, connection)
    if before is None and not inspect(connection).has_table(history.version_table):
        before = _recognised(connection, history)
        recognised = before is not None
        if before is not None:
            command.stamp(config, before)
    applied: list[str] = []

    def _heard(*, step: MigrationInfo, **_kw: Any) -> None:
        assert step.up_revision_id is not None  # every step of an upgrade goes up to one
        revision = script.get_revision(step.up_revision_id)
        line = f"{step.up_revision_id}: {revision.doc if revision is not None else ''}"
        applied.append(line)
        if on_step is not None:
            on_step(line)

    if before != head:
        config.attributes["on_step"] = _heard
        command.upgrade(config, "head")
    return Upgrade(history.store, before, head, recognised, tuple(applied))


def _recognised(connection: Connection, history: History) -> str | None:
    """The revision a database without a version table is at: the last of the history's
    pre-Alembic revisions whose table (or column) it has, taken in order; None when it lacks
    even the baseline's (a new database)."""
    found = inspect(connection)
    tables = set(found.get_table_names())
    reached: str | None = None
    for legacy in history.legacy:
        if legacy.table not in tables:
            break
        if legacy.column is not None and legacy.column not in {
                column["name"] for column in found.get_columns(legacy.table)}:
            break
        reached = legacy.revision
    return reached


def run_migrations() -> None:
    """The body of each history's env.py: run the migrations Alembic chose on the connection
    `upgrade` opened, inside its transaction."""
    attributes = context.config.attributes
    history: History | None = attributes.get("history")
    if history is None:
        raise SchemaError("flowbot's migrations run through `flowbot db upgrade` (or when a "
                          "store is opened), not the alembic command")
    context.configure(connection=attributes["connection"], target_metadata=history.metadata,
                      version_table=history.version_table, render_as_batch=True,
                      on_version_apply=attributes.get("on_step"))
    with context.begin_transaction():
        context.run_migrations()


def _config(history: History, connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(history.folder))
    config.attributes.update(history=history, connection=connection)
    return config


@cache
def _scripts(folder: Path) -> ScriptDirectory:
    """The history's scripts, read once per process."""
    config = Config()
    config.set_main_option("script_location", str(folder))
    return ScriptDirectory.from_config(config)


@cache
def _revisions(folder: Path) -> frozenset[str]:
    return frozenset(script.revision for script in _scripts(folder).walk_revisions())


def _locking_engine(url: URL) -> Engine:
    """An engine for one upgrade. On SQLite its transactions begin explicitly, which makes
    their DDL transactional (pysqlite runs DDL outside any transaction), and a connection with
    the `write_lock` option begins `BEGIN IMMEDIATE`: SQLite's write lock, taken before
    anything is read, so that other upgrades wait."""
    sqlite = url.get_backend_name() == "sqlite"
    engine = create_engine(url, poolclass=NullPool,
                           **({"connect_args": {"timeout": 30}} if sqlite else {}))
    if sqlite:
        event.listen(engine, "connect", _sqlite_connected)
        event.listen(engine, "begin", _begin)
    return engine


def _sqlite_connected(connection: Any, _record: Any) -> None:
    """WAL, as every store engine sets it (`flowkit.runtime.store.store_engine`): the mode is
    kept in the file, so a store this engine creates starts in it; transactions explicit."""
    use_wal(connection)
    connection.isolation_level = None


def _locked(error: BaseException) -> bool:
    return isinstance(error, sqlite3.OperationalError) and "database is locked" in str(error)


@retry(retry=retry_if_exception(_locked), wait=wait_random(0.01, 0.1),
       stop=stop_after_delay(30), reraise=True)
def use_wal(connection: sqlite3.Connection) -> None:
    """Put a SQLite file in WAL mode. Processes that open a new file at once all switch it,
    and the switch needs the file to themselves: SQLite answers "database is locked" at
    once (it would deadlock waiting), without its busy timeout, so the switch is tried again
    until the first one has made it (then it is a no-op)."""
    connection.execute("PRAGMA journal_mode=WAL")


def _begin(connection: Connection) -> None:
    locking = connection.get_execution_options().get("write_lock", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if locking else "BEGIN")
