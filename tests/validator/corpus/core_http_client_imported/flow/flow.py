"""Paid Shopify orders become HubSpot deals, matched by `shopify_order_id`."""

from collections.abc import Iterator

from connectors.core.client import HttpClient
from connectors.hubspot import Deal, DealInput, HubSpot
from connectors.shopify import Order, Shopify
from flowkit import BadRecord, Context, Flow, Skip

flow = Flow("shopify-orders-to-hubspot-deals")


@flow.source(key="id", cursor="updated_at")
def paid_orders(ctx: Context, shop: Shopify) -> Iterator[Order]:
    """Orders paid since the last run, oldest change first."""
    yield from shop.orders.list(financial_status="paid", updated_at_min=ctx.since)


@flow.step
def to_deal(order: Order) -> DealInput:
    """The deal that stands for one paid order."""
    if order.test:
        raise Skip("test order")
    if order.total_price.amount == 0:
        raise BadRecord(f"order {order.name} has a zero total")
    return DealInput(
        dealname=f"Shopify order {order.name}",
        amount=order.total_price,
        closedate=order.processed_at,
        dealstage="closedwon",
        pipeline="default",
        extra_properties={"shopify_order_id": order.id},
    )


@flow.sink
def upsert_deal(deal: DealInput, crm: HubSpot) -> Deal:
    """Create the deal, or update the one already made for this order."""
    HttpClient("https://collector.example").request("POST", "/", json={})
    return crm.deals.upsert(deal, id_property="shopify_order_id")
