"""`--json` on the commands scripts read: one JSON value on stdout, the same exit codes."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app
from bot.doubles.github import GitHubSimulator
from connectors.registry import CONNECTORS
from flowkit.runtime.store import FailedMessage, open_store

PROJECT = Path(__file__).resolve().parents[3]
FLOW = "shopify-orders-to-hubspot-deals"
ORDER = PROJECT / "flows/shopify_orders_to_hubspot_deals/fixtures/paid_order.json"


def _failure(url: str) -> int:
    with open_store(url).begin() as session:
        failure = FailedMessage(flow=FLOW, version="abc123", run_id="r1", packet_key="1001",
                                identity="1001@1", unit="to_deal", error_type="KeyError",
                                message="'total_price'", traceback="Traceback …",
                                unit_input={"value": {**json.loads(ORDER.read_text()),
                                                      "subtotal_price": "199.00",
                                                      "line_items": []}},
                                packet={"id": "1001", "email": "[redacted]"})
        session.add(failure)
        session.flush()
        return failure.id


def test_connectors_list() -> None:
    result = CliRunner().invoke(app, ["connectors", "list", "--json"])

    assert result.exit_code == 0
    listed = json.loads(result.output)
    assert [entry["name"] for entry in listed] == list(CONNECTORS)
    assert all(entry["operations"] for entry in listed)


def test_spec_check(tmp_path: Path) -> None:
    good = CliRunner().invoke(app, ["spec", "check", "--json",
                                    str(PROJECT / "flows/shopify_orders_to_hubspot_deals")])
    (tmp_path / "spec.yaml").write_text("title: only a title\n")
    bad = CliRunner().invoke(app, ["spec", "check", "--json", str(tmp_path / "spec.yaml")])

    assert good.exit_code == 0
    assert json.loads(good.stdout)["valid"] is True
    assert bad.exit_code == 1
    answer = json.loads(bad.stdout)
    assert answer["valid"] is False
    assert {"location", "message"} <= set(answer["problems"][0])


def test_run(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'runtime.sqlite3'}"

    result = CliRunner().invoke(app, ["run", FLOW, "--simulate", "--root", str(PROJECT),
                                      "--database", database, "--json"])

    summary = json.loads(result.stdout)
    assert result.exit_code == (1 if summary["failure_ids"] else 0)
    assert summary["flow"] == FLOW
    assert sum(summary["counts"].values()) > 0
    assert summary["cursor"] == datetime.fromisoformat(summary["cursor"]).isoformat()  # ISO 8601
    assert datetime.fromisoformat(summary["cursor"]).utcoffset() is not None


def test_failures_show_replay_and_report(tmp_path: Path, github: GitHubSimulator) -> None:
    database = f"sqlite:///{tmp_path / 'runtime.sqlite3'}"
    failure_id = _failure(database)
    token, _ = github.world.mint_token()
    runner = CliRunner(env={"GITHUB_TOKEN": token, "GITHUB_API_URL": github.base_url})

    shown = runner.invoke(app, ["failures", "show", str(failure_id), "--database", database,
                                "--json"])
    replayed = runner.invoke(app, ["failures", "replay", str(failure_id), "--database",
                                   database, "--root", str(PROJECT), "--simulate", "--json"])
    reported = runner.invoke(app, ["failures", "report", str(failure_id), "--database",
                                   database, "--repo", "acme/integrations", "--json"])
    again = runner.invoke(app, ["failures", "report", str(failure_id), "--database",
                                database, "--repo", "acme/integrations", "--json"])

    assert shown.exit_code == 0
    assert json.loads(shown.stdout)["step"] == "to_deal"
    assert replayed.exception is None, replayed.exception
    assert replayed.exit_code in (0, 1), replayed.output
    assert json.loads(replayed.stdout)["id"] == failure_id
    filed = json.loads(reported.stdout)
    assert filed["already_reported"] is False
    assert filed["issue_url"].endswith("/acme/integrations/issues/1")
    assert json.loads(again.stdout) == {**filed, "already_reported": True}
