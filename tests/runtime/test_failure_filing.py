"""`flowbot failures report` files one `flow-failure` issue through githubkit.

Until the GitHub simulator exists (issue 4), GitHub is played here by a loopback server that
answers the one endpoint this command uses — `POST /repos/{owner}/{repo}/issues` — with the
fields GitHub's issue object requires, and records what it was sent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Request
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from bot.cli import app
from connectors.core.serving import serve_on_loopback
from flowkit.runtime.report import parse_failure_report
from flowkit.runtime.store import FailedMessage

TOKEN = "ghs_failureFilingTestToken0123456789abcd"


def _github(received: list[dict[str, Any]]) -> FastAPI:
    api = FastAPI()

    @api.post("/repos/{owner}/{repo}/issues", status_code=201)
    async def create(owner: str, repo: str, request: Request) -> dict[str, Any]:
        body = await request.json()
        received.append({"auth": request.headers.get("authorization"), **body})
        number = len(received)
        base = f"https://github.example/{owner}/{repo}"
        api_base = f"http://api.github.example/repos/{owner}/{repo}"
        return {"id": 1000 + number, "node_id": f"I_{number}", "number": number,
                "url": f"{api_base}/issues/{number}", "repository_url": api_base,
                "labels_url": f"{api_base}/issues/{number}/labels{{/name}}",
                "comments_url": f"{api_base}/issues/{number}/comments",
                "events_url": f"{api_base}/issues/{number}/events",
                "html_url": f"{base}/issues/{number}", "state": "open", "title": body["title"],
                "body": body["body"], "user": None, "labels": body.get("labels", []),
                "milestone": None, "locked": False, "comments": 0, "closed_at": None,
                "created_at": "2026-11-23T04:00:00Z", "updated_at": "2026-11-23T04:00:00Z"}

    return api


def test_a_failure_is_filed_once_with_a_block_the_app_can_read(
        store_url: str, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    with sessions.begin() as session:
        failure = FailedMessage(flow="stripe-customers-to-hubspot-contacts", version="abc123",
                                run_id="r1", packet_key="cus_cher", identity="cus_cher@1",
                                unit="to_contact", error_type="ValueError",
                                message="not enough values to unpack",
                                traceback="Traceback …", unit_input={"value": {}},
                                packet={"id": "cus_cher", "email": "[redacted]"})
        session.add(failure)
        session.flush()
        failure_id = failure.id
    received: list[dict[str, Any]] = []
    with serve_on_loopback(_github(received)) as api_url:
        monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
        monkeypatch.setenv("GITHUB_API_URL", api_url)
        arguments = ["failures", "report", str(failure_id), "--repo", "acme/flows",
                     "--database", store_url]
        first = CliRunner().invoke(app, arguments)
        second = CliRunner().invoke(app, arguments)

    assert first.exit_code == 0, first.output
    assert "reported: https://github.example/acme/flows/issues/1" in first.output
    assert "already reported" in second.output
    [issue] = received
    assert issue["auth"] == f"token {TOKEN}" or issue["auth"] == f"Bearer {TOKEN}"
    assert issue["labels"] == ["flow-failure"]
    assert issue["title"] == ("[flow-failure] stripe-customers-to-hubspot-contacts: ValueError "
                              "in to_contact")
    report = parse_failure_report(issue["body"])
    assert (report.flow, report.step, report.packet_key) == (
        "stripe-customers-to-hubspot-contacts", "to_contact", "cus_cher")
    assert TOKEN not in first.output + second.output + issue["body"]
    with sessions() as session:
        stored = session.get(FailedMessage, failure_id)
        assert stored is not None
        assert stored.issue_url == "https://github.example/acme/flows/issues/1"
