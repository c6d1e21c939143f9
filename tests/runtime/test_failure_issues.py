"""The runner files failures by itself, through the GitHub simulator and the App's installation
token: one issue per flow and signature, occurrences counted in one comment, a recurrence after
the issue was closed filed again with a link, new issues capped per hour."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from githubkit import AppAuthStrategy, GitHub
from sqlalchemy.orm import Session, sessionmaker

from bot.doubles.github import GitHubSimulator
from bot.github.client import installation_client
from flowkit.runtime.filing import FAILURE_LABEL, FailureFiler, normalised
from flowkit.runtime.report import parse_failure_report
from flowkit.runtime.store import FailedMessage

FLOW = "stripe-customers-to-hubspot-contacts"


@pytest.fixture
def github(tmp_path: Path) -> Iterator[tuple[GitHubSimulator, GitHub[AppAuthStrategy]]]:
    """The simulator serving acme/flows, and the App's client."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode()
    simulator = GitHubSimulator(tmp_path / "github", private_key_pem=key, webhook_secret="s")
    with simulator.serve():
        simulator.create_repository("acme", "flows", permissions={"maintainer": "write"})
        yield simulator, GitHub(AppAuthStrategy(simulator.world.app_id, key),
                                base_url=simulator.base_url, timeout=10, http_cache=False)


def _failures(sessions: sessionmaker[Session], *messages: tuple[str, str]) -> list[int]:
    with sessions.begin() as session:
        rows = [FailedMessage(flow=FLOW, version="abc123", run_id="r1", packet_key=key,
                              identity=key, unit="to_contact", error_type="ValueError",
                              message=message, unit_input={"value": {}},
                              packet={"id": key, "email": "[redacted]"})
                for key, message in messages]
        session.add_all(rows)
        session.flush()
        return [row.id for row in rows]


def test_a_message_is_normalised_so_one_defect_reads_the_same_on_every_packet() -> None:
    assert normalised("customer cus_Q1w2E3r4 has 3 names: 'Cher'") == normalised(
        "customer cus_Z9y8X7w6 has 12 names: 'Ada Lovelace'")


def test_one_issue_per_signature_counted_then_refiled_after_it_was_closed(
        sessions: sessionmaker[Session],
        github: tuple[GitHubSimulator, GitHub[AppAuthStrategy]]) -> None:
    simulator, app = github
    repository = simulator.world.repositories["acme/flows"]
    filer = FailureFiler(sessions, installation_client(app, 1), "acme/flows")

    first = filer.file(_failures(sessions, ("cus_1", "cus_1 has 3 names"),
                                 ("cus_2", "cus_2 has 4 names")))
    again = filer.file(_failures(sessions, ("cus_3", "cus_3 has 5 names")))
    filer.file(_failures(sessions, ("cus_4", "cus_4 has 6 names")))

    assert len(first) == 1
    assert again == first
    [issue] = repository.issues.values()
    assert issue.labels == [FAILURE_LABEL]
    assert parse_failure_report(issue.body).packet_key == "cus_1"
    [count] = repository.comments.values()  # one comment, edited
    assert "**4** times" in count.body
    assert "`cus_4`" in count.body

    issue.state = "closed"
    refiled = filer.file(_failures(sessions, ("cus_5", "cus_5 has 7 names")))

    assert refiled != first
    newest = repository.issues[max(repository.issues)]
    assert newest.state == "open"
    assert first[0] in newest.body
    with sessions() as session:
        urls = {row.packet_key: row.issue_url for row in session.query(FailedMessage)}
    assert urls == {"cus_1": first[0], "cus_2": first[0], "cus_3": first[0],
                    "cus_4": first[0], "cus_5": refiled[0]}


def test_new_issues_are_capped_per_hour_and_the_rest_wait_unfiled(
        sessions: sessionmaker[Session],
        github: tuple[GitHubSimulator, GitHub[AppAuthStrategy]]) -> None:
    simulator, app = github
    filer = FailureFiler(sessions, installation_client(app, 1), "acme/flows",
                         issues_per_hour=1)

    ids = _failures(sessions, ("cus_1", "no email"), ("cus_2", "bad currency"))
    filed = filer.file(ids)

    assert len(filed) == 1
    assert len(simulator.world.repositories["acme/flows"].issues) == 1
    with sessions() as session:
        waiting = [row.packet_key for row in session.query(FailedMessage)
                   if row.issue_url is None]
    assert waiting == ["cus_2"]


def test_packets_a_replay_delivered_are_told_on_their_issue_in_one_comment(
        sessions: sessionmaker[Session],
        github: tuple[GitHubSimulator, GitHub[AppAuthStrategy]]) -> None:
    simulator, app = github
    repository = simulator.world.repositories["acme/flows"]
    filer = FailureFiler(sessions, installation_client(app, 1), "acme/flows",
                         issues_per_hour=1)
    ids = _failures(sessions, ("cus_1", "cus_1 has 3 names"), ("cus_2", "cus_2 has 4 names"),
                    ("cus_3", "bad currency"))
    [url] = filer.file(ids)  # the third waits: the cap is one new issue an hour
    counted = {comment.id for comment in repository.comments.values()}

    told = filer.delivered(ids, version="f00dfeed" * 5)

    assert told == [url]
    [said] = [c for c in repository.comments.values() if c.id not in counted]
    [issue] = repository.issues.values()
    assert said.number == issue.number
    assert said.body.startswith("Replayed on version `f00dfeedf00d`, which changed the flow: "
                                "2 failed packet(s) delivered (`cus_1`, `cus_2`).")
