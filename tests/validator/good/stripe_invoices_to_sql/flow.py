"""Paid Stripe invoices become rows of the invoices table, upserted by id."""

from collections.abc import Iterator
from typing import Any

from connectors.sql import SqlDatabase, UpsertResult
from connectors.stripe import Invoice, Stripe
from flowkit import Context, Flow

flow = Flow("stripe-invoices-to-sql")


@flow.source(key="id", cursor="created")
def paid_invoices(ctx: Context, stripe: Stripe) -> Iterator[Invoice]:
    """Invoices paid since the last run."""
    yield from stripe.invoices.list(status="paid", created_gte=ctx.since)


@flow.step
def to_row(invoice: Invoice) -> dict[str, Any]:
    """The row for one invoice."""
    return {"id": invoice.id, "amount_paid": str(invoice.amount_paid.amount)}


@flow.sink
def upsert_row(row: dict[str, Any], db: SqlDatabase) -> UpsertResult:
    """Insert the row, or update the one with this id."""
    return db.tables.upsert("invoices", [row], key=["id"])
