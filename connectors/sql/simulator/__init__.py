"""The SQL connector's test double: a real, throwaway SQLite database, and synthetic rows."""

from connectors.sql.simulator.database import SqlSimulator

__all__ = ["SqlSimulator"]
