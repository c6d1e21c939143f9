"""Paid Stripe invoices are upserted into Salesforce's Invoice__c by Stripe invoice id."""

from collections.abc import Iterator

from connectors.salesforce import InvoiceInput, Salesforce, UpsertResult
from connectors.stripe import Invoice, Stripe
from flowkit import BadRecord, Context, Flow

flow = Flow("stripe-invoices-to-salesforce")


@flow.source(key="id", cursor="created")
def paid_invoices(ctx: Context, stripe: Stripe) -> Iterator[Invoice]:
    """Invoices paid since the last run."""
    yield from stripe.invoices.list(status="paid", created_gte=ctx.since)


@flow.step
def to_salesforce(invoice: Invoice) -> InvoiceInput:
    """The Invoice__c that stands for one paid invoice."""
    if invoice.amount_paid.amount == 0:
        raise BadRecord(f"invoice {invoice.number or invoice.id} is paid but nothing was paid")
    return InvoiceInput(
        Name=invoice.number or invoice.id,
        Stripe_Invoice_Id__c=invoice.id,
        Amount__c=invoice.amount_paid.amount,
        CurrencyIsoCode=invoice.currency.upper(),
        Status__c="Paid",
        Due_Date__c=invoice.due_date.date() if invoice.due_date else None,
    )


@flow.sink
def upsert_invoice(record: InvoiceInput, crm: Salesforce) -> UpsertResult:
    """Create the Invoice__c, or update the one with this Stripe invoice id."""
    return crm.invoices.upsert(record, external_id_field="Stripe_Invoice_Id__c")
