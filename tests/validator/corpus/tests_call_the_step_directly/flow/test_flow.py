"""Stories of paid Shopify orders becoming HubSpot deals."""

from connectors.shopify import Shopify
from connectors.shopify.simulator import ShopifySimulator
from flowkit.testing import FlowTest

from .flow import flow, to_deal


def test_a_paid_order_becomes_a_deal_input() -> None:
    with FlowTest(flow) as story:
        story.simulator(ShopifySimulator).add_order(**story.fixture("paid_order.json"))
        shop = story.connector(Shopify)
        assert isinstance(shop, Shopify)
        [order] = shop.orders.list(financial_status="paid")

        deal = to_deal(order)

        assert deal.dealname == "Shopify order #1001"
