"""The production half of the loop, end to end: a merged flow runs on its schedule, a bad record
becomes one `flow-failure` issue, the app repairs the flow, the repair is merged, the runner
deploys the merge as its next version and replays the failed packet there — delivered once.

Every part is the real one but the outer boundary: the GitHub simulator (REST checked against
GitHub's OpenAPI description, git over smart HTTP, signed webhooks to the app), the app and its
worker (`bot.demo.world`), the runner service as `flowbot runner start` builds it, each run in a
child process, the Stripe and HubSpot simulators over HTTP. The model's side of the repair is
SCRIPTED (`bot.demo.stories.repair_turns`: written by hand to fix the demo flow, not recorded
from a model), served by the Messages API simulator — a test double, not a model's answer.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from huey import Huey
from sqlalchemy import select

from bot.cli.runner import build_runner
from bot.demo.stories import FOLDER, repair_turns
from bot.demo.world import DemoWorld, demo_world, repository_content
from bot.settings import load_settings
from bot.store import JobState
from connectors.core.serving import serve_on_loopback
from connectors.hubspot.simulator import HubSpotSimulator
from connectors.stripe.simulator import StripeSimulator
from flowkit.runtime.filing import FAILURE_LABEL
from flowkit.runtime.report import parse_failure_report
from flowkit.runtime.service.launch import ChildRun
from flowkit.runtime.service.runner import POLL_TASK, RunnerService
from flowkit.runtime.store import (
    AuditEntry,
    Deployment,
    FailedMessage,
    FailureState,
    Run,
    open_store,
)
from tests.runtime.support import write_merged_flow, write_secrets

FLOW = "stripe-customers-to-hubspot-contacts"
CHER = "cher@example.com"
"""The planted bad record: a customer called just “Cher”, whose name the flow cannot split."""
HOURLY = datetime(2026, 12, 5, 21, 0)
"""A tick of the flow's schedule (`0 * * * *`) and of the runner's poll (`*/5 * * * *`)."""
POLL_ONLY = datetime(2026, 12, 5, 21, 5)
NEXT_HOUR = datetime(2026, 12, 5, 22, 0)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[DemoWorld]:
    """The demo's world, its repository's main branch holding the Stripe-to-HubSpot flow as
    merged (the version that fails on a one-word name); the app's every REST exchange checked
    against GitHub's description and the scripted model's requests against the Messages API's
    rules."""
    scratch = tmp_path / "demo"
    content = repository_content(scratch)
    folder = content / FOLDER
    write_merged_flow(folder)
    with demo_world(scratch, validate=True, log_level="INFO", content=content) as started:
        yield started
        assert started.github.conformance.problems == [], "\n".join(
            started.github.conformance.problems)
        assert started.model is not None
        assert started.model.violations == [], "\n".join(started.model.violations)


def _tick(runner: RunnerService, at: datetime, name: str) -> Any:
    """Run the periodic task `name` due at `at`, as the runner's scheduler would enqueue it."""
    [task] = [task for task in runner.huey.read_periodic(at) if task.name == name]
    return runner.huey.execute(task)


def _drain(huey: Huey) -> int:
    """Run what the runner queued, in order, as its consumer would; how many tasks ran."""
    ran = 0
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        ran += 1
    return ran


def _recording(runner: RunnerService) -> list[ChildRun]:
    """The runs and replays the runner ends from now on, its own hook (filing) still called."""
    ended: list[ChildRun] = []
    filing = runner.on_run
    assert filing is not None

    def record(result: ChildRun) -> None:
        ended.append(result)
        filing(result)

    runner.on_run = record
    return ended


def _upserts_of(crm: HubSpotSimulator, email: str) -> int:
    """How many upsert requests the HubSpot simulator received carrying `email`."""
    return sum(1 for request in crm.requests
               if request.method == "POST" and request.path.endswith("/batch/upsert")
               for one in json.loads(request.body)["inputs"] if one["id"] == email)


