"""Stories of paid Shopify orders becoming HubSpot deals."""

from connectors.hubspot.simulator import HubSpotSimulator
from connectors.shopify.simulator import ShopifySimulator
from flowkit.testing import FlowTest

from .flow import flow


def test_a_paid_order_becomes_one_deal() -> None:
    with FlowTest(flow) as story:
        story.simulator(ShopifySimulator).add_order(**story.fixture("paid_order.json"))

        report = story.run()

        assert report.delivered_keys == ["450789469"]
        assert story.simulator(HubSpotSimulator).count("deals") == 1
