"""Creating and updating customers and orders as Shopify's Admin REST API does, with its answers.

A body without its root key (`{"customer": {...}}`) is a 400 `Required parameter missing or
invalid`; a record Shopify would refuse is a 422 `{"errors": {field: [message, ...]}}` — an email
or phone that is malformed (`is invalid`) or belongs to another customer (`has already been
taken`), an order without line items, a custom line item without a title or price, a variant or
customer that does not exist (`not found`). These wordings are the ones integrators report from
Shopify; the exact message for an order without line items is not documented, and this one follows
Shopify's other presence checks. Order totals are computed from the line items, with no tax added;
`financial_status` is `paid` unless given (the simulator's choice: the REST reference does not
state a default).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from connectors.shopify.simulator.listing import BadRequest
from connectors.shopify.simulator.seed import CENT, ShopSeeder, money, shop_time

CUSTOMER_FIELDS = ("first_name", "last_name", "email", "phone", "note", "tags", "tax_exempt",
                   "verified_email", "currency", "addresses", "state")
ORDER_UPDATE_FIELDS = ("note", "email", "phone", "tags", "buyer_accepts_marketing",
                       "shipping_address", "note_attributes")
FINANCIAL_STATUSES = ("pending", "authorized", "partially_paid", "paid", "partially_refunded",
                      "refunded", "voided")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ().-]{6,19}$")


class Unprocessable(Exception):
    """A record Shopify answers with 422 and `{"errors": {field: [messages]}}`."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


def root(body: Any, key: str) -> dict[str, Any]:
    """The object under `key`, or Shopify's 400 for a missing or malformed root."""
    value = body.get(key) if isinstance(body, dict) else None
    if not isinstance(value, dict):
        raise BadRequest({key: "Required parameter missing or invalid"})
    return value


def create_customer(seeder: ShopSeeder, customers: dict[int, dict[str, Any]],
                    given: dict[str, Any]) -> dict[str, Any]:
    """A new customer from `given` (its unknown fields ignored, as Shopify ignores them)."""
    _check_contact(customers, given, owner=None)
    record = seeder.customer()
    record.update({"first_name": None, "last_name": None, "email": None, "phone": None,
                   "note": None, "tags": "", "state": "disabled", "verified_email": False,
                   "addresses": [], "default_address": None})
    _apply_customer(record, given)
    customers[record["id"]] = record
    return record


def update_customer(customers: dict[int, dict[str, Any]], record: dict[str, Any],
                    given: dict[str, Any], now: datetime) -> dict[str, Any]:
    """`record` with `given` applied; `updated_at` moves only if something changed."""
    _check_contact(customers, given, owner=record["id"])
    before = dict(record)
    _apply_customer(record, given)
    if record != before:
        record["updated_at"] = shop_time(now)
    return record


def _apply_customer(record: dict[str, Any], given: dict[str, Any]) -> None:
    for name in CUSTOMER_FIELDS:
        if name in given:
            record[name] = given[name]
    if "addresses" in given and isinstance(given["addresses"], list) and given["addresses"]:
        record["default_address"] = {**given["addresses"][0], "default": True}


def _check_contact(customers: dict[int, dict[str, Any]], given: dict[str, Any],
                   owner: int | None) -> None:
    errors: dict[str, list[str]] = {}
    email, phone = given.get("email"), given.get("phone")
    if email and not _EMAIL.match(str(email)):
        errors["email"] = ["is invalid"]
    elif email and _holder(customers.values(), "email", str(email).casefold(), owner):
        errors["email"] = ["has already been taken"]
    if phone and not _PHONE.match(str(phone)):
        errors["phone"] = ["is invalid"]
    elif phone and _holder(customers.values(), "phone", str(phone), owner):
        errors["phone"] = ["Phone has already been taken"]
    if errors:
        raise Unprocessable(errors)


def _holder(records: Iterable[dict[str, Any]], name: str, value: str,
            owner: int | None) -> bool:
    return any(r["id"] != owner and r.get(name) and
               (str(r[name]).casefold() if name == "email" else str(r[name])) == value
               for r in records)


