"""Rows of the customers table become HubSpot contacts, matched by email."""

from collections.abc import Iterator

from connectors.hubspot import Contact, ContactInput, HubSpot
from connectors.sql import Row, SqlDatabase
from flowkit import BadRecord, Context, Flow

flow = Flow("sql-customers-to-contacts")


@flow.source(key="id", cursor="updated_at")
def changed_rows(ctx: Context, db: SqlDatabase) -> Iterator[Row]:
    """Rows changed since the last run, oldest first."""
    yield from db.tables.select_incremental("customers", cursor_column="updated_at",
                                            after=ctx.since)


@flow.step
def to_contact(row: Row) -> ContactInput:
    """The contact for one row."""
    if not row.email:
        raise BadRecord(f"customer {row.id} has no email")
    return ContactInput(email=row.email, firstname=row.first_name)


@flow.sink
def upsert_contact(contact: ContactInput, crm: HubSpot) -> Contact:
    """Create the contact, or update the one with this email."""
    return crm.contacts.upsert(contact, id_property="email")
