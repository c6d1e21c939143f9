"""Leases: one runner per flow at a time; a killed runner's lease expires and another takes the
flow over; a runner never frees another's lease."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from flowkit.runtime.service.leases import LeaseHeld, Leases
from flowkit.runtime.store import Lease
from flowkit.runtime.tables import utcnow
from tests.runtime.conftest import REPOSITORY

FLOW = "hubspot-contacts-to-slack"
HOLDER = """
import sys, time
from flowkit.runtime.service.leases import LeaseHeld, Leases
from flowkit.runtime.store import open_store
with Leases(open_store(sys.argv[1]), owner="killed", ttl_s=1.0).held(sys.argv[2]):
    print("held", flush=True)
    time.sleep(600)
"""


def test_a_lease_is_one_runners_until_it_expires(sessions: sessionmaker[Session]) -> None:
    first = Leases(sessions, owner="first", ttl_s=30)
    second = Leases(sessions, owner="second", ttl_s=30)

    assert first.take(FLOW)
    assert first.take(FLOW)  # ours already: renewed
    assert not second.take(FLOW)
    second.give_back(FLOW)  # not its lease: nothing happens
    assert not second.take(FLOW)
    assert second.take(FLOW, now=utcnow() + timedelta(seconds=31))  # expired: taken over
    assert not first.renew(FLOW)
    first.give_back(FLOW)
    with sessions() as session:
        lease = session.get(Lease, FLOW)
    assert lease is not None
    assert lease.owner == "second"


def test_a_held_lease_is_renewed_while_the_run_goes_on(sessions: sessionmaker[Session]) -> None:
    leases = Leases(sessions, owner="runner", ttl_s=0.6)

    with leases.held(FLOW):
        time.sleep(1.0)
        with sessions() as session:
            lease = session.get(Lease, FLOW)
        assert lease is not None
        expires = lease.expires_at
        if expires.tzinfo is None:  # SQLite keeps the UTC time without its zone
            expires = expires.replace(tzinfo=UTC)
        assert expires > utcnow()  # renewed past its first lifetime
        assert not Leases(sessions, owner="other").take(FLOW)
    with sessions() as session:
        assert session.get(Lease, FLOW) is None


def test_a_killed_runners_lease_expires_and_another_takes_the_flow_over(
        store_url: str, sessions: sessionmaker[Session]) -> None:
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, store_url, FLOW],
                              stdout=subprocess.PIPE, text=True, cwd=REPOSITORY,
                              env={**os.environ, "PYTHONPATH": str(REPOSITORY)})
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "held"
    other = Leases(sessions, owner="survivor", ttl_s=30)
    assert not other.take(FLOW)

    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=10)
    deadline = time.monotonic() + 10
    while not other.take(FLOW):
        assert time.monotonic() < deadline, "the killed runner's lease never expired"
        time.sleep(0.2)


def test_a_runners_second_worker_skips_the_flow_its_first_worker_runs(
        sessions: sessionmaker[Session]) -> None:
    leases = Leases(sessions, owner="runner", ttl_s=30)

    with leases.held(FLOW), pytest.raises(LeaseHeld), leases.held(FLOW):
        pass  # the row is ours, but a run of ours holds it: the second is refused
    with leases.held(FLOW):  # given back: the next run takes it
        pass
