"""New HubSpot companies are announced in the #sales Slack channel."""

from collections.abc import Iterator
from functools import cache

from connectors.hubspot import Company, HubSpot
from connectors.slack import Message, Slack
from flowkit import BadRecord, Context, Flow

flow = Flow("hubspot-companies-to-slack")

CHANNEL = "sales"


@flow.source(key="id", cursor="createdate")
def new_companies(ctx: Context, crm: HubSpot) -> Iterator[Company]:
    """Companies created after the newest one the last run saw."""
    for company in crm.companies.list():
        created = company.createdate
        if ctx.since is None or (created is not None and created > ctx.since):
            yield company


@flow.step
def announcement(company: Company) -> str:
    """One line for the channel: the company's name, domain and industry."""
    if not company.name and not company.domain:
        raise BadRecord(f"company {company.id} has neither a name nor a domain")
    text = f"New company: {company.name or company.domain}"
    if company.name and company.domain:
        text += f" ({company.domain})"
    if company.industry:
        text += f", {company.industry}"
    return text


@flow.sink
def post(text: str, slack: Slack) -> Message:
    """Post the announcement to the channel."""
    return slack.chat.post_message(channel=sales_channel(slack), text=text)


@cache
def sales_channel(slack: Slack) -> str:
    """The id of the channel called CHANNEL, looked up once (posting needs the id)."""
    for channel in slack.conversations.list():
        if channel.name == CHANNEL and channel.is_member:
            return channel.id
    raise LookupError(f"the bot is in no channel called #{CHANNEL}")
