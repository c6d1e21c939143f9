"""The test servers are real and configured as promised; a missing one never passes silently."""

import subprocess
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa

from tests.support.availability import require
from tests.support.errors import MissingBinaryError


def test_postgres_runs_queries_in_the_test_database(postgres_url: str) -> None:
    engine = sa.create_engine(postgres_url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TEMPORARY TABLE probe (n integer)"))
            conn.execute(sa.text("INSERT INTO probe VALUES (20), (22)"))
            total = conn.execute(sa.text("SELECT sum(n) FROM probe")).scalar_one()
            database = conn.execute(sa.text("SELECT current_database()")).scalar_one()
            version = conn.execute(sa.text("SHOW server_version_num")).scalar_one()
            listening = conn.execute(sa.text("SHOW listen_addresses")).scalar_one()
    finally:
        engine.dispose()
    assert total == 42
    assert database == "flowbot_test"
    assert int(version) >= 150000
    assert listening == "127.0.0.1"


def test_redis_answers_ping_and_keeps_nothing_on_disk(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    try:
        assert client.ping() is True
        assert client.config_get("save") == {"save": ""}
        assert client.config_get("appendonly") == {"appendonly": "no"}
    finally:
        client.close()


def test_bwrap_runs_a_command_in_a_sandbox(bwrap_path: Path) -> None:
    done = subprocess.run(
        [str(bwrap_path), "--ro-bind", "/", "/", "--unshare-all", "--die-with-parent", "true"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr


def test_bwrap_sandbox_has_only_loopback_network(bwrap_path: Path) -> None:
    done = subprocess.run(
        [
            *(str(bwrap_path), "--ro-bind", "/", "/", "--proc", "/proc"),
            *("--unshare-all", "--die-with-parent", "cat", "/proc/net/dev"),
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    interfaces = {line.split(":")[0].strip() for line in done.stdout.splitlines() if ":" in line}
    assert interfaces == {"lo"}


def _missing() -> Path:
    raise MissingBinaryError("`nothing-here`", "on PATH", "nothing-here")


def test_a_missing_binary_skips_outside_ci_and_says_make_test_installs_it() -> None:
    with pytest.raises(pytest.skip.Exception, match="`make test` installs it"):
        require(_missing, environ={})


@pytest.mark.parametrize("value", ["true", "1", "yes"])
def test_a_missing_binary_fails_in_ci(value: str) -> None:
    with pytest.raises(pytest.fail.Exception, match="CI is set"):
        require(_missing, environ={"CI": value})


def test_a_found_binary_is_returned() -> None:
    assert require(lambda: Path("/bin/sh"), environ={"CI": "true"}) == Path("/bin/sh")
