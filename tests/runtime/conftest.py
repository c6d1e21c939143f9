"""Runtime stores on both databases, and a scratch checkout for flows that change."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker

from flowkit.runtime.store import Base, open_store

REPOSITORY = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh runtime store: a SQLite file, or the test PostgreSQL server with no tables."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'runtime.sqlite3'}"
        return
    url: str = request.getfixturevalue("postgres_url")
    engine = create_engine(url)
    Base.metadata.drop_all(engine)
    engine.dispose()
    yield url


@pytest.fixture
def sessions(store_url: str) -> sessionmaker[Session]:
    """Sessions on the fresh store."""
    return open_store(store_url)


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A scratch checkout with the example flows, to change flows in without touching ours."""
    root = tmp_path / "checkout"
    shutil.copytree(REPOSITORY / "flows", root / "flows",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return root
