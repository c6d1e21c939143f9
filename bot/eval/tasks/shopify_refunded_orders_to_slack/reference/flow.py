"""Refunded Shopify orders are announced in the #support Slack channel."""

from collections.abc import Iterator
from functools import cache

from connectors.shopify import Order, Shopify
from connectors.slack import Message, Slack
from flowkit import Context, Flow, Skip

flow = Flow("shopify-refunded-orders-to-slack")

CHANNEL = "support"


@flow.source(key="id", cursor="updated_at")
def refunded_orders(ctx: Context, shop: Shopify) -> Iterator[Order]:
    """Refunded orders changed after the newest change the last run saw (the bound is
    inclusive, so the order at the cursor itself is left out)."""
    for order in shop.orders.list(financial_status="refunded", updated_at_min=ctx.since):
        if ctx.since is None or order.updated_at > ctx.since:
            yield order


@flow.step
def announcement(order: Order) -> str:
    """One line for the channel: which order, and how much went back."""
    if order.test:
        raise Skip("test order")
    total = order.total_price
    return f"Order {order.name} was refunded: {total.amount} {total.currency}"


@flow.sink
def post(text: str, slack: Slack) -> Message:
    """Post the announcement to the channel."""
    return slack.chat.post_message(channel=support_channel(slack), text=text)


@cache
def support_channel(slack: Slack) -> str:
    """The id of the channel called CHANNEL, looked up once (posting needs the id)."""
    for channel in slack.conversations.list():
        if channel.name == CHANNEL and channel.is_member:
            return channel.id
    raise LookupError(f"the bot is in no channel called #{CHANNEL}")
