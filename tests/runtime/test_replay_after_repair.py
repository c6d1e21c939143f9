"""A new version that changes a flow replays that flow's failed packets, once: queued by the
runner that deployed it, or — when a run holds the flow — first thing in the flow's next run.
A version that leaves the flow alone replays nothing; a packet the change did not fix fails
again, on the new version, and is to be filed again. On both runtime stores, each run and
replay in a child process, against the Stripe and HubSpot simulators over HTTP."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from huey import MemoryHuey
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.demo.world import SCENARIO
from connectors.core.serving import serve_on_loopback
from connectors.hubspot.simulator import HubSpotSimulator
from connectors.stripe.simulator import StripeSimulator
from flowkit.runtime.service.launch import ChildRun
from flowkit.runtime.service.runner import RunnerService, RunnerSettings
from flowkit.runtime.service.versions import Versions, gate_stages
from flowkit.runtime.store import AuditEntry, FailedMessage, FailureState
from tests.runtime.support import commit, git, write_merged_flow, write_secrets

FLOW = "stripe-customers-to-hubspot-contacts"
FOLDER = Path("flows") / "stripe_customers_to_hubspot_contacts"
CHER = "cher@example.com"
"""A customer called just “Cher”: the flow as merged cannot split the name, the repair can."""


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    """A repository whose main branch holds the flow that fails on a one-word name."""
    root = tmp_path / "remote"
    folder = root / FOLDER
    write_merged_flow(folder)
    (root / "flows" / "__init__.py").write_text("")
    git("init", "-q", "-b", "main", cwd=root)
    commit(root, "the flow, as merged")
    return root


@pytest.fixture
def crm(tmp_path: Path) -> Iterator[tuple[Path, HubSpotSimulator]]:
    """Stripe with Ada and Cher, an empty HubSpot, served; the secrets file that reaches them."""
    stripe = StripeSimulator(customers=0, invoices=0, charges=0)
    stripe.add_customer(email="ada@example.com", name="Ada Lovelace")
    stripe.add_customer(email=CHER, name="Cher")
    hubspot = HubSpotSimulator(contacts=0)
    with serve_on_loopback(stripe.app) as stripe_url, serve_on_loopback(hubspot.app) as crm_url:
        secrets = tmp_path / "secrets.yaml"
        write_secrets(secrets, stripe=stripe.settings(stripe_url),
                      hubspot=hubspot.settings(crm_url))
        yield secrets, hubspot


def _upserts_of(hubspot: HubSpotSimulator, email: str) -> int:
    """How many upsert requests the HubSpot simulator received carrying `email`."""
    return sum(1 for request in hubspot.requests
               if request.method == "POST" and request.path.endswith("/batch/upsert")
               for one in json.loads(request.body)["inputs"] if one["id"] == email)


def _service(tmp_path: Path, remote: Path, store_url: str, sessions: sessionmaker[Session],
             secrets: Path, ran: list[ChildRun]) -> RunnerService:
    """A runner whose queued tasks run at once, in the caller's thread."""
    data = tmp_path / "data"
    return RunnerService(MemoryHuey(immediate=True),
                         Versions(data, str(remote), "main", sessions, gate=gate_stages(4)),
                         RunnerSettings(data_dir=data, database_url=store_url,
                                        secrets_file=secrets, poll=None),
                         on_run=ran.append)


def _repair(remote: Path) -> str:
    shutil.copy2(SCENARIO / "flow_repaired.py", remote / FOLDER / "flow.py")
    return commit(remote, "Repair: a one-word name is a first name")


def test_a_version_that_repairs_the_flow_replays_its_failed_packet_once(
        tmp_path: Path, remote: Path, store_url: str, sessions: sessionmaker[Session],
        crm: tuple[Path, HubSpotSimulator]) -> None:
    secrets, hubspot = crm
    ran: list[ChildRun] = []
    service = _service(tmp_path, remote, store_url, sessions, secrets, ran)
    merged = service.refresh()
    service.run_now(FLOW)
    (remote / "README.md").write_text("A change outside the flow.\n")
    unrelated = commit(remote, "docs")

    assert service.refresh() == unrelated
    assert len(ran) == 1  # nothing to replay: the flow's code is the same
    repaired = _repair(remote)
    assert service.refresh() == repaired
    assert service.refresh() == repaired  # the same version again: no second replay
    service.run_now(FLOW)

    [first, replay, later] = ran
    assert (first.version, first.counts) == (merged, {"delivered": 1, "failed": 1})
    assert (replay.version, replay.run_id, replay.replayed) == (repaired, None,
                                                                {"delivered": 1})
    assert (later.version, later.counts, later.replayed) == (repaired, {"already_done": 2}, {})
    assert _upserts_of(hubspot, CHER) == 1
    with sessions() as session:
        [failure] = session.scalars(select(FailedMessage)).all()
        audit = [(row.version, row.outcome) for row in session.scalars(
            select(AuditEntry).where(AuditEntry.packet_key == failure.packet_key)
            .order_by(AuditEntry.id))]
    assert failure.state == FailureState.RESOLVED.value
    assert replay.resolved_ids == [failure.id]
    assert audit == [(merged, "failed"), (repaired, "delivered")]


def test_a_replay_the_running_flow_blocks_happens_first_in_its_next_run(
        tmp_path: Path, remote: Path, store_url: str, sessions: sessionmaker[Session],
        crm: tuple[Path, HubSpotSimulator]) -> None:
    secrets, hubspot = crm
    ran: list[ChildRun] = []
    service = _service(tmp_path, remote, store_url, sessions, secrets, ran)
    service.refresh()
    service.run_now(FLOW)
    repaired = _repair(remote)

    with service.leases.held(FLOW):  # a run of the flow is in progress
        assert service.refresh() == repaired
    assert len(ran) == 1  # the replay was left to the next run
    service.run_now(FLOW)

    [_, next_run] = ran
    assert (next_run.version, next_run.replayed, next_run.counts) == (
        repaired, {"delivered": 1}, {"already_done": 2})
    assert _upserts_of(hubspot, CHER) == 1


def test_a_packet_the_change_did_not_fix_fails_again_and_is_filed_again(
        tmp_path: Path, remote: Path, store_url: str, sessions: sessionmaker[Session],
        crm: tuple[Path, HubSpotSimulator]) -> None:
    secrets, hubspot = crm
    ran: list[ChildRun] = []
    service = _service(tmp_path, remote, store_url, sessions, secrets, ran)
    service.refresh()
    service.run_now(FLOW)
    with sessions.begin() as session:  # as the runner's filer leaves it
        [failure] = session.scalars(select(FailedMessage)).all()
        failure.issue_url = "https://github.com/acme/flows/issues/1"
    flow_py = remote / FOLDER / "flow.py"
    flow_py.write_text(flow_py.read_text() + "\n# a change that fixes nothing\n")
    changed = commit(remote, "not a fix")

    assert service.refresh() == changed
    service.refresh()

    [_, replay] = ran  # replayed once on the changed version, not again on the same one
    assert (replay.replayed, replay.failure_ids, replay.resolved_ids) == (
        {"failed": 1}, [failure.id], [])
    with sessions() as session:
        again = session.get(FailedMessage, failure.id)
    assert again is not None
    assert (again.state, again.version, again.issue_url) == (
        FailureState.OPEN.value, changed, None)  # unfiled: the runner's filer takes it again
    assert _upserts_of(hubspot, CHER) == 0
