"""The runner service: versions from a git remote, gated; scheduled runs as Huey periodic tasks,
each in a child process with only its flow's credentials; a run keeps the version it began on."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from huey import MemoryHuey
from prometheus_client import generate_latest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from bot.cli import app
from connectors.core.serving import serve_on_loopback
from connectors.hubspot.simulator import HubSpotSimulator
from connectors.slack.simulator import SlackSimulator
from flowkit.runtime.service.launch import child_environment, flow_connectors
from flowkit.runtime.service.runner import RunnerService, RunnerSettings, RunRefused
from flowkit.runtime.service.versions import Versions, gate_stages
from flowkit.runtime.store import Deployment, Run, VersionState
from tests.runtime.conftest import REPOSITORY
from tests.runtime.support import commit, git, write_secrets

FLOW = "hubspot-contacts-to-slack"
CONTACTS = 4


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    """A repository whose main branch holds one scheduled flow."""
    root = tmp_path / "remote"
    shutil.copytree(REPOSITORY / "flows" / "hubspot_contacts_to_slack",
                    root / "flows" / "hubspot_contacts_to_slack",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (root / "flows" / "__init__.py").write_text("")
    git("init", "-q", "-b", "main", cwd=root)
    commit(root, "the first flow")
    return root


@pytest.fixture
def simulators(tmp_path: Path) -> Iterator[tuple[Path, SlackSimulator, str]]:
    """HubSpot with contacts and Slack served on loopback; the secrets file that reaches them."""
    crm = HubSpotSimulator(contacts=CONTACTS)
    slack = SlackSimulator(channels=1)
    channel = slack.add_channel("sales")
    with serve_on_loopback(crm.app) as crm_url, serve_on_loopback(slack.app) as slack_url:
        secrets = tmp_path / "secrets.yaml"
        write_secrets(secrets, hubspot=crm.settings(crm_url), slack=slack.settings(slack_url),
                      stripe={"secret_key": "sk_test_not_for_this_flow"})
        yield secrets, slack, channel


def test_a_child_gets_its_flows_connectors_and_nothing_else(remote: Path, tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.yaml"
    write_secrets(secrets, hubspot={"access_token": "pat-1", "base_url": None},
                  slack={"token": "xoxb-2"}, stripe={"secret_key": "sk_test_3"})
    parent = {"PATH": "/usr/bin", "GITHUB_PRIVATE_KEY": "-----BEGIN RSA PRIVATE KEY-----",
              "FLOWBOT_SHOPIFY__ACCESS_TOKEN": "shpat_4", "FLOWBOT_SLACK__TOKEN": "xoxb-5"}

    connectors = flow_connectors(remote, FLOW)
    environment = child_environment(connectors, database_url="sqlite:///x.db",
                                    secrets_file=secrets, environ=parent)

    assert connectors == ["hubspot", "slack"]
    assert environment == {"PATH": "/usr/bin", "FLOWBOT_DATABASE_URL": "sqlite:///x.db",
                           "FLOWBOT_HUBSPOT__ACCESS_TOKEN": "pat-1",
                           "FLOWBOT_SLACK__TOKEN": "xoxb-5"}  # the variable wins


def test_scheduled_runs_happen_in_children_on_the_current_version_and_a_failing_gate_is_not_deployed(  # noqa: E501
        remote: Path, tmp_path: Path, store_url: str, sessions: sessionmaker[Session],
        simulators: tuple[Path, SlackSimulator, str]) -> None:
    secrets, slack, channel = simulators
    first = git("rev-parse", "HEAD", cwd=remote)
    huey = MemoryHuey(immediate=True)
    versions = Versions(tmp_path / "data", str(remote), "main", sessions, gate=gate_stages(4))
    ran: list[Any] = []
    service = RunnerService(huey, versions, RunnerSettings(
        data_dir=tmp_path / "data", database_url=store_url, secrets_file=secrets, poll=None),
        on_run=ran.append)

    assert service.refresh() == first
    due = [task for task in huey.read_periodic(datetime(2026, 12, 5, 21, 5))
           if task.name == f"flow:{FLOW}"]
    assert len(due) == 1
    huey.execute(due[0])

    [result] = ran
    assert (result.error, result.version, result.counts) == (None, first, {"delivered": CONTACTS})
    assert len(slack.posted(channel)) == CONTACTS
    with sessions() as session:
        assert session.scalars(select(Run.version)).all() == [first]

    flow_py = remote / "flows" / "hubspot_contacts_to_slack" / "flow.py"
    flow_py.write_text(flow_py.read_text() + "\nimport os\n")  # the gate refuses `os`
    refused = commit(remote, "a change the gate refuses")
    with versions.hold() as held:
        assert service.refresh() == first  # still the first version
    with sessions() as session:
        states = {row.commit: row.state for row in session.scalars(select(Deployment))}
        findings = session.get(Deployment, refused)
    assert states == {first: VersionState.DEPLOYED.value, refused: VersionState.REFUSED.value}
    assert findings is not None
    assert "os" in findings.findings
    assert held.commit == first

    flow_py.write_text(flow_py.read_text().replace("\nimport os\n", "\n"))
    fixed = commit(remote, "the fix")
    with versions.hold() as running:
        assert service.refresh() == fixed
        assert running.path.is_dir()  # a run in progress keeps its version's checkout
    assert not running.path.exists()  # and it goes once that run is over
    service.run_now(FLOW)
    assert ran[-1].version == fixed
    assert (ran[-1].error, ran[-1].counts.get("delivered", 0)) == (None, 0)
    assert len(slack.posted(channel)) == CONTACTS  # nothing was sent twice

    listed = CliRunner().invoke(app, ["runs", "list", "--json", "--database", store_url])
    shown = CliRunner().invoke(app, ["runs", "show", result.run_id or "", "--json",
                                     "--database", store_url])
    assert listed.exit_code == shown.exit_code == 0, listed.output + shown.output
    assert [(run["flow"], run["version"], run["status"]) for run in json.loads(listed.output)] \
        == [(FLOW, fixed, "finished"), (FLOW, first, "finished")]
    assert json.loads(shown.output)["counts"] == {"delivered": CONTACTS}
    metrics = generate_latest(service.metrics.registry).decode()
    assert f'flowbot_flow_packets_total{{flow="{FLOW}",outcome="delivered"}} {CONTACTS}.0' \
        in metrics
    assert f'flowbot_flow_runs_total{{flow="{FLOW}",status="finished"}} 2.0' in metrics
    assert f'flowbot_flow_last_success_timestamp_seconds{{flow="{FLOW}"}}' in metrics
    assert f'flowbot_flow_cursor_lag_seconds{{flow="{FLOW}"}}' in metrics


def test_a_manual_run_of_no_deployed_flow_is_refused_with_what_to_do(
        remote: Path, tmp_path: Path, store_url: str, sessions: sessionmaker[Session]) -> None:
    huey = MemoryHuey(immediate=True)
    versions = Versions(tmp_path / "data", str(remote), "main", sessions, gate=gate_stages(4))
    service = RunnerService(huey, versions, RunnerSettings(
        data_dir=tmp_path / "data", database_url=store_url, secrets_file=None, poll=None))

    with pytest.raises(RunRefused, match="nothing is deployed yet"):
        service.ask_run(FLOW)
    deployed = service.refresh()
    with pytest.raises(RunRefused, match=f"{(deployed or '')[:12]} has no flow named 'nope'"):
        service.ask_run("nope")
