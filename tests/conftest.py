"""Session-scoped fixtures that start the real servers the tests talk to.

Each server starts on the first test that asks for it, from its own binary, on a free
127.0.0.1 port in a fresh temp dir, and is stopped (its files removed) when the session
ends. One server of each kind serves the whole session, so tests must not rely on an
empty database: use names of their own, or clean up.

- `postgres_url`: SQLAlchemy URL of a PostgreSQL server (the newest installed major
  version; 15 on Debian 12) with an empty database `flowbot_test`, superuser `postgres`,
  trust auth: `postgresql+psycopg://postgres@127.0.0.1:PORT/flowbot_test`.
- `redis_url`: `redis://127.0.0.1:PORT/0` of a redis-server with persistence off.
- `bwrap_path`: the `bwrap` (bubblewrap) binary, as a `Path`.
- `wrk_path`: the `wrk` HTTP load generator the webhook benchmark drives, as a `Path`.
- `installed_wheel`: flowbot's wheel, built from this checkout, and a fresh virtualenv with
  it installed (no extras), made once per run for all of pytest-xdist's workers.

Markers are automatic: a test that uses one of these fixtures, directly or through
another fixture, is marked `postgres`, `redis` or `sandbox`, so `pytest -m "not postgres"`
leaves it out. There is no need to mark by hand.

A missing binary skips the test with a reason that says `make test` installs it; when the
CI environment variable is set it fails the test instead (see `tests.support.availability`).
"""

import signal
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import pytest

from bot.doubles.github.keys import new_app_key
from tests.support import binaries
from tests.support.availability import require
from tests.support.databases import new_database
from tests.support.postgres_server import running_postgres
from tests.support.redis_server import running_redis
from tests.support.wheel import InstalledWheel, install_once

TEST_DATABASE = "flowbot_test"

_MARKER_OF_FIXTURE = {"postgres_url": "postgres", "redis_url": "redis", "bwrap_path": "sandbox"}


def pytest_configure() -> None:
    """Treat SIGTERM like Ctrl-C, so that a killed run still stops its servers.

    A CI time-out or a cancelled job ends pytest with SIGTERM, which by default kills it
    on the spot and leaves PostgreSQL and Redis running (they are daemons in their own
    sessions). As KeyboardInterrupt, pytest unwinds and tears the fixtures down.
    """
    signal.signal(signal.SIGTERM, _interrupt)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test with the markers of the server fixtures it uses."""
    for item in items:
        if not isinstance(item, pytest.Function):
            continue
        for fixture, marker in _MARKER_OF_FIXTURE.items():
            if fixture in item.fixturenames:
                item.add_marker(marker)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """SQLAlchemy URL of the session's PostgreSQL database (see the module docstring)."""
    with running_postgres(require(binaries.postgres_bin_dir), TEST_DATABASE) as url:
        yield url


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """URL of the session's Redis server (see the module docstring)."""
    with running_redis(require(binaries.redis_server)) as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new, empty database: a SQLite file, or one made on the test PostgreSQL server."""
    server = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    with new_database(request.param, tmp_path, server) as url:
        yield url


@pytest.fixture(scope="session")
def app_key() -> str:
    """A GitHub App private key (PEM) for the session's simulated GitHubs."""
    return new_app_key()


@pytest.fixture(scope="session")
def bwrap_path() -> Path:
    """Path of the `bwrap` binary the sandbox runs generated code under."""
    return require(binaries.bwrap)


@pytest.fixture(scope="session")
def wrk_path() -> Path:
    """Path of `wrk`, which benchmarks/webhooks.py sends its load with."""
    return require(binaries.wrk)


@pytest.fixture(scope="session")
def installed_wheel(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> InstalledWheel:
    """flowbot's wheel and a virtualenv holding it; read-only for the tests that use it."""
    base = tmp_path_factory.getbasetemp()
    return install_once(base if worker_id == "master" else base.parent)
