"""Failed Stripe charges are announced in the #billing-alerts Slack channel."""

from collections.abc import Iterator
from functools import cache

from connectors.slack import Message, Slack
from connectors.stripe import Charge, Stripe
from flowkit import Context, Flow, Skip

flow = Flow("stripe-failed-charges-to-slack")

CHANNEL = "billing-alerts"


@flow.source(key="id", cursor="created")
def new_charges(ctx: Context, stripe: Stripe) -> Iterator[Charge]:
    """Charges created after the newest one the last run saw (Stripe's bound is inclusive)."""
    for charge in stripe.charges.list(created_gte=ctx.since):
        if ctx.since is None or charge.created > ctx.since:
            yield charge


@flow.step
def alert(charge: Charge) -> str:
    """One line for the channel: how much, from whom, and why it failed."""
    if charge.status != "failed":
        raise Skip(f"the charge is {charge.status}, not failed")
    amount = charge.amount.amount
    who = charge.receipt_email or charge.customer or "an unknown customer"
    reason = f" ({charge.failure_message})" if charge.failure_message else ""
    return f"Payment failed: {amount} {charge.amount.currency} from {who}{reason}"


@flow.sink
def post(text: str, slack: Slack) -> Message:
    """Post the alert to the channel."""
    return slack.chat.post_message(channel=billing_channel(slack), text=text)


@cache
def billing_channel(slack: Slack) -> str:
    """The id of the channel called CHANNEL, looked up once (posting needs the id)."""
    for channel in slack.conversations.list():
        if channel.name == CHANNEL and channel.is_member:
            return channel.id
    raise LookupError(f"the bot is in no channel called #{CHANNEL}")
