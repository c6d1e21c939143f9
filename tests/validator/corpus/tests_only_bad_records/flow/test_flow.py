"""Stories of paid Shopify orders becoming HubSpot deals."""

from connectors.hubspot.simulator import HubSpotSimulator
from connectors.shopify.simulator import ShopifySimulator
from flowkit.testing import FlowTest

from .flow import flow


def test_zero_totals_are_bad() -> None:
    with FlowTest(flow) as story:
        story.simulator(ShopifySimulator).add_order(**story.fixture("zero_total_order.json"))

        report = story.run()

        assert report.bad_keys == ["450789471"]
