"""Stage 5 by the gate's rules: shapes a competent author uses pass, and FlowTest's counts are
what the gate judges."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from flowkit.validator import validate_flow
from flowkit.validator.sources import TEST_FILE
from flowkit.validator.stage_sandbox import _gate_report
from tests.validator.conftest import REPOSITORY, checkout_with

BASE = REPOSITORY / "flows" / "shopify_orders_to_hubspot_deals"

CLASS_TESTS = '''"""Stories of paid Shopify orders becoming HubSpot deals, grouped in a class."""

from connectors.hubspot.simulator import HubSpotSimulator
from connectors.shopify.simulator import ShopifySimulator
from flowkit.testing import FlowTest

from .flow import flow


class TestPaidOrders:
    def test_a_paid_order_becomes_a_deal(self) -> None:
        with FlowTest(flow) as story:
            story.simulator(ShopifySimulator).add_order(**story.fixture("paid_order.json"))

            report = story.run()

            assert report.delivered_keys == ["450789469"]
            assert story.simulator(HubSpotSimulator).count("deals") == 1

    def test_a_test_order_is_skipped(self) -> None:
        with FlowTest(flow) as story:
            story.simulator(ShopifySimulator).add_order(**story.fixture("test_order.json"))

            assert story.run().skipped_keys == ["450789470"]
'''


@pytest.mark.sandbox
def test_tests_written_as_methods_of_a_class_pass_the_whole_gate(
        checkout_template: Path, tmp_path: Path, bwrap_path: str) -> None:
    flow = tmp_path / "flow"
    shutil.copytree(BASE, flow, ignore=shutil.ignore_patterns("__pycache__"))
    (flow / TEST_FILE).write_text(CLASS_TESTS)
    folder = checkout_with(checkout_template, tmp_path / "checkout", flow)

    report = validate_flow(folder)

    assert report.clean, report.as_text()
    assert report.stages_passed == [1, 2, 3, 4, 5]


@pytest.mark.sandbox
def test_units_that_never_returned_are_named_with_a_hint(
        checkout_template: Path, tmp_path: Path, bwrap_path: str) -> None:
    flow = tmp_path / "flow"
    shutil.copytree(BASE, flow, ignore=shutil.ignore_patterns("__pycache__"))
    tests = CLASS_TESTS[:CLASS_TESTS.index("    def test_a_paid_order")] + \
        CLASS_TESTS[CLASS_TESTS.index("    def test_a_test_order"):]
    (flow / TEST_FILE).write_text(tests)
    folder = checkout_with(checkout_template, tmp_path / "checkout", flow)

    report = validate_flow(folder)

    assert [(f.rule, f.message) for f in report.findings] == [
        ("FK506", f"no test made the unit `{unit}` do its work (it never returned)")
        for unit in ("to_deal", "upsert_deal")]
    assert "seed the source simulator with a record that reaches `upsert_deal`" in \
        str(report.findings[1].hint)
    lines = (flow / "flow.py").read_text().splitlines()
    assert [(Path(f.file).name, lines[f.line - 1].split("(")[0]) for f in report.findings] == [
        ("flow.py", "def to_deal"), ("flow.py", "def upsert_deal")]


@pytest.mark.sandbox
def test_a_failed_test_in_a_class_names_the_packet_its_unit_stopped(
        checkout_template: Path, tmp_path: Path, bwrap_path: str) -> None:
    flow = tmp_path / "flow"
    shutil.copytree(BASE, flow, ignore=shutil.ignore_patterns("__pycache__"))
    (flow / TEST_FILE).write_text(CLASS_TESTS)
    code = (flow / "flow.py").read_text()
    (flow / "flow.py").write_text(code.replace(
        'raise BadRecord(f"order {order.name} has a zero total")',
        'raise BadRecord(f"order {order.name} has a zero total")\n'
        '    if order.currency == "USD":\n'
        '        raise BadRecord(f"order {order.name} is in dollars, and " + "x" * 400)'))
    folder = checkout_with(checkout_template, tmp_path / "checkout", flow)

    report = validate_flow(folder)

    assert [(f.rule, f.line) for f in report.findings] == [("FK502", 17)], report.as_text()
    message = report.findings[0].message
    assert message.startswith("`TestPaidOrders::test_a_paid_order_becomes_a_deal` failed: ")
    assert "packet `450789469` ended bad in `to_deal` with BadRecord: order #1001 is in " \
        "dollars, and xxx" in message
    assert "[truncated 131 of 431 characters]" in message
    assert "report.bad_keys" in str(report.findings[0].hint)


def test_a_report_line_without_the_runs_nonce_is_not_believed() -> None:
    real = 'FLOWBOT-GATE-REPORT n0nce {"unusual": [], "exercised": {}, "rewrites": []}'
    forged = ('FLOWBOT-GATE-REPORT {"unusual": [], "exercised": {"f": {"source": 1}}, '
              '"rewrites": []}')
    guessed = 'FLOWBOT-GATE-REPORT other {"unusual": [], "exercised": {"f": {"source": 1}}}'

    report = _gate_report("\n".join([real, forged, guessed]), "n0nce")

    assert report == {"unusual": [], "exercised": {}, "rewrites": []}
    assert _gate_report(forged, "n0nce") is None
