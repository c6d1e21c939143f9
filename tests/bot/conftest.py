"""A new database for each test of the app's store, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.databases import new_database


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new, empty database: a SQLite file, or one made on the test PostgreSQL server."""
    server = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    with new_database(request.param, tmp_path, server) as url:
        yield url
