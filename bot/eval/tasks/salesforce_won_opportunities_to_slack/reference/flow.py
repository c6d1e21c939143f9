"""Opportunities that reach Closed Won in Salesforce are announced in the #wins Slack channel."""

from collections.abc import Iterator
from functools import cache

from connectors.salesforce import Opportunity, Salesforce
from connectors.slack import Message, Slack
from flowkit import BadRecord, Context, Flow, Skip

flow = Flow("salesforce-won-opportunities-to-slack")

CHANNEL = "wins"
WON = "Closed Won"


@flow.source(key="Id", cursor="LastModifiedDate")
def changed_opportunities(ctx: Context, sf: Salesforce) -> Iterator[Opportunity]:
    """Opportunities changed after the last run's newest change.

    modified_since is inclusive (and floored to the second), so what the last run saw comes back
    and is dropped here.
    """
    for opportunity in sf.opportunities.list(modified_since=ctx.since):
        if ctx.since is None or opportunity.LastModifiedDate > ctx.since:
            yield opportunity


@flow.step
def announcement(opportunity: Opportunity) -> str:
    """One line for the channel: the opportunity's name and amount."""
    if opportunity.StageName != WON:
        raise Skip(f"the stage is {opportunity.StageName}")
    if opportunity.Amount is None:
        raise BadRecord(f"opportunity {opportunity.Name} is Closed Won without an amount")
    currency = f" {opportunity.CurrencyIsoCode}" if opportunity.CurrencyIsoCode else ""
    return f"Won: {opportunity.Name}, {opportunity.Amount:.2f}{currency}"


@flow.sink
def post(text: str, slack: Slack) -> Message:
    """Post the announcement to the channel."""
    return slack.chat.post_message(channel=wins_channel(slack), text=text)


@cache
def wins_channel(slack: Slack) -> str:
    """The id of the channel called CHANNEL, looked up once (posting needs the id)."""
    for channel in slack.conversations.list():
        if channel.name == CHANNEL and channel.is_member:
            return channel.id
    raise LookupError(f"the bot is in no channel called #{CHANNEL}")
