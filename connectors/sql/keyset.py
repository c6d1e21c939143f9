"""Keyset pagination: reading a table in batches ordered by (cursor column, tie-breaker).

Each batch asks for the rows that sort strictly after the last row already read, compared as a
row value: `WHERE (updated_at, id) > (:last_updated_at, :last_id) ORDER BY updated_at, id LIMIT n`.
Unlike `OFFSET`, this never skips or repeats a row when rows are inserted or deleted between
batches, and never re-reads the start of the table; the tie-breaker (the primary key, or another
unique key) is what keeps rows that share a cursor value from being split unfairly across a batch
boundary. Each batch runs on its own short-lived connection: a slow consumer holds no transaction
open on the database.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import RowMapping

from connectors.sql.database import Database, TableShape


@dataclass(frozen=True)
class Keyset:
    """How to walk one table: the order (cursor column first) and the columns to read."""

    order: tuple[sa.Column[Any], ...]
    selected: tuple[sa.Column[Any], ...]

    @property
    def cursor(self) -> sa.Column[Any]:
        """The cursor column."""
        return self.order[0]


def tie_breaker(shape: TableShape, cursor: sa.Column[Any]) -> tuple[sa.Column[Any], ...] | None:
    """The columns that, after `cursor`, give every row a unique place in the order.

    None if the table has no such columns: no primary key and no unique key whose columns are
    all NOT NULL (NULLs are never equal, so they cannot break ties).
    """
    if shape.has_unique_key([cursor.name]):
        return ()
    candidates = [shape.primary_key] if shape.primary_key else []
    candidates += [key for key in shape.unique_keys
                   if all(not shape.table.c[name].nullable for name in key)]
    if not candidates:
        return None
    return tuple(shape.table.c[name] for name in candidates[0] if name != cursor.name)


def batches(database: Database, keyset: Keyset, *, after: Any, batch_size: int,
            operation: str) -> Iterator[Sequence[RowMapping]]:
    """The table's rows whose cursor is not NULL (and greater than `after`, if given), in
    batches of at most `batch_size`, in the keyset's order."""
    cursor = keyset.cursor
    base = (sa.select(*keyset.selected).where(cursor.is_not(None))
            .order_by(*keyset.order).limit(batch_size))
    statement = base if after is None else base.where(cursor > sa.literal(after, cursor.type))
    while True:
        with database.connect(operation) as connection:
            rows = connection.execute(statement).mappings().all()
        if rows:
            yield rows
        if len(rows) < batch_size:
            return
        last = rows[-1]
        position = sa.tuple_(*(sa.literal(last[c.name], c.type) for c in keyset.order))
        statement = base.where(sa.tuple_(*keyset.order) > position)
