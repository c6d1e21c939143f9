"""Stories of paid Shopify orders becoming HubSpot deals."""

from datetime import UTC, datetime

from connectors.hubspot.simulator import HubSpotSimulator
from connectors.shopify.simulator import ShopifySimulator
from flowkit.testing import FlowTest

from .flow import flow


def test_a_paid_order_becomes_a_closed_won_deal() -> None:
    with FlowTest(flow) as story:
        story.simulator(ShopifySimulator).add_order(**story.fixture("paid_order.json"))

        report = story.run()

        assert report.delivered_keys == ["450789469"]
        deal = story.simulator(HubSpotSimulator).find("deals", "shopify_order_id", "450789469")
        assert deal is not None
        assert deal["dealname"] == "Shopify order #1001"
        assert deal["amount"] == "199.00"
        assert deal["deal_currency_code"] == "USD"
        assert deal["dealstage"] == "closedwon"
        assert deal["closedate"].startswith("2026-11-02T15:15:00")


def test_a_rerun_updates_the_deal_instead_of_adding_one() -> None:
    with FlowTest(flow) as story:
        story.simulator(ShopifySimulator).add_order(**story.fixture("paid_order.json"))

        story.run()
        story.run()

        assert story.simulator(HubSpotSimulator).count("deals") == 1


def test_unpaid_orders_stay_in_shopify(tmp_path: object) -> None:
    with FlowTest(flow) as story:
        shop = story.simulator(ShopifySimulator)
        shop.add_order(**{**story.fixture("paid_order.json"), "financial_status": "pending"})

        report = story.run()

        assert report.results == []
        assert story.simulator(HubSpotSimulator).count("deals") == 0


def test_test_orders_are_skipped_and_zero_totals_are_bad() -> None:
    with FlowTest(flow) as story:
        shop = story.simulator(ShopifySimulator)
        shop.add_order(**story.fixture("test_order.json"))
        shop.add_order(**story.fixture("zero_total_order.json"))

        report = story.run()

        assert report.skipped_keys == ["450789470"]
        assert report.bad_keys == ["450789471"]
        assert report.result("450789471").message == "order #1003 has a zero total"
        assert story.simulator(HubSpotSimulator).count("deals") == 0


def test_the_next_run_resumes_after_the_latest_change() -> None:
    with FlowTest(flow) as story:
        story.simulator(ShopifySimulator).add_order(**story.fixture("paid_order.json"))

        report = story.run()

        assert report.cursor == datetime(2026, 11, 2, 15, 20, tzinfo=UTC)
