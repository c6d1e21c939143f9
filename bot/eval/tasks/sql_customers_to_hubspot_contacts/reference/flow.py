"""Rows of the SQL table `customers` become HubSpot contacts, matched by email."""

from collections.abc import Iterator

from connectors.hubspot import Contact, ContactInput, HubSpot
from connectors.sql import Row, SqlDatabase
from flowkit import BadRecord, Context, Flow

flow = Flow("sql-customers-to-hubspot-contacts")


@flow.source(key="id", cursor="updated_at")
def changed_customers(ctx: Context, db: SqlDatabase) -> Iterator[Row]:
    """Rows changed since the newest one the last run read, oldest first."""
    rows = db.tables.select_incremental("customers", cursor_column="updated_at", after=ctx.since)
    yield from rows


@flow.step
def to_contact(row: Row) -> ContactInput:
    """The contact that stands for one customer row."""
    if not row.email:
        raise BadRecord(f"customer {row.id} has no email")
    return ContactInput(email=row.email, firstname=row.first_name, lastname=row.last_name)


@flow.sink
def upsert_contact(contact: ContactInput, crm: HubSpot) -> Contact:
    """Create the contact, or update the one with this email."""
    return crm.contacts.upsert(contact, id_property="email")
