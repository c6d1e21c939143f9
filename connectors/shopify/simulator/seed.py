"""Synthetic Shopify data, deterministic from a seed: no real shop, no real people.

Records have the Admin REST API's shapes (2024-10): numeric ids of Shopify's size, timestamps in
the shop's time zone, amounts as decimal strings, tags as one comma-separated string. Time starts
at a fixed date, never at "now", so a seed always gives the same shop.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from itertools import count
from typing import Any

SHOP_ZONE = timezone(timedelta(hours=-5))
"""The simulated shop's time zone: Bogotá, UTC-5 all year (no daylight-saving jumps)."""
START = datetime(2024, 1, 2, 9, 0, tzinfo=SHOP_ZONE)
CENT = Decimal("0.01")
TAX_RATE = Decimal("0.08")

FIRST_NAMES = ("Ada", "Bruno", "Chiara", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines",
               "Jonas", "Kemi", "Luca", "Maya", "Nils", "Olga", "Priya", "Quinn", "Rosa",
               "Sami", "Tess")
LAST_NAMES = ("Almeida", "Berg", "Castro", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad",
              "Ito", "Jensen", "Kowalski", "Lopez", "Moreau", "Novak", "Okafor", "Petrov")
CITIES = (("Portland", "Oregon", "OR", "97205"), ("Austin", "Texas", "TX", "78701"),
          ("Denver", "Colorado", "CO", "80202"), ("Madison", "Wisconsin", "WI", "53703"))
PRODUCTS = (("Linen Apron", "Kitchen", ("Natural", "Charcoal")),
            ("Ceramic Mug", "Kitchen", ("White", "Sage", "Rust")),
            ("Canvas Tote", "Bags", ("One size",)),
            ("Wool Beanie", "Apparel", ("Grey", "Navy")),
            ("Beeswax Candle", "Home", ("Small", "Large")),
            ("Walnut Cutting Board", "Kitchen", ("Medium", "Large")),
            ("Cotton Tea Towel", "Kitchen", ("Stripe", "Check")),
            ("Leather Card Holder", "Accessories", ("Tan", "Black")))
VENDORS = ("Northfield Goods", "Harbor & Pine", "Little Loom")
TAGS = ("vip", "wholesale", "gift", "repeat", "newsletter")
FINANCIAL_WEIGHTS = {"paid": 60, "pending": 8, "authorized": 5, "partially_paid": 3,
                     "partially_refunded": 8, "refunded": 8, "voided": 8}


def shop_time(moment: datetime) -> str:
    """A timestamp as Shopify writes it: ISO 8601 in the shop's zone, `…T11:00:00-05:00`."""
    return moment.astimezone(SHOP_ZONE).isoformat()


def money(amount: Decimal) -> str:
    """An amount as Shopify writes it: a decimal string with two places, "199.00"."""
    return str(amount.quantize(CENT))


@dataclass
class IdSequence:
    """Shopify-sized ids that grow by irregular steps, as real ones do."""

    rng: random.Random
    start: int
    _last: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        self._last = self.start

    def __iter__(self) -> IdSequence:
        return self

    def __next__(self) -> int:
        self._last += self.rng.randint(1_000, 90_000)
        return self._last


def _address(rng: random.Random, first: str, last: str) -> dict[str, Any]:
    city, province, code, zip_code = rng.choice(CITIES)
    return {"first_name": first, "last_name": last, "name": f"{first} {last}", "company": None,
            "address1": f"{rng.randint(10, 999)} {rng.choice(('Oak', 'Elm', 'Main'))} St",
            "address2": None, "city": city, "province": province, "province_code": code,
            "zip": zip_code, "country": "United States", "country_code": "US",
            "phone": None}


def make_customer(rng: random.Random, customer_id: int, created: datetime,
                  currency: str) -> dict[str, Any]:
    """A customer with an address, an example.com email and a few tags."""
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    address = _address(rng, first, last)
    return {
        "id": customer_id, "admin_graphql_api_id": f"gid://shopify/Customer/{customer_id}",
        "email": f"{first.lower()}.{last.lower()}.{customer_id % 10_000}@example.com",
        "first_name": first, "last_name": last,
        "phone": f"+1555{customer_id % 10_000_000:07d}",
        "state": rng.choice(("enabled", "enabled", "disabled", "invited")),
        "verified_email": True, "tax_exempt": False, "currency": currency, "note": None,
        "tags": ", ".join(sorted(rng.sample(TAGS, rng.randint(0, 2)))),
        "addresses": [{**address, "id": customer_id + 1, "default": True}],
        "default_address": {**address, "id": customer_id + 1, "default": True},
        "created_at": shop_time(created), "updated_at": shop_time(created),
    }