def create_order(seeder: ShopSeeder, orders: dict[int, dict[str, Any]],
                 customers: dict[int, dict[str, Any]], products: dict[int, dict[str, Any]],
                 given: dict[str, Any], now: datetime, currency: str) -> dict[str, Any]:
    """A new order from `given`: its line items, its customer, its totals."""
    errors: dict[str, list[str]] = {}
    lines = _line_items(seeder, products, given.get("line_items"), errors)
    customer = _order_customer(customers, given.get("customer"), errors)
    email = given.get("email") or (customer or {}).get("email")
    if email and not _EMAIL.match(str(email)):
        errors["email"] = ["is invalid"]
    financial = given.get("financial_status", "paid")
    if financial not in FINANCIAL_STATUSES:
        errors["financial_status"] = ["is not included in the list"]
    if errors:
        raise Unprocessable(errors)
    subtotal = sum((Decimal(line["price"]) * line["quantity"] for line in lines), Decimal(0))
    order_id, number = next(seeder.order_ids), next(seeder.order_numbers)
    order = {
        "id": order_id, "admin_graphql_api_id": f"gid://shopify/Order/{order_id}",
        "name": f"#{number}", "order_number": number, "email": email, "contact_email": email,
        "financial_status": financial, "fulfillment_status": None,
        "currency": currency, "presentment_currency": currency,
        "total_price": money(subtotal), "subtotal_price": money(subtotal),
        "total_tax": "0.00", "total_discounts": "0.00",
        "total_price_set": {"shop_money": {"amount": money(subtotal), "currency_code": currency},
                            "presentment_money": {"amount": money(subtotal),
                                                  "currency_code": currency}},
        "created_at": shop_time(now), "updated_at": shop_time(now),
        "processed_at": shop_time(now), "cancelled_at": None, "cancel_reason": None,
        "closed_at": None,
        "customer": {key: customer[key] for key in
                     ("id", "email", "first_name", "last_name", "phone")} if customer else None,
        "line_items": lines, "billing_address": given.get("billing_address"),
        "shipping_address": given.get("shipping_address"), "note": given.get("note"),
        "tags": given.get("tags", ""), "test": bool(given.get("test", False)),
        "confirmed": True, "source_name": "api",
    }
    orders[order_id] = order
    return order


def update_order(record: dict[str, Any], given: dict[str, Any], now: datetime) -> dict[str, Any]:
    """`record` with the fields Shopify lets an update change; the others are ignored."""
    email = given.get("email")
    if email and not _EMAIL.match(str(email)):
        raise Unprocessable({"email": ["is invalid"]})
    before = dict(record)
    for name in ORDER_UPDATE_FIELDS:
        if name in given:
            record[name] = given[name]
    if record != before:
        record["updated_at"] = shop_time(now)
    return record


def _line_items(seeder: ShopSeeder, products: dict[int, dict[str, Any]], given: Any,
                errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    if not isinstance(given, list) or not given:
        errors["line_items"] = ["can't be blank"]
        return []
    variants = {v["id"]: (p, v) for p in products.values() for v in p["variants"]}
    lines = []
    for index, item in enumerate(given):
        where = f"line_items[{index}]"
        item = item if isinstance(item, dict) else {}
        quantity = item.get("quantity", 1)
        if not isinstance(quantity, int) or quantity < 1:
            errors[f"{where}.quantity"] = ["must be greater than or equal to 1"]
            continue
        line: dict[str, Any] = {"id": next(seeder.line_item_ids), "quantity": quantity,
                                "total_discount": "0.00", "fulfillment_status": None,
                                "requires_shipping": True, "taxable": True}
        if "variant_id" in item:
            found = variants.get(item["variant_id"])
            if found is None:
                errors[f"{where}.variant_id"] = ["not found"]
                continue
            product, variant = found
            line.update(title=product["title"], name=f"{product['title']} - {variant['title']}",
                        variant_title=variant["title"], sku=variant["sku"],
                        vendor=product["vendor"], product_id=product["id"],
                        variant_id=variant["id"], price=item.get("price", variant["price"]))
        else:
            if not item.get("title"):
                errors[f"{where}.title"] = ["can't be blank"]
            if "price" not in item:
                errors[f"{where}.price"] = ["can't be blank"]
            line.update(title=item.get("title"), name=item.get("title"), variant_title=None,
                        sku=item.get("sku"), vendor=None, product_id=None, variant_id=None,
                        price=item.get("price"))
        if line["price"] is None:
            continue
        try:
            line["price"] = money(Decimal(str(line["price"])).quantize(CENT))
        except (InvalidOperation, ValueError):
            errors[f"{where}.price"] = ["is not a number"]
        lines.append(line)
    return lines


def _order_customer(customers: dict[int, dict[str, Any]], given: Any,
                    errors: dict[str, list[str]]) -> dict[str, Any] | None:
    if not isinstance(given, dict):
        return None
    if "id" in given:
        found = customers.get(given["id"]) if isinstance(given["id"], int) else None
        if found is None:
            errors["customer"] = ["not found"]
        return found
    email = str(given.get("email") or "").casefold()
    return next((c for c in customers.values()
                 if email and str(c.get("email") or "").casefold() == email), None)
