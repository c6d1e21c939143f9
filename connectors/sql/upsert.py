"""Upserts with `INSERT … ON CONFLICT (key) …`, counting what each row did.

Rows are written in two statements per group of rows with the same columns, inside one
transaction:

1. `INSERT … ON CONFLICT (key) DO NOTHING RETURNING key` — the rows returned are the inserted ones;
2. `INSERT … ON CONFLICT (key) DO UPDATE SET c = excluded.c … WHERE (c IS DISTINCT FROM
   excluded.c OR …) RETURNING key` — the rows returned are the ones whose values changed. A row
   whose stored values already equal the new ones is not written at all (no new row version,
   no trigger), and is counted as unchanged; so are the rows step 1 just inserted.

Counting by returned rows rather than by matching keys in Python means no key value is ever
compared outside the database, whose types and collations decide what "the same key" means.
Rows are grouped by their set of columns because one statement binds one set of columns: a row
that leaves a column out leaves that column as it is (or at its default, when inserted).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from connectors.sql.records import UpsertResult


def group_by_columns(rows: Sequence[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The rows grouped by their set of columns, groups in order of first appearance."""
    groups: dict[frozenset[str], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(frozenset(row), []).append(row)
    return list(groups.values())


def _insert(connection: Connection, table: sa.Table) -> postgresql.Insert | sqlite.Insert:
    """The dialect's own INSERT, the one that knows ON CONFLICT."""
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _differs(column: sa.Column[Any], new: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
    """`column IS DISTINCT FROM new` (NULL-safe), comparing JSON as text: PostgreSQL's `json`
    type has no equality operator."""
    if isinstance(column.type, sa.JSON) and not isinstance(column.type, postgresql.JSONB):
        return sa.cast(column, sa.Text).is_distinct_from(sa.cast(new, sa.Text))
    return column.is_distinct_from(new)


def upsert_group(connection: Connection, table: sa.Table, key: Sequence[str],
                 rows: list[dict[str, Any]]) -> UpsertResult:
    """Upsert rows that all have the same columns; the caller holds the transaction."""
    insert = _insert(connection, table)
    key_columns = [table.c[name] for name in key]
    inserted = len(connection.execute(
        insert.on_conflict_do_nothing(index_elements=key_columns).returning(*key_columns), rows,
    ).all())
    others = [name for name in rows[0] if name not in key]
    updated = 0
    if others:
        changed = sa.or_(*(_differs(table.c[name], insert.excluded[name]) for name in others))
        statement = insert.on_conflict_do_update(
            index_elements=key_columns,
            set_={name: insert.excluded[name] for name in others},
            where=changed,
        ).returning(*key_columns)
        updated = len(connection.execute(statement, rows).all())
    return UpsertResult(inserted=inserted, updated=updated,
                        unchanged=len(rows) - inserted - updated)