def make_product(rng: random.Random, ids: Iterator[int], variant_ids: Iterator[int],
                 index: int, created: datetime) -> dict[str, Any]:
    """A product with one variant per option value, priced between 8 and 120."""
    title, product_type, options = PRODUCTS[index % len(PRODUCTS)]
    if index >= len(PRODUCTS):
        title = f"{title} No. {index // len(PRODUCTS) + 1}"
    product_id = next(ids)
    handle = title.lower().replace(" ", "-").replace(".", "")
    price = Decimal(rng.randint(800, 12_000)) / 100
    variants = [{
        "id": (variant_id := next(variant_ids)), "product_id": product_id, "title": option,
        "price": money(price), "compare_at_price": money(price * Decimal("1.25"))
        if rng.random() < 0.2 else None,
        "sku": f"{handle[:12].upper()}-{position}", "barcode": None, "position": position,
        "option1": option, "option2": None, "option3": None,
        "inventory_quantity": rng.randint(0, 80), "taxable": True,
        "admin_graphql_api_id": f"gid://shopify/ProductVariant/{variant_id}",
        "created_at": shop_time(created), "updated_at": shop_time(created),
    } for position, option in enumerate(options, start=1)]
    return {
        "id": product_id, "admin_graphql_api_id": f"gid://shopify/Product/{product_id}",
        "title": title, "handle": handle, "body_html": f"<p>{title}, made in small batches.</p>",
        "vendor": rng.choice(VENDORS), "product_type": product_type,
        "status": rng.choices(("active", "draft", "archived"), weights=(8, 1, 1))[0],
        "tags": ", ".join(sorted(rng.sample(TAGS, rng.randint(0, 2)))),
        "variants": variants, "options": [{"name": "Title", "values": list(options)}],
        "created_at": shop_time(created), "updated_at": shop_time(created),
        "published_at": shop_time(created),
    }


def _fulfillment(rng: random.Random, financial: str) -> str | None:
    if financial in ("paid", "partially_refunded"):
        return rng.choices(("fulfilled", "partial", None), weights=(6, 1, 3))[0]
    if financial == "refunded":
        return rng.choice((None, "restocked"))
    return None


def make_order(rng: random.Random, order_id: int, number: int, created: datetime, *,
               customer: dict[str, Any] | None, products: list[dict[str, Any]],
               line_item_ids: Iterator[int], currency: str) -> dict[str, Any]:
    """An order of one to three lines, with consistent totals, statuses and timestamps."""
    lines, subtotal = [], Decimal(0)
    for product in rng.sample(products, min(len(products), rng.randint(1, 3))):
        variant = rng.choice(product["variants"])
        quantity, price = rng.randint(1, 3), Decimal(variant["price"])
        subtotal += price * quantity
        lines.append({
            "id": next(line_item_ids), "title": product["title"],
            "name": f"{product['title']} - {variant['title']}",
            "variant_title": variant["title"], "quantity": quantity, "price": money(price),
            "total_discount": "0.00", "sku": variant["sku"], "vendor": product["vendor"],
            "product_id": product["id"], "variant_id": variant["id"],
            "fulfillment_status": None, "requires_shipping": True, "taxable": True,
        })
    discounts = (subtotal * Decimal("0.1")).quantize(CENT) if rng.random() < 0.2 else Decimal(0)
    subtotal -= discounts
    tax = (subtotal * TAX_RATE).quantize(CENT)
    financial = rng.choices(list(FINANCIAL_WEIGHTS), weights=list(FINANCIAL_WEIGHTS.values()))[0]
    fulfillment = _fulfillment(rng, financial)
    for line in lines:
        line["fulfillment_status"] = "fulfilled" if fulfillment == "fulfilled" else None
    cancelled = created + timedelta(days=1) if financial == "voided" or (
        financial == "refunded" and rng.random() < 0.5) else None
    closed = created + timedelta(days=3) if fulfillment == "fulfilled" and financial == "paid" \
        else None
    updated = max(t for t in (created, cancelled, closed) if t is not None) + timedelta(
        minutes=rng.randint(1, 90))
    email = customer["email"] if customer else f"guest.{number}@example.com"
    address = customer["default_address"] if customer else None
    total = subtotal + tax
    return {
        "id": order_id, "admin_graphql_api_id": f"gid://shopify/Order/{order_id}",
        "name": f"#{number}", "order_number": number, "email": email, "contact_email": email,
        "financial_status": financial, "fulfillment_status": fulfillment,
        "currency": currency, "presentment_currency": currency,
        "total_price": money(total), "subtotal_price": money(subtotal), "total_tax": money(tax),
        "total_discounts": money(discounts),
        "total_price_set": {"shop_money": {"amount": money(total), "currency_code": currency},
                            "presentment_money": {"amount": money(total),
                                                  "currency_code": currency}},
        "created_at": shop_time(created), "updated_at": shop_time(updated),
        "processed_at": shop_time(created),
        "cancelled_at": shop_time(cancelled) if cancelled else None,
        "cancel_reason": "customer" if cancelled else None,
        "closed_at": shop_time(closed) if closed else None,
        "customer": {key: customer[key] for key in
                     ("id", "email", "first_name", "last_name", "phone")} if customer else None,
        "line_items": lines, "billing_address": address, "shipping_address": address,
        "note": "Please gift wrap." if rng.random() < 0.1 else None,
        "tags": ", ".join(sorted(rng.sample(TAGS, rng.randint(0, 2)))),
        "test": False, "confirmed": True, "source_name": "web",
    }


