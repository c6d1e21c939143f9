"""What the two stores (the runtime's and the app's `bot.store`) share: column types, `utcnow`,
`as_utc`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime


def utcnow() -> datetime:
    """Now, timezone-aware: the default of every timestamp column."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """A stored timestamp as an aware time in UTC: SQLite gives back the UTC it was given without
    its zone, PostgreSQL gives it in the connection's time zone."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class TableTypes:
    """Mixed into each store's declarative base: JSON for dicts, timezone-aware timestamps.

    Each store keeps its own base (so its own metadata): creating or dropping one store's tables
    leaves the other's alone, also when both live in the same database.
    """

    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON,
                                                     datetime: DateTime(timezone=True)}
