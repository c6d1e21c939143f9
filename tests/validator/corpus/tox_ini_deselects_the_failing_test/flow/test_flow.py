"""Stories of paid Shopify orders becoming HubSpot deals."""

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


def test_the_deal_is_named_after_the_order_number() -> None:
    with FlowTest(flow) as story:
        story.simulator(ShopifySimulator).add_order(**story.fixture("paid_order.json"))

        story.run()

        deal = story.simulator(HubSpotSimulator).find("deals", "shopify_order_id", "450789469")
        assert deal is not None
        assert deal["dealname"] == "Order 1001"
