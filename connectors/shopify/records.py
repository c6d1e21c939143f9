"""Shopify's records as flows see them: ids as strings, times in UTC, prices as `Money`, tags as
a list.

Shopify sends prices as decimal strings without a currency beside them ("199.00"): an order's
amounts are in the order's `currency`, a product variant's in the shop's currency. The models
below pair each amount with its currency before validation, so a flow never holds a bare price.
Product models need the shop's currency in the validation context (`{"currency": "USD"}`); the
connector supplies it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, ValidationInfo, model_validator

from connectors.core.records import Money, Record, StrId, UtcDateTime

CURRENCY_CONTEXT_KEY = "currency"
"""The validation-context key under which the connector passes the shop's currency."""


def split_tags(value: Any) -> list[str]:
    """Shopify's tags, `"vip, wholesale"`, as `["vip", "wholesale"]` (a list passes unchanged)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [tag.strip() for tag in value.split(",") if tag.strip()]
    if isinstance(value, list):
        return [str(tag) for tag in value]
    raise ValueError(f"tags must be a comma-separated string, not {value!r}")


Tags = Annotated[list[str], BeforeValidator(split_tags)]
"""Tags, split from Shopify's comma-separated string."""


def _priced(data: Any, currency: Any, fields: Iterable[str]) -> Any:
    """`data` with each named decimal-string amount turned into `{"amount", "currency"}`."""
    if not isinstance(data, dict):
        return data
    present = [name for name in fields if data.get(name) is not None
               and not isinstance(data[name], dict | Money)]
    if not present:
        return data
    if not isinstance(currency, str) or not currency:
        raise ValueError(f"{', '.join(present)} cannot be read as money: the currency is missing")
    return {**data, **{name: {"amount": data[name], "currency": currency} for name in present}}


class Address(Record):
    """A postal address (a customer's default address, an order's billing or shipping one)."""

    first_name: str | None = None
    last_name: str | None = None
    name: str | None = None
    company: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    province: str | None = None
    province_code: str | None = None
    zip: str | None = None
    country: str | None = None
    country_code: str | None = Field(default=None, description="ISO 3166-1 alpha-2, e.g. 'US'.")
    phone: str | None = None


class CustomerSummary(Record):
    """The customer an order belongs to, as embedded in the order."""

    id: StrId
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None


class LineItem(Record):
    """One product line of an order; its amounts are in the order's currency."""

    id: StrId
    title: str = Field(description="The product's title.")
    name: str | None = Field(default=None, description="Product and variant title together.")
    variant_title: str | None = None
    quantity: int
    price: Money = Field(description="Price of one unit, before discounts.")
    total_discount: Money | None = None
    sku: str | None = None
    vendor: str | None = None
    product_id: StrId | None = Field(default=None, description="None if the product was deleted.")
    variant_id: StrId | None = None
    fulfillment_status: str | None = Field(
        default=None, description="None (not fulfilled), 'fulfilled', 'partial' or 'not_eligible'.")
    requires_shipping: bool | None = None
    taxable: bool | None = None


_ORDER_AMOUNTS = ("total_price", "subtotal_price", "total_tax", "total_discounts")
_LINE_ITEM_AMOUNTS = ("price", "total_discount")


class Order(Record):
    """A Shopify order. Amounts are `Money` in the order's (the shop's) currency."""

    id: StrId
    name: str = Field(description="The order's name as the shop shows it, e.g. '#1001'.")
    order_number: int = Field(description="The number in the name: 1001 for '#1001'.")
    email: str | None = None
    financial_status: str | None = Field(
        default=None, description="pending, authorized, partially_paid, paid, "
                                  "partially_refunded, refunded or voided.")
    fulfillment_status: str | None = Field(
        default=None, description="None (unfulfilled), 'partial', 'fulfilled' or 'restocked'.")
    currency: str = Field(description="ISO 4217 code of the shop currency the amounts are in.")
    total_price: Money
    subtotal_price: Money = Field(description="Line items after discounts, before tax/shipping.")
    total_tax: Money | None = None
    total_discounts: Money | None = None
    created_at: UtcDateTime
    updated_at: UtcDateTime
    processed_at: UtcDateTime
    cancelled_at: UtcDateTime | None = None
    closed_at: UtcDateTime | None = None
    customer: CustomerSummary | None = Field(default=None, description="None for guest orders.")
    line_items: list[LineItem]
    billing_address: Address | None = None
    shipping_address: Address | None = None
    note: str | None = None
    tags: Tags = Field(default_factory=list)
    test: bool = Field(default=False, description="True for orders placed in test mode.")

    @classmethod
    def _reshape(cls, data: dict[str, Any]) -> dict[str, Any]:
        data = super()._reshape(data)
        currency = data.get("currency")
        data = _priced(data, currency, _ORDER_AMOUNTS)
        items = data.get("line_items")
        if isinstance(items, list):
            data = {**data, "line_items": [_priced(item, currency, _LINE_ITEM_AMOUNTS)
                                           for item in items]}
        return data


class Customer(Record):
    """A Shopify customer."""

    id: StrId
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = Field(default=None, description="E.164, e.g. '+16135551234'.")
    state: str | None = Field(default=None,
                              description="Account state: disabled, invited, enabled or declined.")
    verified_email: bool | None = None
    tax_exempt: bool | None = None
    currency: str | None = None
    note: str | None = None
    tags: Tags = Field(default_factory=list)
    default_address: Address | None = None
    created_at: UtcDateTime
    updated_at: UtcDateTime


_VARIANT_AMOUNTS = ("price", "compare_at_price")


class Variant(Record):
    """One purchasable variant of a product (a size, a colour); prices in the shop's currency."""

    id: StrId
    product_id: StrId
    title: str
    price: Money
    compare_at_price: Money | None = Field(default=None,
                                           description="The 'was' price of a sale, if any.")
    sku: str | None = None
    barcode: str | None = None
    position: int | None = None
    option1: str | None = None
    option2: str | None = None
    option3: str | None = None
    inventory_quantity: int | None = None
    taxable: bool | None = None
    created_at: UtcDateTime
    updated_at: UtcDateTime

    @model_validator(mode="before")
    @classmethod
    def _amounts_with_currency(cls, data: Any, info: ValidationInfo) -> Any:
        context = info.context if isinstance(info.context, dict) else {}
        return _priced(data, context.get(CURRENCY_CONTEXT_KEY), _VARIANT_AMOUNTS)


class Product(Record):
    """A Shopify product with its variants."""

    id: StrId
    title: str
    handle: str = Field(description="The URL-safe name: 'linen-apron'.")
    body_html: str | None = Field(default=None, description="The description, as HTML.")
    vendor: str | None = None
    product_type: str | None = None
    status: str = Field(description="active, archived or draft.")
    tags: Tags = Field(default_factory=list)
    variants: list[Variant]
    created_at: UtcDateTime
    updated_at: UtcDateTime
    published_at: UtcDateTime | None = Field(default=None,
                                             description="None while unpublished.")


class Shop(Record):
    """The shop itself: its names, its currency and its time zone."""

    id: StrId
    name: str
    email: str | None = None
    domain: str | None = Field(default=None, description="The primary domain, e.g. 'acme.com'.")
    myshopify_domain: str = Field(description="'acme.myshopify.com'.")
    currency: str = Field(description="ISO 4217 code of the currency prices are kept in.")
    iana_timezone: str | None = Field(default=None, description="e.g. 'America/New_York'.")
    plan_name: str | None = None
    created_at: UtcDateTime
    updated_at: UtcDateTime
