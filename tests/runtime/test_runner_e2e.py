"""`flowbot runner` end to end, through the GitHub simulator: the App's installation finds the
repository, git fetches its default branch with an installation token, the gate passes the
version, a scheduled tick runs the flow in a child process, and two planted bad records become
exactly one `flow-failure` issue with the occurrences counted."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.cli.runner import build_runner
from bot.doubles.github import GitHubSimulator
from bot.settings import load_settings
from connectors.core.serving import serve_on_loopback
from connectors.hubspot.simulator import HubSpotSimulator
from connectors.slack.simulator import SlackSimulator
from flowkit.runtime.filing import FAILURE_LABEL
from flowkit.runtime.report import parse_failure_report
from flowkit.runtime.store import FailedMessage, Run
from tests.runtime.conftest import REPOSITORY
from tests.runtime.support import write_secrets

FLOW = "hubspot-contacts-to-slack"
CONTACTS = 3
TOO_LONG = "A" * 41_000
"""A first name Slack refuses to post (`msg_too_long`): the planted bad record."""


@pytest.fixture
def github(tmp_path: Path) -> Iterator[tuple[GitHubSimulator, str]]:
    """acme/flows on the simulator, its main branch holding the contacts-to-Slack flow."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode()
    content = tmp_path / "content"
    shutil.copytree(REPOSITORY / "flows" / "hubspot_contacts_to_slack",
                    content / "flows" / "hubspot_contacts_to_slack",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (content / "flows" / "__init__.py").write_text("")
    simulator = GitHubSimulator(tmp_path / "github", private_key_pem=key, webhook_secret="s")
    with simulator.serve():
        simulator.create_repository("acme", "flows", content=content,
                                    permissions={"maintainer": "write"})
        yield simulator, key


def test_a_scheduled_run_files_one_issue_for_two_bad_records(
        tmp_path: Path, store_url: str, sessions: sessionmaker[Session],
        github: tuple[GitHubSimulator, str]) -> None:
    simulator, key = github
    crm = HubSpotSimulator(contacts=CONTACTS)
    for n in (1, 2):
        crm.add("contacts", {"firstname": TOO_LONG, "email": f"long{n}@example.com"})
    slack = SlackSimulator(channels=1)
    channel = slack.add_channel("sales")
    with serve_on_loopback(crm.app) as crm_url, serve_on_loopback(slack.app) as slack_url:
        secrets = tmp_path / "secrets.yaml"
        write_secrets(secrets, hubspot=crm.settings(crm_url),
                      slack=slack.settings(slack_url))
        settings = load_settings({
            "GITHUB_APP_ID": str(simulator.world.app_id), "GITHUB_PRIVATE_KEY": key,
            "GITHUB_WEBHOOK_SECRET": "s", "GITHUB_API_URL": simulator.base_url,
            "FLOWBOT_DATA_DIR": str(tmp_path / "data"),
            "FLOWBOT_RUNNER_REPOSITORY": "acme/flows", "FLOWBOT_RUNNER_GATE_STAGE": "4",
            "FLOWBOT_RUNNER_POLL": "off", "FLOWBOT_RUNTIME_DATABASE_URL": store_url,
            "FLOWBOT_SECRETS_FILE": str(secrets)})
        runner = build_runner(settings)
        repository = simulator.world.repositories["acme/flows"]

        commit = runner.refresh()
        [tick] = [task for task in runner.huey.read_periodic(datetime(2026, 12, 5, 21, 5))
                  if task.name == f"flow:{FLOW}"]
        runner.huey.execute(tick)

        assert commit is not None
        assert len(slack.posted(channel)) == CONTACTS
        [issue] = repository.issues.values()
        assert issue.labels == [FAILURE_LABEL]
        report = parse_failure_report(issue.body)
        assert (report.flow, report.version, report.step) == (FLOW, commit, "post")
        assert "@example.com" not in issue.body  # the spec's sensitive fields are redacted
        [count] = repository.comments.values()
        assert "**2** times" in count.body
        with sessions() as session:
            urls = set(session.scalars(select(FailedMessage.issue_url)))
            versions = set(session.scalars(select(Run.version)))
        assert len(urls) == 1
        assert None not in urls
        assert versions == {commit}
