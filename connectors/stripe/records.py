"""Stripe's customers, invoices and charges, normalised.

Stripe counts money in integers of the currency's smallest unit (`amount_due: 1999` with
`currency: "usd"` is 19.99 USD, but `500` `"jpy"` is 500 JPY: a zero-decimal currency) and writes
currencies in lower case. Records carry `Money` with upper-case ISO codes instead, timestamps as
aware UTC datetimes (Stripe sends epoch seconds), and ids as strings.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from connectors.core.records import Money, Record, StrId, UtcDateTime

InvoiceStatus = Literal["draft", "open", "paid", "uncollectible", "void"]
"""Stripe's invoice lifecycle: a draft is finalised to open, then paid, uncollectible or void."""

ChargeStatus = Literal["succeeded", "pending", "failed"]


def to_currency_code(value: Any) -> str:
    """An ISO 4217 code in upper case, from Stripe's lower-case `usd`."""
    code = str(value).strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise ValueError(f"not an ISO 4217 currency code: {value!r}")
    return code


CurrencyCode = Annotated[str, BeforeValidator(to_currency_code)]
"""A three-letter ISO 4217 code, upper case (`USD`)."""


class _MinorUnitsRecord(Record):
    """A record whose named integer amounts are minor units of the record's `currency`."""

    minor_unit_fields: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def _reshape(cls, data: dict[str, Any]) -> dict[str, Any]:
        data = super()._reshape(data)
        currency = data.get("currency")
        converted = dict(data)
        for name in cls.minor_unit_fields:
            units = data.get(name)
            if isinstance(units, int) and not isinstance(units, bool) and isinstance(currency, str):
                converted[name] = Money.from_minor_units(units, currency)
        return converted


class Customer(Record):
    """A Stripe customer (`cus_…`)."""

    id: StrId
    email: str | None = None
    name: str | None = None
    description: str | None = None
    phone: str | None = None
    currency: CurrencyCode | None = Field(
        None, description="The currency the customer is billed in, once Stripe has fixed one.")
    created: UtcDateTime
    delinquent: bool | None = None
    metadata: dict[str, str] = Field(default_factory=dict)


class CustomerInput(BaseModel):
    """The fields a flow may write on a customer. A misspelt field is refused.

    On update only the fields you set are sent; a field set to None is cleared at Stripe, and
    metadata keys are merged into the customer's (a key set to "" is removed).
    """

    model_config = ConfigDict(extra="forbid")

    email: str | None = None
    name: str | None = None
    description: str | None = None
    phone: str | None = None
    metadata: dict[str, str] | None = Field(
        None, description="Up to 50 keys (40 characters) with string values (500 characters).")


class InvoiceLine(_MinorUnitsRecord):
    """One line of an invoice (`il_…`)."""

    minor_unit_fields: ClassVar[tuple[str, ...]] = ("amount",)

    id: StrId
    amount: Money
    currency: CurrencyCode
    description: str | None = None
    quantity: int | None = None
    metadata: dict[str, str] = Field(default_factory=dict)


class Invoice(_MinorUnitsRecord):
    """A Stripe invoice (`in_…`); amounts are Money in the invoice's currency."""

    minor_unit_fields: ClassVar[tuple[str, ...]] = (
        "amount_due", "amount_paid", "amount_remaining", "subtotal", "total")

    id: StrId
    customer: StrId | None = None
    customer_email: str | None = None
    status: InvoiceStatus | None = None
    currency: CurrencyCode
    amount_due: Money
    amount_paid: Money
    amount_remaining: Money
    subtotal: Money
    total: Money
    number: str | None = Field(None, description="Set when the invoice is finalised; None on "
                                                 "drafts.")
    description: str | None = None
    created: UtcDateTime
    due_date: UtcDateTime | None = None
    lines: list[InvoiceLine] = Field(
        default_factory=list, description="The lines Stripe embeds (its first page of lines).")
    lines_has_more: bool = Field(
        False, description="True when the invoice has more lines than embedded: read them all "
                           "with invoices.lines(invoice_id).")
    metadata: dict[str, str] = Field(default_factory=dict)

    @classmethod
    def _reshape(cls, data: dict[str, Any]) -> dict[str, Any]:
        """Stripe embeds lines as a list object `{data: […], has_more}`; keep the list and flag."""
        data = super()._reshape(data)
        if isinstance(data.get("lines"), dict):
            lines = data["lines"]
            return {**data, "lines": lines.get("data"), "lines_has_more": lines.get("has_more")}
        return data


class Charge(_MinorUnitsRecord):
    """A Stripe charge (`ch_…`); amounts are Money in the charge's currency."""

    minor_unit_fields: ClassVar[tuple[str, ...]] = ("amount", "amount_captured", "amount_refunded")

    id: StrId
    amount: Money
    amount_captured: Money
    amount_refunded: Money
    currency: CurrencyCode
    status: ChargeStatus
    paid: bool
    captured: bool
    refunded: bool
    customer: StrId | None = None
    invoice: StrId | None = None
    description: str | None = None
    receipt_email: str | None = None
    failure_code: str | None = None
    failure_message: str | None = None
    created: UtcDateTime
    metadata: dict[str, str] = Field(default_factory=dict)
