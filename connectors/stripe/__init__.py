"""Stripe: customers, invoices and charges, with money normalised from minor units.

The simulator lives in `connectors.stripe.simulator` and is imported only when asked for.
"""

from connectors.stripe.client import Stripe, StripeSettings
from connectors.stripe.records import (
    Charge,
    ChargeStatus,
    Customer,
    CustomerInput,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
)

__all__ = [
    "Charge",
    "ChargeStatus",
    "Customer",
    "CustomerInput",
    "Invoice",
    "InvoiceLine",
    "InvoiceStatus",
    "Stripe",
    "StripeSettings",
]
