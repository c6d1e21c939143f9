"""Run a throw-away PostgreSQL server for the tests, listening on 127.0.0.1 only.

Why not pytest-postgresql: it runs `pg_ctl initdb` and the server as the current user,
with the data in pytest's temp tree; PostgreSQL refuses to run as root, and our machines
and CI run as root. This module runs the same steps (initdb, `pg_ctl start --wait`,
`pg_ctl stop`) as the `postgres` system account when we are root, as ourselves otherwise,
in a temp dir that account owns. Durability is off (fsync, full-page writes): the data
dies with the test session anyway.
"""

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql

from .errors import ServerError
from .ports import LOOPBACK, free_loopback_port

SUPERUSER = "postgres"
"""The database superuser initdb creates; local trust auth, so it has no password."""

_SERVER_ACCOUNT = "postgres"  # the system account Debian's package creates
_TIMEOUT_S = 60
# Trust auth: loopback only, no secrets; C locale: the same on every machine; no fsync:
# the data dies with the session.
_INITDB_OPTIONS: tuple[str, ...] = (f"--username={SUPERUSER}", "--auth=trust", "--locale=C")
_INITDB_OPTIONS += ("--encoding=UTF8", "--no-sync", "--no-instructions")
_SERVER_SETTINGS = ("fsync=off", "full_page_writes=off", "synchronous_commit=off")


@contextmanager
def running_postgres(bin_dir: Path, database: str) -> Iterator[str]:
    """Start a fresh server with `database` created, yield its SQLAlchemy URL, then stop it.

    `bin_dir` holds `initdb` and `pg_ctl` (see `tests.support.binaries.postgres_bin_dir`).
    The URL names the psycopg 3 driver: `postgresql+psycopg://postgres@127.0.0.1:PORT/DB`.
    """
    with tempfile.TemporaryDirectory(prefix="flowbot-postgres-") as tmp:
        root = Path(tmp)
        if _as_root():
            shutil.chown(root, user=_SERVER_ACCOUNT)
        data, log, port = root / "data", root / "server.log", free_loopback_port()
        pg_ctl = (str(bin_dir / "pg_ctl"), f"--pgdata={data}", "--wait", f"--timeout={_TIMEOUT_S}")
        try:
            _run([str(bin_dir / "initdb"), f"--pgdata={data}", *_INITDB_OPTIONS], root, log)
            server = f"--options={_server_options(port, root)}"
            _run([*pg_ctl, f"--log={log}", server, "start"], root, log)
            _create_database(port, database)
            yield f"postgresql+psycopg://{SUPERUSER}@{LOOPBACK}:{port}/{database}"
        finally:
            if (data / "postmaster.pid").exists():
                _run([*pg_ctl, "--mode=fast", "stop"], root, log)


def _server_options(port: int, socket_dir: Path) -> str:
    """Command-line settings for the server: loopback only, its socket in our temp dir."""
    settings = [f"listen_addresses={LOOPBACK}", f"port={port}"]
    settings += [f"unix_socket_directories={socket_dir}", *_SERVER_SETTINGS]
    return " ".join(f"-c {setting}" for setting in settings)


def _as_root() -> bool:
    return os.geteuid() == 0


def _run(argv: list[str], cwd: Path, log: Path) -> None:
    """Run one PostgreSQL program (as the server account when root); raise with its output."""
    if _as_root():
        argv = ["runuser", "-u", _SERVER_ACCOUNT, "--", *argv]
    try:
        subprocess.run(
            argv,
            cwd=cwd,
            env={**os.environ, "LC_ALL": "C"},
            check=True,
            capture_output=True,
            text=True,
            timeout=_TIMEOUT_S + 10,
        )
    except subprocess.CalledProcessError as exc:
        raise _failure(argv, str(exc), f"{exc.stdout}{exc.stderr}", log) from exc
    except subprocess.TimeoutExpired as exc:
        raise _failure(argv, str(exc), "(cut off by the time-out)", log) from exc


def _failure(argv: list[str], reason: str, output: str, log: Path) -> ServerError:
    server_log = log.read_text(errors="replace")[-4000:] if log.exists() else "(none)"
    return ServerError(
        f"{' '.join(argv)}: {reason}\n--- its output ---\n{output}\n"
        f"--- server log (tail) ---\n{server_log}"
    )


def _create_database(port: int, database: str) -> None:
    with psycopg.connect(
        host=LOOPBACK, port=port, user=SUPERUSER, dbname="postgres", autocommit=True
    ) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
