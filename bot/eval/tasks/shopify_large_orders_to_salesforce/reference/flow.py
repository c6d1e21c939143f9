"""Large paid Shopify orders become Closed Won Salesforce opportunities, by External_Id__c."""

from collections.abc import Iterator
from decimal import Decimal

from connectors.salesforce import OpportunityInput, Salesforce, UpsertResult
from connectors.shopify import Order, Shopify
from flowkit import Context, Flow, Skip

flow = Flow("shopify-large-orders-to-salesforce")

LARGE = Decimal(1000)
"""The smallest total, in the shop's currency, of an order that moves."""


@flow.source(key="id", cursor="updated_at")
def paid_orders(ctx: Context, shop: Shopify) -> Iterator[Order]:
    """Orders paid and changed since the last run."""
    yield from shop.orders.list(financial_status="paid", updated_at_min=ctx.since)


@flow.step
def to_opportunity(order: Order) -> OpportunityInput:
    """The opportunity that stands for one large paid order."""
    if order.test:
        raise Skip("test order")
    if order.total_price.amount < LARGE:
        raise Skip(f"the total {order.total_price.amount} {order.currency} is under {LARGE}")
    return OpportunityInput(
        Name=f"Shopify order {order.name}",
        StageName="Closed Won",
        CloseDate=order.processed_at.date(),
        Amount=order.total_price.amount,
        CurrencyIsoCode=order.total_price.currency,
        External_Id__c=order.id,
    )


@flow.sink
def upsert_opportunity(opportunity: OpportunityInput, sf: Salesforce) -> UpsertResult:
    """Create the opportunity, or update the one already made for this order."""
    return sf.opportunities.upsert(opportunity, external_id_field="External_Id__c")
