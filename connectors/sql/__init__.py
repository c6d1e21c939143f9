"""SQL databases (SQLite, PostgreSQL): incremental reads and upserts through SQLAlchemy Core."""

from connectors.sql.client import SqlDatabase, SqlSettings, TablesResource
from connectors.sql.records import ColumnInfo, Row, TableInfo, UpsertResult

__all__ = [
    "ColumnInfo",
    "Row",
    "SqlDatabase",
    "SqlSettings",
    "TableInfo",
    "TablesResource",
    "UpsertResult",
]
