"""`flowbot db upgrade` as an operator runs it (the installed script, in a subprocess): one
line per migration applied, one per store, a second run that does nothing, and the settings
`flowbot serve` reads when no URL is given."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from typer.testing import CliRunner

from bot.cli import app
from bot.store import HISTORY
from flowkit.runtime.store import HISTORY as RUNTIME_HISTORY
from tests.support.databases import RELEASES, load_snapshot, new_database, schema_differences

FLOWBOT = Path(sys.executable).parent / "flowbot"


def _flowbot(*arguments: str, cwd: Path,
             env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {"PATH": os.environ["PATH"], "HOME": str(cwd), **(env or {})}
    return subprocess.run([str(FLOWBOT), *arguments], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=120, check=False)


def test_help_says_what_it_does_and_what_each_option_means() -> None:
    shown = CliRunner().invoke(app, ["db", "upgrade", "--help"], terminal_width=200)

    assert shown.exit_code == 0, shown.output
    assert "Apply the migrations each store lacks" in shown.output
    for option in ("--database", "--runtime-database", "--only"):
        assert option in shown.output


def test_it_upgrades_an_earlier_releases_stores_and_then_has_nothing_to_do(
        database: str, tmp_path: Path) -> None:
    with new_database("sqlite", tmp_path, None) as runtime:
        load_snapshot(database, RELEASES[0], "app")
        load_snapshot(runtime, RELEASES[0], "runtime")
        urls = ("--database", database, "--runtime-database", runtime)

        first = _flowbot("db", "upgrade", *urls, cwd=tmp_path)
        second = _flowbot("db", "upgrade", *urls, cwd=tmp_path)

        assert first.returncode == 0, first.stderr
        assert first.stdout.splitlines() == [
            "app store: checking",
            "  applying 0002: Jobs keep their work record: model, prompt version, gate "
            "attempts, tokens and cost.",
            "  applying 0003: The repositories the app is installed on, kept in step by "
            "installation events.",
            "  applying 0004: Approvals: issues someone with write access asked for work on.",
            "  applying 0005: Job leases in flowbot_job_leases, not flowbot_leases: that name "
            "is the runtime store's.",
            "app store: 0001 (recognised from its tables) -> 0005, 4 migration(s)",
            "runtime store: checking",
            "  applying 0002: The runner service's deployments: each default-branch commit "
            "checked, and its verdict.",
            "  applying 0003: The flow-failure issue of each flow and failure signature, with "
            "its occurrence count.",
            "  applying 0004: Flow leases: which runner runs a flow now, until when.",
            "runtime store: 0001 (recognised from its tables) -> 0004, 3 migration(s)"]
        assert (second.returncode, second.stdout.splitlines()) == (0, [
            "app store: checking", "app store: at 0005, nothing to do",
            "runtime store: checking", "runtime store: at 0004, nothing to do"])
        assert schema_differences(database, HISTORY) == []
        assert schema_differences(runtime, RUNTIME_HISTORY) == []


def test_without_urls_it_upgrades_the_stores_the_settings_name(tmp_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode()
    data = tmp_path / "data"
    settings = {"GITHUB_APP_ID": "1", "GITHUB_PRIVATE_KEY": key,  # a runner's host: no
                "FLOWBOT_DATA_DIR": str(data)}  # webhook secret, which only the web server needs

    done = _flowbot("db", "upgrade", "--only", "runtime", cwd=tmp_path, env=settings)

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "runtime store: created -> 0004, 4 migration(s)"
    assert sorted(path.name for path in data.iterdir()) == ["runtime.sqlite3"]


def test_without_urls_or_settings_it_says_what_to_give(tmp_path: Path) -> None:
    refused = _flowbot("db", "upgrade", cwd=tmp_path)

    assert refused.returncode == 2
    assert refused.stdout == ""
    assert refused.stderr.startswith("flowbot: cannot start: GITHUB_APP_ID: Field required")
    assert refused.stderr.endswith("; or name the stores with --database and "
                                   "--runtime-database\n")


@pytest.mark.parametrize("store", ["app", "runtime"])
def test_a_sqlite_path_that_cannot_hold_a_database_is_one_line_not_a_traceback(
        store: str, tmp_path: Path) -> None:
    in_the_way = tmp_path / "a-file"
    in_the_way.write_text("not a folder\n")
    for path in (tmp_path, in_the_way / "data" / "flowbot.sqlite3"):
        url = f"sqlite:///{path}"

        refused = _flowbot("db", "upgrade", "--only", store, "--database", url,
                           "--runtime-database", url, cwd=tmp_path)

        assert refused.returncode == 2, refused.stderr
        assert refused.stderr.startswith(f"flowbot: the SQLite database {path} cannot be "
                                         "made there ("), refused.stderr
        assert refused.stderr.endswith("; give the path of a file in a folder flowbot may "
                                       "write: sqlite:///path/to/flowbot.sqlite3\n")
        assert len(refused.stderr.splitlines()) == 1


@pytest.mark.parametrize(("store", "option"), [("app", "--database"),
                                               ("runtime", "--runtime-database")])
def test_a_mistake_names_the_option_of_the_store_it_is_in(store: str, option: str,
                                                         tmp_path: Path) -> None:
    for url, says in (("mysql://u:hunter2@db/flowbot", f"{option} names the database 'mysql'"),
                      ("postgresql://u:hunter2@127.0.0.1:1/flowbot",
                       f"cannot use the {store} store's database (")):
        refused = _flowbot("db", "upgrade", "--only", store, option, url, cwd=tmp_path)

        assert refused.returncode == 2, refused.stderr
        assert refused.stderr.startswith(f"flowbot: {says}"), refused.stderr
        assert "hunter2" not in refused.stderr
        assert len(refused.stderr.splitlines()) == 1
    assert refused.stderr.endswith(f"check that it runs and that {option} points at it\n")
