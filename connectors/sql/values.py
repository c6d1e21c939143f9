"""Values crossing the connector: timestamps become UTC on the way out and fit the column on
the way in.

Databases keep two kinds of timestamp. `TIMESTAMP WITH TIME ZONE` (PostgreSQL's `timestamptz`)
names an instant, and comes back as an aware datetime that only needs converting to UTC. A
timestamp *without* a time zone (PostgreSQL's `timestamp`, and every timestamp in SQLite) is a
wall-clock reading whose zone only the people who wrote it know. Guessing wrong shifts records
by hours without any error, so by default the connector refuses such columns; the setting
`naive_timestamps_are="utc"` declares that the database stores UTC and lets them through.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Column
from sqlalchemy.types import DateTime

from connectors.core.errors import ConfigurationError, ErrorContext, FieldError, ValidationFailed
from connectors.core.records import to_utc
from connectors.sql.errors import CONNECTOR

NaiveTimestamps = Literal["utc", "refuse"]


def naive_refused(where: str, *, operation: str) -> ConfigurationError:
    """The error for a timestamp without a time zone while the setting says to refuse them."""
    return ConfigurationError(
        f"{where} holds timestamps without a time zone, and the connector will not guess which "
        "zone they are in; if the database stores UTC, set naive_timestamps_are='utc' in the "
        "SQL settings (better: make the column TIMESTAMP WITH TIME ZONE)",
        context=ErrorContext(connector=CONNECTOR, method=operation),
    )


def from_database(value: Any, *, where: str, naive: NaiveTimestamps, operation: str) -> Any:
    """A value read from column `where` (`table.column`), with timestamps as aware UTC."""
    if not isinstance(value, datetime):
        return value
    if value.tzinfo is None or value.utcoffset() is None:
        if naive == "refuse":
            raise naive_refused(where, operation=operation)
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def to_database(value: Any, column: Column[Any], *, naive: NaiveTimestamps, operation: str,
                field: str) -> Any:
    """A value to write to (or compare with) `column`.

    Timestamps are accepted as aware datetimes, ISO 8601 text with an offset, or epoch
    seconds/milliseconds, and sent as UTC: aware for a column with a time zone, naive UTC for
    one without (when the setting allows it). Other values go to the driver unchanged: the
    database knows its types best and its refusal is reported as `ValidationFailed`.
    """
    if value is None or not isinstance(column.type, DateTime):
        return value
    try:
        moment = to_utc(value)
    except ValueError as exc:
        raise ValidationFailed(
            f"not a timestamp for column {column.name!r}",
            context=ErrorContext(connector=CONNECTOR, method=operation),
            field_errors=[FieldError(field, str(exc))],
        ) from None
    if column.type.timezone:
        return moment
    if naive == "refuse":
        raise naive_refused(f"column {column.table.name}.{column.name}", operation=operation)
    return moment.replace(tzinfo=None)
