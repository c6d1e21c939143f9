"""Stories of paid Shopify orders becoming HubSpot deals."""

from connectors.hubspot.simulator import HubSpotSimulator
from connectors.shopify.simulator import ShopifySimulator
from flowkit.testing import FlowTest

from .flow import flow


def test_test_orders_are_skipped() -> None:
    with FlowTest(flow) as story:
        story.simulator(ShopifySimulator).add_order(**story.fixture("test_order.json"))

        report = story.run()

        assert report.skipped_keys == ["450789470"]
        assert story.simulator(HubSpotSimulator).count("deals") == 0
