"""`flowbot validate`: text and JSON reports, exit codes, and the installed catalog (never a
checkout's own)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app
from tests.validator.conftest import REPOSITORY, checkout_with, checkout_with_case

CORPUS = Path(__file__).resolve().parent / "corpus"
runner = CliRunner()


def test_the_example_flows_are_clean_and_exit_zero() -> None:
    result = runner.invoke(app, ["validate", "--static-only", "--root", str(REPOSITORY)])

    assert result.exit_code == 0, result.output
    assert "clean (stages 1, 2, 3, 4)" in result.output


def test_a_made_up_operation_exits_one_with_the_nearest_real_names(
        checkout_template: Path, tmp_path: Path) -> None:
    folder = checkout_with_case(checkout_template, tmp_path / "checkout",
                                CORPUS / "hallucinated_operation")

    result = runner.invoke(app, ["validate", str(folder), "--static-only", "--json",
                                 "--root", str(tmp_path / "checkout")])

    assert result.exit_code == 1
    report = json.loads(result.stdout)
    finding = report["flows"][0]["findings"][0]
    assert finding["rule"] == "FK302"
    assert finding["name"] == "unknown-operation"
    assert finding["stage"] == 3
    assert finding["file"] == "flows/shopify_orders_to_hubspot_deals/flow.py"
    assert finding["line"] == 15
    assert "`shop.orders.get`" in finding["hint"]
    assert "`shop.orders.list`" in finding["hint"]


def test_an_unknown_flow_name_exits_two_with_the_known_ones() -> None:
    result = runner.invoke(app, ["validate", "no-such-flow", "--root", str(REPOSITORY)])

    assert result.exit_code == 2
    assert "shopify_orders_to_hubspot_deals" in result.output


def test_a_checkout_is_validated_against_the_installed_connectors_never_its_own(
        checkout_template: Path, tmp_path: Path) -> None:
    """A checkout whose own HubSpot connector has no `upsert` on deals, and whose connector
    registry would leave a mark when imported: the gate neither imports nor believes it — the
    example flow is judged by the installed catalog, and is clean."""
    root = tmp_path / "checkout"
    checkout_with(checkout_template, root, REPOSITORY / "flows" / "shopify_orders_to_hubspot_deals")
    resources = root / "connectors" / "hubspot" / "resources.py"
    text = resources.read_text()
    start = text.index("class DealsResource")
    resources.write_text(text[:start] + text[start:].replace("def upsert(", "def put(", 1))
    marker = tmp_path / "imported"
    registry = root / "connectors" / "registry.py"
    registry.write_text(f"open({str(marker)!r}, 'w').close()\n" + registry.read_text())

    result = runner.invoke(app, ["validate", "--static-only", "--json", "--root", str(root)])

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["flows"][0]["stages_passed"] == [1, 2, 3, 4]
    assert not marker.exists()
