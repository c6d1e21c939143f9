"""New HubSpot contacts are announced in the #sales Slack channel."""

from collections.abc import Iterator
from functools import cache

from connectors.hubspot import Contact, HubSpot
from connectors.slack import Message, Slack
from flowkit import BadRecord, Context, Flow

flow = Flow("hubspot-contacts-to-slack")

CHANNEL = "sales"


@flow.source(key="id", cursor="createdate")
def new_contacts(ctx: Context, crm: HubSpot) -> Iterator[Contact]:
    """Contacts created after the newest one the last run saw."""
    for contact in crm.contacts.list():
        created = contact.createdate
        if ctx.since is None or (created is not None and created > ctx.since):
            yield contact


@flow.step
def announcement(contact: Contact) -> str:
    """One line for the channel: who, where from, how to reach them."""
    name = " ".join(part for part in (contact.firstname, contact.lastname) if part)
    if not name and not contact.email:
        raise BadRecord(f"contact {contact.id} has neither a name nor an email")
    company = f" ({contact.company})" if contact.company else ""
    email = f", {contact.email}" if contact.email and name else ""
    return f"New contact: {name or contact.email}{company}{email}"


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
