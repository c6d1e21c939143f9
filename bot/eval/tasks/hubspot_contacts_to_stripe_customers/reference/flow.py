"""HubSpot contacts at the customer stage become Stripe customers, one per email."""

from collections.abc import Iterator

from connectors.hubspot import Contact, HubSpot
from connectors.stripe import Customer, CustomerInput, Stripe
from flowkit import BadRecord, Context, Flow, Skip

flow = Flow("hubspot-contacts-to-stripe-customers")

STAGE = "customer"


@flow.source(key="id", cursor="lastmodifieddate")
def changed_contacts(ctx: Context, crm: HubSpot) -> Iterator[Contact]:
    """Contacts changed after the newest change the last run saw."""
    for contact in crm.contacts.list():
        changed = contact.lastmodifieddate
        if ctx.since is None or (changed is not None and changed > ctx.since):
            yield contact


@flow.step
def to_customer(contact: Contact) -> CustomerInput:
    """The Stripe customer that stands for one customer-stage contact."""
    if contact.lifecyclestage != STAGE:
        raise Skip(f"the lifecycle stage is {contact.lifecyclestage or 'not set'}")
    if not contact.email:
        raise BadRecord(f"contact {contact.id} has no email")
    name = " ".join(part for part in (contact.firstname, contact.lastname) if part)
    return CustomerInput(email=contact.email, name=name or None)


@flow.sink
def create_customer(customer: CustomerInput, ctx: Context, stripe: Stripe) -> Customer:
    """Create the customer once; one Stripe already has under this email is kept as it is."""
    for known in stripe.customers.list(email=customer.email, page_size=1):
        return known
    return stripe.customers.create(customer, idempotency_key=ctx.idempotency_key())
