"""Where the runtime keeps what it knows: runs, the ledger, cursors, the audit trail, failures.

SQLAlchemy over SQLite by default (a file, no set-up) or PostgreSQL when `FLOWBOT_DATABASE_URL`
names one. The ledger is what makes a re-run safe: one row per packet version and flow, unique,
moved to `in_flight` before the sink is called and to its outcome after — so a run that was
killed in between is recognised, and a packet already delivered is never sent again.
"""

from __future__ import annotations

import enum
import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Engine,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from flowkit.runtime.database_url import checked_database_url
from flowkit.runtime.schema import History, Legacy, upgrade, use_wal
from flowkit.runtime.tables import TableTypes, utcnow

DATABASE_URL_VARIABLE = "FLOWBOT_DATABASE_URL"
DATA_DIR_VARIABLE = "FLOWBOT_DATA_DIR"
DEFAULT_DATA_DIR = Path(".flowbot")


class Base(TableTypes, DeclarativeBase):
    """The runtime's tables."""


class PacketState(enum.StrEnum):
    """Where a packet version stands in the ledger."""

    IN_FLIGHT = "in_flight"
    DELIVERED = "delivered"
    SKIPPED = "skipped"
    BAD = "bad"
    FAILED = "failed"


class RunStatus(enum.StrEnum):
    """Where a run stands."""

    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"


class FailureState(enum.StrEnum):
    """Where a failed message stands."""

    OPEN = "open"
    RESOLVED = "resolved"


class VersionState(enum.StrEnum):
    """What the runner service made of a commit of the default branch."""

    DEPLOYED = "deployed"
    REFUSED = "refused"


class Run(Base):
    """One run of one flow."""

    __tablename__ = "flowbot_runs"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    flow: Mapped[str] = mapped_column(String(120), index=True)
    version: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    status: Mapped[str] = mapped_column(String(20), default=RunStatus.RUNNING.value)
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)