@dataclass
class ShopData:
    """A whole synthetic shop: raw records keyed by id, as the API would send them."""

    customers: dict[int, dict[str, Any]]
    products: dict[int, dict[str, Any]]
    orders: dict[int, dict[str, Any]]


@dataclass
class ShopSeeder:
    """Makes the synthetic shop and, later, more records in the same id sequences."""

    rng: random.Random
    currency: str
    customer_ids: IdSequence = field(init=False)
    product_ids: IdSequence = field(init=False)
    variant_ids: IdSequence = field(init=False)
    order_ids: IdSequence = field(init=False)
    line_item_ids: IdSequence = field(init=False)
    order_numbers: Iterator[int] = field(init=False, default_factory=lambda: count(1001))
    clock: datetime = START

    def __post_init__(self) -> None:
        self.customer_ids = IdSequence(self.rng, 7_301_000_000_000)
        self.product_ids = IdSequence(self.rng, 8_812_000_000_000)
        self.variant_ids = IdSequence(self.rng, 45_123_000_000_000)
        self.order_ids = IdSequence(self.rng, 5_623_000_000_000)
        self.line_item_ids = IdSequence(self.rng, 14_567_000_000_000)

    def _tick(self, low_minutes: int, high_minutes: int) -> datetime:
        self.clock += timedelta(minutes=self.rng.randint(low_minutes, high_minutes))
        return self.clock

    def customer(self) -> dict[str, Any]:
        """One more customer, created a little after the last record."""
        return make_customer(self.rng, next(self.customer_ids), self._tick(5, 120), self.currency)

    def product(self, index: int) -> dict[str, Any]:
        """One more product (the `index`-th of the catalogue)."""
        return make_product(self.rng, self.product_ids, self.variant_ids, index,
                            self._tick(5, 60))

    def order(self, customers: list[dict[str, Any]],
              products: list[dict[str, Any]]) -> dict[str, Any]:
        """One more order by a known customer (or a guest, one time in ten)."""
        customer = self.rng.choice(customers) if customers and self.rng.random() > 0.1 else None
        return make_order(self.rng, next(self.order_ids), next(self.order_numbers),
                          self._tick(20, 360), customer=customer, products=products,
                          line_item_ids=self.line_item_ids, currency=self.currency)

    def shop(self, *, customers: int, products: int, orders: int) -> ShopData:
        """A shop with the given numbers of records (at least one product if there are orders)."""
        made_customers = [self.customer() for _ in range(customers)]
        made_products = [self.product(i) for i in range(max(products, 1 if orders else 0))]
        made_orders = [self.order(made_customers, made_products) for _ in range(orders)]
        return ShopData(customers={c["id"]: c for c in made_customers},
                        products={p["id"]: p for p in made_products},
                        orders={o["id"]: o for o in made_orders})
