"""Leases: a flow runs on at most one runner at a time, across machines.

A lease is a row of the runtime store (shared by every runner on PostgreSQL): the flow, its
owner and an expiry. A runner takes a lease that is free or expired, renews it from a thread
while its run goes on, and gives it back at the end. A runner that was killed stops renewing;
once its lease expires another runner takes the flow over, and the ledger makes the new run
resume where the killed one stopped. A runner never frees another's lease.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Result, delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from flowkit.runtime.store import Lease
from flowkit.runtime.tables import utcnow

DEFAULT_TTL_S = 60.0


def _changed(result: Result[Any]) -> int:
    """How many rows an UPDATE changed."""
    return cast(CursorResult[Any], result).rowcount


def default_owner() -> str:
    """`runner-<host>-<pid>-<random>`: which machine and process hold a lease, for whoever
    looks at the table (the random part tells apart two runners of one process)."""
    return f"runner-{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


class LeaseHeld(Exception):
    """Another runner holds the flow's lease and it has not expired."""


class Leases:
    """The leases one runner takes, as `owner`."""

    def __init__(self, sessions: sessionmaker[Session], *, owner: str | None = None,
                 ttl_s: float = DEFAULT_TTL_S) -> None:
        self.sessions = sessions
        self.owner = owner or default_owner()
        self.ttl = timedelta(seconds=ttl_s)
        self._lock = threading.Lock()
        self._holding: set[str] = set()
        """The flows this runner's runs hold now: its other worker threads must skip them too,
        though the lease's row (ours already) would let them take it."""

    def take(self, flow: str, *, now: datetime | None = None) -> bool:
        """Take the flow's lease if it is free, expired or ours already; whether we hold it."""
        moment = now or utcnow()
        with self.sessions.begin() as session:
            taken = _changed(session.execute(
                update(Lease).where(Lease.flow == flow,
                                    (Lease.expires_at < moment) | (Lease.owner == self.owner))
                .values(owner=self.owner, expires_at=moment + self.ttl)))
            if taken:
                return True
            if session.get(Lease, flow) is not None:
                return False
        try:
            with self.sessions.begin() as session:
                session.add(Lease(flow=flow, owner=self.owner, expires_at=moment + self.ttl))
        except IntegrityError:
            return False  # another runner inserted it a moment ago
        return True

    def renew(self, flow: str) -> bool:
        """Push our lease's expiry forward; False when it is no longer ours."""
        with self.sessions.begin() as session:
            return bool(_changed(session.execute(
                update(Lease).where(Lease.flow == flow, Lease.owner == self.owner)
                .values(expires_at=utcnow() + self.ttl))))

    def give_back(self, flow: str) -> None:
        """Free our lease (never another runner's)."""
        with self.sessions.begin() as session:
            session.execute(delete(Lease).where(Lease.flow == flow, Lease.owner == self.owner))

    @contextmanager
    def held(self, flow: str) -> Iterator[None]:
        """Hold the flow's lease for the block, renewed every third of its lifetime."""
        with self._lock:
            if flow in self._holding:
                raise LeaseHeld(f"{flow} is running on this runner already")
            if not self.take(flow):
                raise LeaseHeld(f"{flow} is running on another runner")
            self._holding.add(flow)
        stop = threading.Event()

        def keep() -> None:
            while not stop.wait(self.ttl.total_seconds() / 3):
                self.renew(flow)

        renewer = threading.Thread(target=keep, name=f"lease-{flow}", daemon=True)
        renewer.start()
        try:
            yield
        finally:
            stop.set()
            renewer.join(timeout=10)
            with self._lock:
                self.give_back(flow)
                self._holding.discard(flow)
