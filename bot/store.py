"""The app's own records: every delivery it accepted, and every job it was asked for.

A delivery is stored once, by its `X-GitHub-Delivery` id, so a redelivery is recognised; a job
once per trigger (`comment:987`), so the same request never becomes two jobs — whichever way it
arrives: webhook, redelivery or the reconciler.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Integer, String, Text, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from flowkit.runtime.schema import (
    History,
    Legacy,
    Upgrade,
    upgrade,
)
from flowkit.runtime.store import store_engine
from flowkit.runtime.tables import TableTypes, utcnow


class Base(TableTypes, DeclarativeBase):
    """The app's tables."""


class JobState(enum.StrEnum):
    """Where a job stands."""

    QUEUED = "queued"
    RUNNING = "running"
    WAITING = "waiting"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    REFUSED = "refused"
    """The sender may not ask for this (no write access): answered politely, nothing done."""


LIVE = (JobState.QUEUED.value, JobState.RUNNING.value)
"""The states of a job that has not ended."""


class JobCancelled(Exception):
    """Someone cancelled the job while it ran; it stops where it is and stays cancelled."""


class Delivery(Base):
    """One webhook delivery the app accepted."""

    __tablename__ = "flowbot_deliveries"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    """GitHub's X-GitHub-Delivery (the same on a redelivery)."""
    event: Mapped[str] = mapped_column(String(64))
    action: Mapped[str | None] = mapped_column(String(64), default=None)
    installation_id: Mapped[int | None] = mapped_column(default=None)
    repository: Mapped[str | None] = mapped_column(String(200), default=None)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    payload: Mapped[dict[str, Any]] = mapped_column()
    decision: Mapped[str] = mapped_column(Text, default="")
    """What the app made of it: the jobs it started, or why none."""


class Job(Base):
    """One job: what was asked, by whom, and how far it got."""

    __tablename__ = "flowbot_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20))
    repository: Mapped[str] = mapped_column(String(200), index=True)
    number: Mapped[int] = mapped_column()
    trigger: Mapped[str] = mapped_column(String(200), unique=True)
    sender: Mapped[str] = mapped_column(String(100))
    installation_id: Mapped[int | None] = mapped_column(default=None)
    request: Mapped[dict[str, Any]] = mapped_column()
    state: Mapped[str] = mapped_column(String(20), default=JobState.QUEUED.value)
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    delivery_id: Mapped[str | None] = mapped_column(String(64), default=None)
    work: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    """How the model did it, once it has worked: model, prompt version, gate attempts, whether
    the gate passed, tokens and cost (`bot.jobs.work.WorkRecord`)."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Approval(Base):
    """An issue someone with write access asked for work on: its author's answers count even
    when the author has no write access (`bot.jobs.rules`)."""

    __tablename__ = "flowbot_approvals"

    repository: Mapped[str] = mapped_column(String(200), primary_key=True)
    number: Mapped[int] = mapped_column(primary_key=True)
    approved_by: Mapped[str] = mapped_column(String(100))
    approved_at: Mapped[datetime] = mapped_column(default=utcnow)


class Lease(Base):
    """A worker's lease on a piece of work (`bot.jobs.leases`): who holds it, and until when."""

    __tablename__ = "flowbot_job_leases"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    owner: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime] = mapped_column()


class InstalledRepository(Base):
    """A repository the app is installed on, kept in step by `installation` and
    `installation_repositories` events; the reconciler's list of where to look."""

    __tablename__ = "flowbot_installed_repositories"

    repository: Mapped[str] = mapped_column(String(200), primary_key=True)
    installation_id: Mapped[int] = mapped_column(index=True)
    active: Mapped[bool] = mapped_column(default=True)
    """False once the app was uninstalled, suspended or removed from the repository."""
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


HISTORY = History(
    store="app", folder=Path(__file__).with_name("migrations"),
    version_table="flowbot_app_revision", metadata=Base.metadata,
    legacy=(Legacy("0001", "flowbot_deliveries"), Legacy("0002", "flowbot_jobs", "work"),
            Legacy("0003", "flowbot_installed_repositories"), Legacy("0004", "flowbot_approvals"),
            Legacy("0005", "flowbot_job_leases")))
"""The app store's migrations (bot/migrations/); `legacy` recognises a store without a version
table — made by a release before them (`create_all`, columns added at start) or by `create_all`
of today's models — from its tables."""


def open_app_store(url: str) -> sessionmaker[Session]:
    """Connect to the app's database, its tables brought to the newest migration first."""
    upgrade_app_store(url)
    return sessionmaker(store_engine(url), expire_on_commit=False)


def upgrade_app_store(url: str, on_step: Callable[[str], None] | None = None) -> Upgrade:
    """Bring the app's database to the newest migration (`flowkit.runtime.schema.upgrade`)."""
    return upgrade(url, HISTORY, on_step)


def reachable(sessions: sessionmaker[Session]) -> str | None:
    """None when the database answers, else why not (for /readyz)."""
    try:
        with sessions() as session:
            session.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError) as error:  # readiness reports the failure, not raises
        return f"database: {type(error).__name__}"
    return None
