"""Stories of paid Shopify orders, as a test class."""

from collections.abc import Iterator

import pytest

from connectors.hubspot.simulator import HubSpotSimulator
from connectors.shopify.simulator import ShopifySimulator
from flowkit.testing import FlowTest

from .flow import flow


@pytest.fixture
def story() -> Iterator[FlowTest]:
    with FlowTest(flow) as running:
        yield running


@pytest.mark.parametrize("status", ["paid"])
class TestPaidOrders:
    def test_a_paid_order_becomes_a_deal(self, story: FlowTest, status: str) -> None:
        order = {**story.fixture("paid_order.json"), "financial_status": status}
        story.simulator(ShopifySimulator).add_order(**order)

        report = story.run()

        assert report.delivered_keys == ["450789469"]

    @pytest.mark.parametrize("runs", [1, 2])
    def test_runs_leave_one_deal(self, story: FlowTest, runs: int, status: str) -> None:
        story.simulator(ShopifySimulator).add_order(**story.fixture("paid_order.json"))
        for _ in range(runs):
            story.run()

        assert story.simulator(HubSpotSimulator).count("deals") == 1

    def test_a_missing_fixture_is_an_error(self, story: FlowTest, status: str) -> None:
        with pytest.raises(FileNotFoundError):
            story.fixture("nothing.json")
