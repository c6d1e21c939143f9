"""Stripe customers become Salesforce contacts, matched by External_Id__c (the customer id)."""

from collections.abc import Iterator

from connectors.salesforce import ContactInput, Salesforce, UpsertResult
from connectors.stripe import Customer, Stripe
from flowkit import BadRecord, Context, Flow

flow = Flow("stripe-customers-to-salesforce-contacts")


@flow.source(key="id", cursor="created")
def new_customers(ctx: Context, stripe: Stripe) -> Iterator[Customer]:
    """Customers created since the last run."""
    yield from stripe.customers.list(created_gte=ctx.since)


@flow.step
def to_contact(customer: Customer) -> ContactInput:
    """The contact that stands for one customer."""
    if not customer.email:
        raise BadRecord(f"customer {customer.id} has no email")
    name = (customer.name or "").strip()
    if not name:
        return ContactInput(External_Id__c=customer.id, LastName=customer.email,
                            Email=customer.email, Phone=customer.phone)
    first, _, last = name.partition(" ")
    if not last.strip():
        first, last = "", first
    return ContactInput(External_Id__c=customer.id, FirstName=first or None,
                        LastName=last.strip(), Email=customer.email, Phone=customer.phone)


@flow.sink
def upsert_contact(contact: ContactInput, sf: Salesforce) -> UpsertResult:
    """Create the contact, or update the one with this Stripe customer id."""
    return sf.contacts.upsert(contact, external_id_field="External_Id__c")
