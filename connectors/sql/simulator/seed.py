"""Deterministic synthetic orders in a real table, for tests, flow tests and the demo.

The same seed always gives the same rows: names from short fixed lists, addresses at
example.com (a domain reserved for examples), amounts with cents, and timestamps counted from a
fixed date rather than now. Many orders share an `updated_at` value, as real orders touched by
one batch job do, which is exactly what incremental reads must get right.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from connectors.sql.database import parse_database_url

ORDER_STATUSES = ("pending", "paid", "refunded", "cancelled")
SEED_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
"""The first order's creation time."""

_FIRST_NAMES = ("Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken",
                "Margaret", "Niklaus", "Radia", "Tim")
_LAST_NAMES = ("Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen",
               "Thompson", "Hamilton", "Wirth", "Perlman", "Berners-Lee")
_CURRENCIES = ("EUR", "USD", "GBP")


def orders_table(name: str = "orders", metadata: sa.MetaData | None = None) -> sa.Table:
    """The orders table's definition: integer id, unique external id, timestamps with zone."""
    return sa.Table(
        name, metadata or sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("external_id", sa.String(32), nullable=False, unique=True),
        sa.Column("customer_name", sa.String(100), nullable=False),
        sa.Column("customer_email", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("total", sa.Numeric(12, 2), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def synthetic_orders(count: int, *, seed: int = 0) -> list[dict[str, Any]]:
    """`count` orders as column dicts, the same for the same seed; ids run from 1.

    `updated_at` is the next full hour after `created_at`, as if an hourly job touched the
    orders: it never decreases with the id and about four orders share each value, so
    incremental reads meet many equal cursor values.
    """
    rng = random.Random(seed)
    orders = []
    created = SEED_EPOCH
    for number in range(1, count + 1):
        first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
        created += timedelta(minutes=rng.randint(1, 30))
        updated = created.replace(minute=0) + timedelta(hours=1)  # the hourly sync job
        orders.append({
            "id": number,
            "external_id": f"ord_{seed:03d}_{number:06d}",
            "customer_name": f"{first} {last}",
            "customer_email": f"{first}.{last}.{number}@example.com".lower(),
            "status": rng.choice(ORDER_STATUSES),
            "total": Decimal(rng.randint(100, 250_000)).scaleb(-2),
            "currency": rng.choice(_CURRENCIES),
            "created_at": created,
            "updated_at": updated,
        })
    return orders


def seed_orders(url: str, *, table: str = "orders", count: int = 50,
                seed: int = 0) -> list[dict[str, Any]]:
    """Create the table `table` in the database at `url` and fill it with synthetic orders.

    Refuses (ValueError) when the table exists already, rather than touching real data.
    Returns the rows written. In SQLite the timestamps are stored as UTC without a zone, so read
    them with `naive_timestamps_are="utc"`.
    """
    engine = sa.create_engine(parse_database_url(url))
    try:
        if sa.inspect(engine).has_table(table):
            raise ValueError(f"table {table!r} exists already; seed_orders only creates new "
                             "tables (choose another name, or drop it yourself)")
        orders = orders_table(table)
        rows = synthetic_orders(count, seed=seed)
        with engine.begin() as connection:
            orders.create(connection)
            if rows:
                connection.execute(orders.insert(), rows)
        return rows
    finally:
        engine.dispose()