class LedgerEntry(Base):
    """One packet version of one flow, and what became of it."""

    __tablename__ = "flowbot_ledger"
    __table_args__ = (UniqueConstraint("flow", "identity", name="uq_flowbot_ledger_packet"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    flow: Mapped[str] = mapped_column(String(120))
    identity: Mapped[str] = mapped_column(String(300))
    """The packet's key, and its cursor value when the source has one (`450789469@2026-…`)."""
    packet_key: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(20))
    run_id: Mapped[str] = mapped_column(String(40))
    target_ref: Mapped[str | None] = mapped_column(String(255), default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Cursor(Base):
    """Where the next run of a flow resumes."""

    __tablename__ = "flowbot_cursors"

    flow: Mapped[str] = mapped_column(String(120), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column()
    """{"type": "datetime" | "int" | "str", "value": …} — the JSON of a typed cursor."""
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AuditEntry(Base):
    """What moved, when, from where to where, under which flow version."""

    __tablename__ = "flowbot_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("flowbot_runs.id"), index=True)
    flow: Mapped[str] = mapped_column(String(120))
    version: Mapped[str] = mapped_column(String(64))
    packet_key: Mapped[str] = mapped_column(String(255))
    source_ref: Mapped[str] = mapped_column(String(255))
    target_ref: Mapped[str | None] = mapped_column(String(255), default=None)
    outcome: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str | None] = mapped_column(Text, default=None)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class FailedMessage(Base):
    """A packet that failed: everything needed to understand it, report it and replay it."""

    __tablename__ = "flowbot_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    flow: Mapped[str] = mapped_column(String(120), index=True)
    version: Mapped[str] = mapped_column(String(64))
    run_id: Mapped[str] = mapped_column(String(40))
    packet_key: Mapped[str] = mapped_column(String(255))
    identity: Mapped[str] = mapped_column(String(300))
    unit: Mapped[str] = mapped_column(String(120))
    error_type: Mapped[str] = mapped_column(String(120))
    message: Mapped[str] = mapped_column(Text)
    traceback: Mapped[str] = mapped_column(Text, default="")
    packet: Mapped[dict[str, Any]] = mapped_column()
    """The source record with the spec's sensitive fields redacted: what reports show."""
    unit_input: Mapped[dict[str, Any]] = mapped_column()
    """{"value": …} — what the failed unit was given, unredacted, kept here only for replay."""
    state: Mapped[str] = mapped_column(String(20), default=FailureState.OPEN.value)
    issue_url: Mapped[str | None] = mapped_column(String(500), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Deployment(Base):
    """A commit of the default branch the runner service has checked, and what it decided."""

    __tablename__ = "flowbot_deployments"

    commit: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[str] = mapped_column(String(20))
    findings: Mapped[str] = mapped_column(Text, default="")
    """The gate's findings, one flow a line, when it was refused."""
    checked_at: Mapped[datetime] = mapped_column(default=utcnow)


class FailureIssue(Base):
    """The `flow-failure` issue of one flow and failure signature, and how often it recurred."""

    __tablename__ = "flowbot_failure_issues"

    flow: Mapped[str] = mapped_column(String(120), primary_key=True)
    signature: Mapped[str] = mapped_column(String(64), primary_key=True)
    """A digest of the step, the error type and the normalised message."""
    issue_number: Mapped[int] = mapped_column(Integer)
    issue_url: Mapped[str] = mapped_column(String(500))
    occurrences: Mapped[int] = mapped_column(Integer, default=1)
    comment_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    """The one comment that counts later occurrences (edited, never one per packet)."""
    filed_at: Mapped[datetime] = mapped_column(default=utcnow)


class Lease(Base):
    """Which runner runs a flow now, until when: renewed while the run goes on, taken over by
    another runner once it has expired (its holder died)."""

    __tablename__ = "flowbot_leases"

    flow: Mapped[str] = mapped_column(String(120), primary_key=True)
    owner: Mapped[str] = mapped_column(String(120))
    expires_at: Mapped[datetime] = mapped_column()


HISTORY = History(
    store="runtime", folder=Path(__file__).with_name("migrations"),
    version_table="flowbot_runtime_revision", metadata=Base.metadata,
    legacy=(Legacy("0001", "flowbot_runs"), Legacy("0002", "flowbot_deployments"),
            Legacy("0003", "flowbot_failure_issues"), Legacy("0004", "flowbot_leases", "flow")))
"""The runtime store's migrations (flowkit/runtime/migrations/); `legacy` recognises a store
that releases before them made with `create_all`."""


def database_url(url: str | None = None) -> str:
    """The URL to use: the argument, else $FLOWBOT_DATABASE_URL, else SQLite in the data dir
    ($FLOWBOT_DATA_DIR, as the runner's, else `.flowbot`)."""
    chosen = url or os.environ.get(DATABASE_URL_VARIABLE)
    if chosen:
        return chosen
    data_dir = Path(os.environ.get(DATA_DIR_VARIABLE) or DEFAULT_DATA_DIR)
    return f"sqlite:///{(data_dir / 'runtime.sqlite3').resolve()}"


def open_store(url: str | None = None) -> sessionmaker[Session]:
    """Connect, bring the tables to the newest migration (`flowkit.runtime.schema.upgrade`),
    and return a session factory."""
    chosen = database_url(url)
    upgrade(chosen, HISTORY)
    return sessionmaker(store_engine(chosen), expire_on_commit=False)


class JsonText(str):
    """JSON already serialized (a webhook's body as GitHub sent it): a JSON column stores it as
    it is instead of parsing and serializing it again."""

    __slots__ = ()


def _to_json(value: Any) -> str:
    return value if isinstance(value, JsonText) else json.dumps(value)


def store_engine(url: str) -> Engine:
    """An engine for a store: server connections pre-pinged (a file needs none); SQLite shared
    between threads, in WAL mode and synced at checkpoints (commits cost microseconds, not an
    fsync)."""
    sqlite = url.startswith("sqlite")
    engine = create_engine(checked_database_url(url), pool_pre_ping=not sqlite,
                           json_serializer=_to_json,
                           **({"connect_args": {"check_same_thread": False, "timeout": 30}}
                              if sqlite else {}))
    if sqlite:
        _sqlite_wal(engine)
    return engine


def _sqlite_wal(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _pragmas(connection: Any, _record: Any) -> None:
        use_wal(connection)
        connection.execute("PRAGMA synchronous=NORMAL")
