"""The commands that read the runtime's store (`runs`, `failures`) find the store the runner
writes: FLOWBOT_RUNTIME_DATABASE_URL before FLOWBOT_DATABASE_URL, which on a server names the
app's store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from bot.store import upgrade_app_store
from flowkit.runtime.store import FailedMessage, Run, RunStatus, open_store
from tests.bot.cli.conftest import Flowbot


def test_runs_and_failures_read_the_runners_store_not_the_apps(
        flowbot: Flowbot, tmp_path: Path) -> None:
    app_store = f"sqlite:///{tmp_path / 'app.sqlite3'}"
    runtime_store = f"sqlite:///{tmp_path / 'runtime.sqlite3'}"
    upgrade_app_store(app_store)
    with open_store(runtime_store).begin() as session:
        session.add(Run(id="run-1", flow="orders", version="abc123",
                        status=RunStatus.FINISHED.value, counts={"failed": 1}))
        session.add(FailedMessage(flow="orders", version="abc123", run_id="run-1",
                                  packet_key="1001", identity="1001@1", unit="to_deal",
                                  error_type="KeyError", message="'total_price'",
                                  traceback="Traceback …", unit_input={}, packet={}))
    settings = {"FLOWBOT_DATABASE_URL": app_store, "FLOWBOT_RUNTIME_DATABASE_URL": runtime_store}

    runs = flowbot("runs", "list", "--json", env=settings)
    failures = flowbot("failures", "list", "--json", env=settings)

    assert runs.returncode == 0, runs.stderr
    assert [run["id"] for run in json.loads(runs.stdout)] == ["run-1"]
    assert failures.returncode == 0, failures.stderr
    assert [failure["flow"] for failure in json.loads(failures.stdout)] == ["orders"]
    engine = create_engine(app_store)
    try:
        assert "flowbot_runs" not in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_without_the_runners_setting_they_read_flowbot_database_url(
        flowbot: Flowbot, tmp_path: Path) -> None:
    runtime_store = f"sqlite:///{tmp_path / 'runtime.sqlite3'}"
    with open_store(runtime_store).begin() as session:
        session.add(Run(id="run-2", flow="orders", version="abc123"))

    runs = flowbot("runs", "list", "--json", env={"FLOWBOT_DATABASE_URL": runtime_store})

    assert runs.returncode == 0, runs.stderr
    assert [run["id"] for run in json.loads(runs.stdout)] == ["run-2"]


@pytest.mark.parametrize(("command", "said"), [
    (["runs", "show", "nope"], "flowbot: no run nope (see `flowbot runs list`)"),
    (["failures", "show", "7"], "flowbot: no failed message 7 (see `flowbot failures list`)"),
    (["failures", "report", "7", "--repo", "acme/integrations"],
     "flowbot: no failed message 7 (see `flowbot failures list`)"),
])
def test_an_id_not_in_the_store_is_one_line_on_stderr(flowbot: Flowbot, command: list[str],
                                                      said: str) -> None:
    result = flowbot(*command, "--json")

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == said + "\n"


def test_without_a_url_they_read_the_sqlite_store_in_the_data_dir(
        flowbot: Flowbot, tmp_path: Path) -> None:
    data = tmp_path / "runner-data"
    with open_store(f"sqlite:///{data / 'runtime.sqlite3'}").begin() as session:
        session.add(Run(id="run-3", flow="orders", version="abc123"))

    runs = flowbot("runs", "list", "--json", env={"FLOWBOT_DATA_DIR": str(data)})

    assert runs.returncode == 0, runs.stderr
    assert [run["id"] for run in json.loads(runs.stdout)] == ["run-3"]
    assert not (tmp_path / ".flowbot").exists()
