"""Paid Stripe invoices are upserted into the SQL table `invoices` by invoice id."""

from collections.abc import Iterator
from typing import Any

from connectors.sql import SqlDatabase, UpsertResult
from connectors.stripe import Invoice, Stripe
from flowkit import BadRecord, Context, Flow

flow = Flow("stripe-paid-invoices-to-sql")


@flow.source(key="id", cursor="created")
def paid_invoices(ctx: Context, stripe: Stripe) -> Iterator[Invoice]:
    """Paid invoices created since the last run."""
    yield from stripe.invoices.list(status="paid", created_gte=ctx.since)


@flow.step
def to_row(invoice: Invoice) -> dict[str, Any]:
    """The `invoices` row of one paid invoice."""
    if invoice.amount_paid.amount == 0:
        raise BadRecord(f"invoice {invoice.number or invoice.id} is paid but nothing was paid")
    return {
        "id": invoice.id,
        "number": invoice.number,
        "customer": invoice.customer,
        "amount_paid": invoice.amount_paid.amount,
        "currency": invoice.currency,
    }


@flow.sink
def upsert_row(row: dict[str, Any], db: SqlDatabase) -> UpsertResult:
    """Insert the row, or update the one with this invoice id."""
    return db.tables.upsert("invoices", [row], key=["id"])
