"""A real SQLite database for flow tests, standing where the other connectors' simulators stand.

The SQL connector talks to a database, not to a vendor's API, so nothing needs simulating: a
flow's tests get a fresh SQLite file in a private temporary folder, create the tables the flow
expects, seed rows, run the flow, and read back what it wrote. Flow tests may not import
SQLAlchemy or sqlite3 themselves (the gate's import rules), so this class is their way in.

```python
db = story.simulator(SqlSimulator)
db.create_table("customers", {"id": "integer", "email": "text", "updated_at": "timestamp"},
                key=["id"])
db.insert("customers", {"id": 1, "email": "ada@example.com", "updated_at": "2026-11-02T10:00Z"})
```
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import sqlalchemy as sa
from pydantic import SecretStr

from connectors.core.clock import SYSTEM_CLOCK, Clock
from connectors.core.connector import Connector
from connectors.sql.client import SqlDatabase, SqlSettings

COLUMN_TYPES: dict[str, Any] = {
    "integer": sa.Integer, "text": sa.Text, "real": sa.Float, "numeric": sa.Numeric(18, 6),
    "boolean": sa.Boolean, "date": sa.Date, "timestamp": sa.DateTime(timezone=True),
    "json": sa.JSON,
}
"""The column types a test may ask for, by the names a person would use."""


class SqlSimulator:
    """A fresh SQLite database in a temporary folder, with a connector to it (timestamps read as
    UTC, since SQLite keeps no time zone)."""

    connector_class: ClassVar[type[Connector]] = SqlDatabase

    def __init__(self, *, seed: int = 0, clock: Clock | None = None) -> None:
        """`seed` and `clock` are accepted so every simulator is built alike; a database needs
        neither."""
        self._folder = Path(tempfile.mkdtemp(prefix="flowbot-sql-"))
        self.url = f"sqlite:///{self._folder / 'flow-test.db'}"
        self._engine = sa.create_engine(self.url)
        self._metadata = sa.MetaData()

    def create_table(self, name: str, columns: Mapping[str, str], *,
                     key: Sequence[str]) -> None:
        """Create table `name` with `columns` (column → one of COLUMN_TYPES) and primary key
        `key`."""
        unknown = sorted(set(columns.values()) - set(COLUMN_TYPES))
        if unknown:
            raise ValueError(f"unknown column types {', '.join(unknown)}; use "
                             f"{', '.join(COLUMN_TYPES)}")
        missing = [column for column in key if column not in columns]
        if not key or missing:
            raise ValueError(f"the key must name columns of the table; {missing or key} "
                             "does not")
        table = sa.Table(name, self._metadata, *(
            sa.Column(column, COLUMN_TYPES[kind], primary_key=column in key,
                      autoincrement=False) for column, kind in columns.items()))
        table.create(self._engine)

    def insert(self, table: str, *rows: Mapping[str, Any]) -> None:
        """Insert rows; ISO 8601 text is accepted for timestamp and date columns."""
        definition = self._metadata.tables[table]
        with self._engine.begin() as connection:
            connection.execute(definition.insert(), [self._typed(definition, row)
                                                     for row in rows])

    def rows(self, table: str) -> list[dict[str, Any]]:
        """Every row of `table`, in key order, timestamps as UTC datetimes."""
        definition = self._metadata.tables[table]
        with self._engine.connect() as connection:
            result = connection.execute(
                definition.select().order_by(*definition.primary_key.columns))
            return [{column: value.replace(tzinfo=UTC) if isinstance(value, datetime)
                     and value.tzinfo is None else value
                     for column, value in row._mapping.items()} for row in result]

    def count(self, table: str) -> int:
        """How many rows `table` has."""
        with self._engine.connect() as connection:
            return int(connection.scalar(
                sa.select(sa.func.count()).select_from(self._metadata.tables[table])) or 0)

    def connect(self, base_url: str | None = None, *, clock: Clock | None = None) -> SqlDatabase:
        """A connector to this database."""
        settings = SqlSettings(url=SecretStr(self.url), naive_timestamps_are="utc")
        return SqlDatabase(settings, clock=clock or SYSTEM_CLOCK)

    def close(self) -> None:
        """Drop the database."""
        self._engine.dispose()
        shutil.rmtree(self._folder, ignore_errors=True)

    @staticmethod
    def _typed(definition: sa.Table, row: Mapping[str, Any]) -> dict[str, Any]:
        typed = dict(row)
        for column, value in row.items():
            kind = definition.c[column].type
            if isinstance(value, str) and isinstance(kind, sa.DateTime | sa.Date):
                moment = datetime.fromisoformat(value)
                typed[column] = moment if isinstance(kind, sa.DateTime) else moment.date()
        return typed
