"""What the SQL connector hands to flows: rows, upsert counts, and a table's shape.

A database table has no fixed schema the catalog could name in advance, so `Row` keeps every
column as an extra field. The values are normalised the way every connector normalises them:
timestamps as timezone-aware UTC datetimes, exact numbers as `Decimal` (never floats).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from connectors.core.records import Record


class Row(Record):
    """One row of a table: each column is a field (`row.email`, or `row["order id"]`).

    Timestamps are timezone-aware UTC datetimes, NUMERIC values stay `Decimal`, other values are
    what the database driver returns (int, str, bool, bytes, date, dict for JSON…).
    """

    fields_known_at_run_time: ClassVar[bool] = True

    if TYPE_CHECKING:
        # Columns are only known at run time: tell type checkers (and flows checked by them)
        # that any attribute is a column of unknown type. At run time pydantic serves them.
        def __getattr__(self, column: str) -> Any: ...

    def __getitem__(self, column: str) -> Any:
        """The value of `column`, for names that are not Python identifiers or clash with a
        method of the model (`row["order id"]`, `row["json"]`)."""
        extra = self.model_extra or {}
        if column not in extra:
            raise KeyError(f"the row has no column {column!r}; its columns are: "
                           f"{', '.join(extra) or '(none)'}")
        return extra[column]


class UpsertResult(BaseModel):
    """How many rows an upsert inserted, changed, and found already up to date."""

    model_config = ConfigDict(frozen=True)

    inserted: int
    """Rows whose key was not in the table: created."""
    updated: int
    """Rows whose key was in the table with different values: changed."""
    unchanged: int
    """Rows whose key was in the table with the same values: not written at all."""


class ColumnInfo(BaseModel):
    """One column of a table, as the database describes it."""

    model_config = ConfigDict(frozen=True)

    name: str
    type: str
    """The column's SQL type in the database's own spelling (`TIMESTAMP WITH TIME ZONE`)."""
    nullable: bool
    primary_key: bool


class TableInfo(BaseModel):
    """A table's columns and the keys an upsert or `get` can use."""

    model_config = ConfigDict(frozen=True)

    name: str
    columns: list[ColumnInfo]
    primary_key: list[str]
    """The primary key's columns (empty if the table has none)."""
    unique_keys: list[list[str]]
    """Every set of columns the table keeps unique: the primary key first, then unique
    constraints and unique indexes. These are the valid `key=` arguments of `upsert` and `get`."""
