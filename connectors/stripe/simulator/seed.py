"""Deterministic synthetic Stripe objects for the simulator: no real people, no real money.

Everything derives from a seeded random generator and a fixed calendar (the first half of 2024),
so a seed always yields the same customers, invoices and charges, field for field.
"""

from __future__ import annotations

import random
import string
from typing import Any

SEED_START = 1_704_067_200
"""2024-01-01T00:00:00Z: the first seeded object is created shortly after this."""
SIMULATED_NOW = 1_719_792_000
"""2024-07-01T00:00:00Z: the simulator's wall clock when it starts; objects it creates later are
stamped from here on, advancing with the simulator's clock."""

FIRST_NAMES = ("Ada", "Bruno", "Chiara", "Dmitri", "Elif", "Farah", "Goran", "Hana", "Ines",
               "Jonas", "Keiko", "Lars", "Maya", "Nikolai", "Olga", "Pavel", "Quinn", "Rosa",
               "Sven", "Tomoko", "Ulla", "Viktor", "Wen", "Yusuf", "Zofia")
LAST_NAMES = ("Almeida", "Bauer", "Castillo", "Dubois", "Eriksen", "Fischer", "García", "Horvat",
              "Ishikawa", "Jansen", "Kowalski", "Lindqvist", "Moreau", "Novak", "Okafor", "Petrov",
              "Rossi", "Schmidt", "Tanaka", "Weber")
PRODUCTS = (("Starter plan", 900), ("Team plan", 4900), ("Business plan", 19900),
            ("Extra seat", 1200), ("Priority support", 2500), ("Onboarding session", 15000))
CURRENCIES = ("usd", "usd", "usd", "eur", "gbp", "jpy")
ZERO_DECIMAL = frozenset({"jpy"})
INVOICE_STATUSES = ("paid", "paid", "paid", "open", "open", "draft", "uncollectible", "void")
DAY = 86_400


def object_id(rng: random.Random, prefix: str) -> str:
    """A Stripe-shaped id: the object's prefix and 14 letters and digits (`cus_P4xq…`)."""
    return f"{prefix}_{''.join(rng.choices(string.ascii_letters + string.digits, k=14))}"


def minor_units(major: int, currency: str) -> int:
    """An amount of whole units in the currency's smallest unit (yen have no cents)."""
    return major if currency in ZERO_DECIMAL else major * 100


def customer(rng: random.Random, *, created: int, **fields: Any) -> dict[str, Any]:
    """A customer object as Stripe returns it; `fields` override the generated ones."""
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    number = rng.randint(1, 999)
    ascii_last = last.encode("ascii", "ignore").decode().lower()
    record: dict[str, Any] = {
        "id": object_id(rng, "cus"), "object": "customer", "address": None, "balance": 0,
        "created": created, "currency": None, "default_source": None, "delinquent": False,
        "description": None, "discount": None,
        "email": f"{first.lower()}.{ascii_last}{number}@example.com",
        "invoice_prefix": "".join(rng.choices(string.ascii_uppercase + string.digits, k=8)),
        "livemode": False, "metadata": {}, "name": f"{first} {last}", "phone": None,
        "preferred_locales": [], "shipping": None, "tax_exempt": "none", "test_clock": None,
    }
    record.update(fields)
    return record


def invoice_lines(rng: random.Random, invoice_id: str, currency: str, count: int,
                  period_start: int) -> list[dict[str, Any]]:
    """`count` invoice lines for catalogue products, priced in `currency`."""
    lines = []
    for _ in range(count):
        description, cents = rng.choice(PRODUCTS)
        quantity = rng.randint(1, 5)
        lines.append({  # the same figures serve as yen: 900 JPY is a plausible price too
            "id": object_id(rng, "il"), "object": "line_item", "amount": cents * quantity,
            "currency": currency, "description": f"{quantity} × {description}",
            "invoice": invoice_id, "livemode": False, "metadata": {},
            "period": {"start": period_start, "end": period_start + 30 * DAY},
            "quantity": quantity,
        })
    return lines


def invoice(rng: random.Random, *, customer: dict[str, Any], created: int, number: int,
            lines: int | None = None, **fields: Any) -> dict[str, Any]:
    """An invoice of `customer` with consistent totals; `fields` override the generated ones.

    The embedded `lines` list object is rebuilt by the simulator when it answers.
    """
    currency = fields.get("currency") or customer.get("currency") or rng.choice(CURRENCIES)
    status = fields.get("status") or rng.choice(INVOICE_STATUSES)
    invoice_id = object_id(rng, "in")
    items = invoice_lines(rng, invoice_id, currency, lines or rng.randint(1, 4), created)
    total = sum(item["amount"] for item in items)
    paid = total if status == "paid" else 0
    remaining = 0 if status in {"paid", "void"} else total
    record: dict[str, Any] = {
        "id": invoice_id, "object": "invoice", "amount_due": total, "amount_paid": paid,
        "amount_remaining": remaining, "collection_method": "send_invoice", "created": created,
        "currency": currency, "customer": customer["id"], "customer_email": customer["email"],
        "customer_name": customer["name"], "description": None,
        "due_date": None if status == "draft" else created + 30 * DAY,
        "livemode": False, "metadata": {},
        "number": None if status == "draft" else f"{customer['invoice_prefix']}-{number:04d}",
        "period_end": created, "period_start": created - 30 * DAY, "status": status,
        "subtotal": total, "total": total, "_lines": items,
    }
    record.update(fields)
    return record


def charge(rng: random.Random, *, invoice: dict[str, Any], created: int,
           **fields: Any) -> dict[str, Any]:
    """A charge paying `invoice` (succeeded, failed or pending); `fields` override."""
    status = fields.get("status") or rng.choice(("succeeded", "succeeded", "succeeded", "failed",
                                                 "pending"))
    amount = invoice["total"] or minor_units(rng.randint(5, 500), invoice["currency"])
    failed = status == "failed"
    record: dict[str, Any] = {
        "id": object_id(rng, "ch"), "object": "charge", "amount": amount,
        "amount_captured": amount if status == "succeeded" else 0, "amount_refunded": 0,
        "captured": status == "succeeded", "created": created, "currency": invoice["currency"],
        "customer": invoice["customer"], "description": f"Payment for invoice {invoice['number']}",
        "failure_code": "card_declined" if failed else None,
        "failure_message": "Your card was declined." if failed else None,
        "invoice": invoice["id"], "livemode": False, "metadata": {},
        "paid": status == "succeeded", "receipt_email": invoice["customer_email"],
        "refunded": False, "status": status,
    }
    record.update(fields)
    return record
