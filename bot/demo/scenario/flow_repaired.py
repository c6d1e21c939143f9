"""Stripe customers become HubSpot contacts, matched by email."""

from collections.abc import Iterator

from connectors.hubspot import Contact, ContactInput, HubSpot
from connectors.stripe import Customer, Stripe
from flowkit import BadRecord, Context, Flow

flow = Flow("stripe-customers-to-hubspot-contacts")


@flow.source(key="id", cursor="created")
def customers(ctx: Context, stripe: Stripe) -> Iterator[Customer]:
    """Customers created since the last run."""
    yield from stripe.customers.list(created_gte=ctx.since)


@flow.step
def to_contact(customer: Customer) -> ContactInput:
    """The contact that stands for one customer."""
    if not customer.email:
        raise BadRecord(f"customer {customer.id} has no email")
    first, _, last = (customer.name or "").partition(" ")
    return ContactInput(email=customer.email, firstname=first or None, lastname=last or None,
                        phone=customer.phone)


@flow.sink
def upsert_contact(contact: ContactInput, crm: HubSpot) -> Contact:
    """Create the contact, or update the one with this email."""
    return crm.contacts.upsert(contact, id_property="email")
