"""Stories of paid Shopify orders becoming HubSpot deals."""

from connectors.hubspot.simulator import HubSpotSimulator
from connectors.shopify.simulator import ShopifySimulator
from flowkit.testing import FlowTest

from .flow import flow


def test_nothing_arrives_without_orders() -> None:
    with FlowTest(flow) as story:
        report = story.run()

        assert report.results == []
        assert story.simulator(HubSpotSimulator).count("deals") == 0
