"""Make the snapshots of stores that earlier releases made: `PYTHONPATH=. python
tests/data/stores/make.py` from the checkout (starts its own PostgreSQL).

For each release and store, the release's own store module is read from git at the release's
last commit and its own opener (create_all, as releases before Alembic did) makes the tables in
a fresh SQLite file and a fresh PostgreSQL database; two rows per table are written through the
release's own models; the result is dumped as SQL (`sqlite3 .dump`, `pg_dump --inserts`).
tests/bot/test_migrations.py and tests/runtime/test_store_migrations.py load these and upgrade.
"""

from __future__ import annotations

import importlib.util
import re
import sqlite3
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Boolean, Column, DateTime, Integer, String, Text, create_engine
from sqlalchemy import text as sql

from tests.support import binaries
from tests.support.postgres_server import running_postgres

HERE = Path(__file__).resolve().parent
RELEASES = {"2026-11-23": "fc00ae5", "2026-12-05": "1dab977"}
"""Each release's last commit."""
STORES = {"app": ("bot/store.py", "open_app_store"),
          "runtime": ("flowkit/runtime/store.py", "open_store")}


def _module(commit: str, path: str, name: str) -> Any:
    source = subprocess.run(["git", "show", f"{commit}:{path}"], capture_output=True, text=True,
                            check=True, cwd=HERE).stdout
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as file:
        file.write(source)
    spec = importlib.util.spec_from_file_location(name, file.name)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _value(column: Column[Any], row: int) -> Any:
    for key in column.foreign_keys:
        return _value(key.column, row)
    kind = column.type
    if isinstance(kind, Boolean):
        return row % 2 == 1
    if isinstance(kind, Integer):
        return 1000 + row
    if isinstance(kind, DateTime):
        return datetime(2026, 11, 20, 10, row, tzinfo=UTC)
    if isinstance(kind, JSON):
        return {"column": column.name, "row": row}
    if isinstance(kind, String | Text):
        return f"{column.name}-{row}"
    raise TypeError(f"no sample value for {column}")


def _fill(module: Any, opener: str, url: str) -> None:
    sessions = getattr(module, opener)(url)
    mappers = {mapper.local_table: mapper for mapper in module.Base.registry.mappers}
    for row in (1, 2):
        with sessions.begin() as session:
            for table in module.Base.metadata.sorted_tables:  # referenced rows first
                mapper = mappers[table]
                values = {column.key: _value(column, row) for column in table.columns
                          if not (column.primary_key and column.autoincrement is True)}
                session.add(mapper.class_(**{
                    attribute.key: values[attribute.columns[0].key]
                    for attribute in mapper.column_attrs if attribute.columns[0].key in values}))
                session.flush()


def main() -> None:
    bin_dir = binaries.postgres_bin_dir()
    with running_postgres(bin_dir, "snapshots") as server, tempfile.TemporaryDirectory() as tmp:
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        for release, commit in RELEASES.items():
            for store, (path, opener) in STORES.items():
                module = _module(commit, path, f"snapshot_{store}_{release.replace('-', '_')}")
                folder = HERE / release
                folder.mkdir(exist_ok=True)
                sqlite_path = Path(tmp) / f"{store}-{release}.sqlite3"
                _fill(module, opener, f"sqlite:///{sqlite_path}")
                with sqlite3.connect(sqlite_path) as connection:
                    dump = "\n".join(connection.iterdump())
                (folder / f"{store}.sqlite.sql").write_text(dump + "\n")
                database = f"{store}_{release.replace('-', '_')}"
                with admin.connect() as connection:
                    connection.execute(sql(f'CREATE DATABASE "{database}"'))
                url = server.rsplit("/", 1)[0] + f"/{database}"
                _fill(module, opener, url)
                dumped = subprocess.run(
                    [str(bin_dir / "pg_dump"), "--no-owner", "--no-privileges", "--inserts",
                     f"--dbname={url.replace('+psycopg', '')}"],
                    capture_output=True, text=True, check=True).stdout
                lines = [line for line in dumped.splitlines()
                         if not line.startswith("\\") and not line.startswith("--")]
                (folder / f"{store}.postgresql.sql").write_text(
                    re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n")
        admin.dispose()


if __name__ == "__main__":
    main()
