"""Enabled Shopify customers become HubSpot contacts, matched by email."""

from collections.abc import Iterator

from connectors.hubspot import Contact, ContactInput, HubSpot
from connectors.shopify import Customer, Shopify
from flowkit import BadRecord, Context, Flow, Skip

flow = Flow("shopify-customers-to-hubspot-contacts")


@flow.source(key="id", cursor="updated_at")
def changed_customers(ctx: Context, shop: Shopify) -> Iterator[Customer]:
    """Customers created or changed since the last run."""
    yield from shop.customers.list(updated_at_min=ctx.since)


@flow.step
def to_contact(customer: Customer) -> ContactInput:
    """The contact that stands for one enabled customer."""
    if customer.state in ("disabled", "declined"):
        raise Skip(f"the account is {customer.state}")
    if not customer.email:
        raise BadRecord(f"customer {customer.id} has no email")
    return ContactInput(email=customer.email, firstname=customer.first_name,
                        lastname=customer.last_name, phone=customer.phone)


@flow.sink
def upsert_contact(contact: ContactInput, crm: HubSpot) -> Contact:
    """Create the contact, or update the one with this email."""
    return crm.contacts.upsert(contact, id_property="email")
