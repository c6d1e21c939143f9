"""Leases: a lock on a piece of work that has an owner and an expiry.

A worker takes the lease on a work key (the branch an issue and its pull request share) before
it runs a job, renews it while the job runs, and gives it back when the job ends. A worker that
dies stops renewing, and its lease expires after `ttl`: then, and only then, another worker may
take it. Nothing ever frees a lease it does not hold, so workers can start, stop and roll in any
order. A job's lease names the job in its owner, so the reconciler can tell a running job whose
worker is alive (its lease is being renewed) from one whose worker died (`live_jobs`). Leases
live in the app's database (SQLite or PostgreSQL), whichever queue runs the jobs;
expiry is judged by the workers' clocks, which must agree to well within `ttl` (NTP).
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.store import Lease

DEFAULT_TTL = timedelta(seconds=60)
JOB_MARK = "#job-"
"""What separates a lease owner's worker from the job it runs: `<host>:<pid>:<id>#job-<job>`."""
log = structlog.get_logger("flowbot.leases")
_HELD = threading.local()


class LeaseBusy(Exception):
    """Another live worker holds the lease."""


class HeldLease:
    """A lease this worker holds: renewed by a thread of its own until it is released."""

    def __init__(self, leases: Leases, key: str, owner: str) -> None:
        self.key, self.owner = key, owner
        self._leases = leases
        self._stop = threading.Event()
        self.lost = threading.Event()
        """Set when a renewal found the lease gone (this worker stalled past its expiry)."""
        self._renewer = threading.Thread(target=self._renew, name=f"lease {key}", daemon=True)

    def _renew(self) -> None:
        while not self._stop.wait(self._leases.ttl.total_seconds() / 3):
            if not self._leases.renew(self.key, self.owner):
                log.error("lease.lost", key=self.key, owner=self.owner)
                self.lost.set()
                return


def lease_lost() -> bool:
    """Whether the lease this thread's job holds was lost (its worker stalled past the expiry
    and another may have taken the work): the job must stop before it pushes anything."""
    lease: HeldLease | None = getattr(_HELD, "lease", None)
    return lease is not None and lease.lost.is_set()


class Leases:
    """Leases on work keys, in the app's database."""

    def __init__(self, sessions: sessionmaker[Session], *, ttl: timedelta = DEFAULT_TTL) -> None:
        self.sessions = sessions
        self.ttl = ttl

    def acquire(self, key: str, owner: str) -> bool:
        """Take the lease on `key` for `owner` if it is free or expired; whether it was taken."""
        now = datetime.now(UTC)
        try:
            with self.sessions.begin() as session:
                session.add(Lease(key=key, owner=owner, expires_at=now + self.ttl))
            return True
        except IntegrityError:
            pass  # held, or expired: take it only if it has expired
        with self.sessions.begin() as session:
            taken = session.execute(update(Lease).where(
                Lease.key == key, Lease.expires_at < now).values(
                owner=owner, expires_at=now + self.ttl))
            return bool(taken.rowcount)  # type: ignore[attr-defined]  # a CursorResult

    def renew(self, key: str, owner: str) -> bool:
        """Extend `owner`'s lease on `key`; False if it no longer holds it."""
        with self.sessions.begin() as session:
            renewed = session.execute(update(Lease).where(
                Lease.key == key, Lease.owner == owner).values(
                expires_at=datetime.now(UTC) + self.ttl))
            return bool(renewed.rowcount)  # type: ignore[attr-defined]  # a CursorResult

    def release(self, key: str, owner: str) -> None:
        """Give back `owner`'s lease on `key` (never another's)."""
        with self.sessions.begin() as session:
            session.execute(delete(Lease).where(Lease.key == key, Lease.owner == owner))

    def live_jobs(self) -> set[int]:
        """The jobs whose lease is held and not expired: their workers are alive."""
        with self.sessions() as session:
            owners = session.scalars(select(Lease.owner).where(
                Lease.expires_at >= datetime.now(UTC), Lease.owner.contains(JOB_MARK)))
            return {int(job) for owner in owners
                    if (job := owner.rpartition(JOB_MARK)[2]).isdigit()}

    @contextmanager
    def held(self, key: str, *, job_id: int | None = None) -> Iterator[HeldLease]:
        """Hold the lease on `key` for the block (for job `job_id`), renewing it; LeaseBusy if a
        live worker has it."""
        owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
        if job_id is not None:
            owner += f"{JOB_MARK}{job_id}"
        if not self.acquire(key, owner):
            raise LeaseBusy(key)
        lease = HeldLease(self, key, owner)
        lease._renewer.start()
        _HELD.lease = lease
        try:
            yield lease
        finally:
            _HELD.lease = None
            lease._stop.set()
            lease._renewer.join()
            self.release(key, owner)