@pytest.mark.sandbox
def test_a_failure_in_production_is_repaired_merged_deployed_and_replayed_once(
        world: DemoWorld, bwrap_path: str, tmp_path: Path) -> None:
    """On a SQLite runtime store only: the app's repair takes most of a minute, and the
    replay on a new version is tested on PostgreSQL too (test_replay_after_repair.py)."""
    assert world.model is not None
    store_url = f"sqlite:///{tmp_path / 'runtime.sqlite3'}"
    sessions = open_store(store_url)
    stripe = StripeSimulator(customers=0, invoices=0, charges=0)
    stripe.add_customer(email="ada@example.com", name="Ada Lovelace")
    stripe.add_customer(email=CHER, name="Cher")
    crm = HubSpotSimulator(contacts=0)
    world.model.script.add(*repair_turns())  # scripted turns, not a model's
    with serve_on_loopback(stripe.app) as stripe_url, serve_on_loopback(crm.app) as crm_url:
        secrets = tmp_path / "secrets.yaml"
        write_secrets(secrets, stripe=stripe.settings(stripe_url),
                      hubspot=crm.settings(crm_url))
        runner = build_runner(load_settings({
            **world.environment, "FLOWBOT_DATA_DIR": str(tmp_path / "runner"),
            "FLOWBOT_RUNNER_REPOSITORY": world.repository.full_name,
            "FLOWBOT_RUNNER_GATE_STAGE": "4", "FLOWBOT_RUNNER_POLL": "*/5 * * * *",
            "FLOWBOT_RUNTIME_DATABASE_URL": store_url, "FLOWBOT_SECRETS_FILE": str(secrets)}))

        ended = _recording(runner)

        merged_flow = runner.refresh()  # what `flowbot runner start` does first
        _tick(runner, HOURLY, f"flow:{FLOW}")
        [first] = ended
        assert first.error is None, first.error
        [job] = world.wait_for_jobs()  # the filed issue's webhook started the app's repair

        [issue] = [i for i in world.repository.issues.values() if FAILURE_LABEL in i.labels]
        report = parse_failure_report(issue.body)
        [pull] = [i for i in world.repository.issues.values() if i.pull is not None]
        assert pull.pull is not None
        fix = world.github.merge(world.repository, pull.number)

        assert _tick(runner, POLL_ONLY, POLL_TASK) == fix  # the poll deploys the merge
        assert _drain(runner.huey) == 1  # the replay the new version queued
        _tick(runner, NEXT_HOUR, f"flow:{FLOW}")
        [_, replay, later] = ended

    # the schedule ran the merged flow; the bad record failed, the other was delivered
    assert (first.version, first.error, first.counts) == (merged_flow, None,
                                                          {"delivered": 1, "failed": 1})
    # exactly one flow-failure issue, with the block the app reads
    assert (report.flow, report.version, report.step) == (FLOW, merged_flow, "to_contact")
    assert report.error.type == "ValueError"
    assert CHER not in issue.body  # the spec's sensitive fields are redacted
    # the app's repair job opened the repair PR, which links the issue back
    assert (job.kind, job.number, job.state) == ("repair", issue.number, JobState.SUCCEEDED)
    assert pull.title == f"Repair {FLOW}: ValueError in to_contact"
    assert f"Fixes #{issue.number}" in pull.body
    said = [c.body for c in world.repository.comments.values() if c.number == issue.number]
    assert any(f"Pull request #{pull.number}" in body for body in said)  # and back again
    assert any(body.startswith(f"Replayed on version `{fix[:12]}`, which changed the flow: 1 "
                               "failed packet(s) delivered") for body in said)
    assert issue.state == "closed"  # closed by the merge, as GitHub closes a fixed issue
    # the merge became the runner's next version, through the gate
    with sessions() as session:
        deployed = {row.commit: row.state for row in session.scalars(select(Deployment))}
    assert deployed == {merged_flow: "deployed", fix: "deployed"}
    # the failed packet was replayed on the new version and delivered, once
    assert (replay.version, replay.error, replay.replayed) == (fix, None, {"delivered": 1})
    assert replay.resolved_ids == [report.failure_id]
    assert (later.version, later.error, later.counts) == (fix, None, {"already_done": 2})
    assert _upserts_of(crm, CHER) == 1
    assert crm.stats.writes[f"contacts:email={CHER}"] == 1
    contact = crm.find("contacts", "email", CHER)
    assert contact is not None
    assert contact["firstname"] == "Cher"
    with sessions() as session:
        [failure] = session.scalars(select(FailedMessage)).all()
        audit = [(row.version, row.outcome) for row in session.scalars(
            select(AuditEntry).where(AuditEntry.packet_key == failure.packet_key)
            .order_by(AuditEntry.id))]
        replay_runs = session.scalars(select(Run).where(Run.id.startswith("replay-"))).all()
    assert failure.state == FailureState.RESOLVED.value
    assert failure.issue_url is not None
    assert audit == [(merged_flow, "failed"), (fix, "delivered")]
    assert [(run.version, run.status) for run in replay_runs] == [(fix, "finished")]
