"""Several machines: three runner processes share one Redis queue and one PostgreSQL runtime
store. A flow runs on one of them at a time; the one holding it is SIGKILLed mid-run; another
takes the flow over when the lease expires and finishes it from the ledger; no contact is posted
twice, and no two runs of the flow ever wrote at the same time (from the audit trail)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from connectors.core.serving import serve_on_loopback
from flowkit.runtime.store import AuditEntry, Base, Lease, Run, RunStatus, open_store
from tests.runtime.conftest import REPOSITORY
from tests.runtime.support import (
    asking_service,
    assert_posted_once_or_in_doubt,
    crm_and_slow_slack,
    finished_runs,
    write_secrets,
)
from tests.runtime.test_runner_kill import _remote

FLOW = "hubspot-contacts-to-slack"
CONTACTS = 60
LEASE_S = 2.0
RUNNERS = 3


@pytest.fixture
def fleet_store(postgres_url: str) -> str:
    """The session's PostgreSQL with no runtime tables: the fleet's one store."""
    engine = create_engine(postgres_url)
    Base.metadata.drop_all(engine)
    engine.dispose()
    return postgres_url


def _holder(sessions: sessionmaker[Session], deadline: float) -> str:
    """The owner of the flow's lease, once some runner has taken it."""
    while time.monotonic() < deadline:
        with sessions() as session:
            lease = session.get(Lease, FLOW)
        if lease is not None:
            return lease.owner
        time.sleep(0.02)
    raise AssertionError("no runner took the flow's lease")


def _last_write(session: Session, run: Run) -> datetime:
    """When a run last wrote to the store: its end, or (killed) its last audit entry (a ledger
    row keeps the run that claimed it even when a later run settles it, so it cannot say)."""
    moments = [run.started_at, *(m for m in (
        run.finished_at,
        session.scalar(select(func.max(AuditEntry.at)).where(AuditEntry.run_id == run.id)))
        if m is not None)]
    return max(moments)


def test_three_runners_share_a_flow_and_a_killed_ones_run_is_finished_by_another(
        tmp_path: Path, fleet_store: str, redis_url: str) -> None:
    sessions = open_store(fleet_store)
    crm, slack, channel = crm_and_slow_slack(CONTACTS)
    remote = _remote(tmp_path)
    with serve_on_loopback(crm.app) as crm_url, serve_on_loopback(slack.app) as slack_url:
        secrets = tmp_path / "secrets.yaml"
        write_secrets(secrets, hubspot=crm.settings(crm_url), slack=slack.settings(slack_url))
        # the test's side of the queue: what `flowbot runner run` does
        asker = asking_service(redis_url, remote, sessions, tmp_path / "asker", fleet_store)
        logs = [tmp_path / f"runner-{index}.log" for index in range(RUNNERS)]
        runners: dict[int, subprocess.Popen[str]] = {}
        for index in range(RUNNERS):  # each its own machine: its own data directory
            process = subprocess.Popen(
                [sys.executable, "-m", "tests.runtime.fleet_runner",
                 str(tmp_path / f"machine-{index}"), str(remote), fleet_store, str(secrets),
                 redis_url, str(LEASE_S)],
                cwd=REPOSITORY, env={**os.environ, "PYTHONPATH": str(REPOSITORY)},
                stdout=logs[index].open("w"), stderr=subprocess.STDOUT, text=True)
            runners[process.pid] = process
        try:
            deadline = time.monotonic() + 120
            while not all("ready" in log.read_text() for log in logs):
                assert time.monotonic() < deadline, "a runner did not start"
                assert all(p.poll() is None for p in runners.values()), "a runner died"
                time.sleep(0.1)
            for _ in range(RUNNERS):  # every runner asked at once: one runs, the rest skip
                asker.run_now(FLOW)
            owner = _holder(sessions, deadline)
            killed = runners[int(owner.split("-")[-2])]
            while len(slack.posted(channel)) < 5 and time.monotonic() < deadline:
                time.sleep(0.02)
            killed.send_signal(signal.SIGKILL)
            killed.wait(timeout=10)
            posted_at_kill = len(slack.posted(channel))

            finished_runs(asker, FLOW, sessions, deadline)
            time.sleep(LEASE_S)  # the ticks still queued run (or skip) and find nothing new
        finally:
            for process in runners.values():
                if process.poll() is None:
                    process.send_signal(signal.SIGKILL)
                    process.wait(timeout=10)

    assert killed.returncode == -signal.SIGKILL
    assert 5 <= posted_at_kill < CONTACTS, "the kill must land half-way"
    skipped = sum(log.read_text().count("run skipped") for log in logs)
    assert skipped >= RUNNERS - 1, "the runners never contended for the flow"
    with sessions() as session:
        runs = list(session.scalars(select(Run).where(Run.flow == FLOW)
                                    .order_by(Run.started_at)))
        spans = [(run.started_at, _last_write(session, run)) for run in runs]
        in_doubt = sum(run.counts.get("in_doubt", 0) for run in runs
                       if run.status == RunStatus.FINISHED.value)
    assert len(runs) >= 2  # the killed one's and the one that finished it
    assert runs[0].status == RunStatus.RUNNING.value  # the killed run never ended
    for (_, earlier_end), (later_start, _) in pairwise(spans):
        assert earlier_end <= later_start, f"two runs wrote at the same time: {spans}"
    assert_posted_once_or_in_doubt(slack, channel, CONTACTS, in_doubt)
