"""`flowbot runs` and `flowbot failures` as a user reads them: times in UTC that say so, and an
empty store that says it is empty."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flowkit.runtime.store import FailedMessage, Run, RunStatus, open_store
from tests.bot.cli.conftest import Flowbot

STARTED = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)


def _history(url: str) -> None:
    with open_store(url).begin() as session:
        session.add(Run(id="run-1", flow="orders", version="abc123",
                        status=RunStatus.FINISHED.value, counts={"delivered": 2},
                        started_at=STARTED, finished_at=STARTED + timedelta(seconds=1.5)))
        session.add(FailedMessage(flow="orders", version="abc123", run_id="run-1",
                                  packet_key="1001", identity="1001@1", unit="to_deal",
                                  error_type="KeyError", message="'total_price'",
                                  traceback="Traceback …", unit_input={}, packet={},
                                  created_at=STARTED + timedelta(seconds=1)))


def test_times_in_json_carry_their_utc_offset(flowbot: Flowbot, database: str) -> None:
    _history(database)
    env = {"FLOWBOT_RUNTIME_DATABASE_URL": database}

    listed = flowbot("runs", "list", "--json", env=env)
    shown = flowbot("runs", "show", "run-1", "--json", env=env)
    failures = flowbot("failures", "list", "--json", env=env)
    failure = flowbot("failures", "show", "1", "--json", env=env)

    [run] = json.loads(listed.stdout)
    assert (run["started_at"], run["finished_at"]) == ("2026-12-06T03:00:00+00:00",
                                                       "2026-12-06T03:00:01.500000+00:00")
    assert json.loads(shown.stdout)["started_at"] == "2026-12-06T03:00:00+00:00"
    assert json.loads(failures.stdout)[0]["created_at"] == "2026-12-06T03:00:01+00:00"
    assert json.loads(failure.stdout)["created_at"] == "2026-12-06T03:00:01+00:00"


def test_tables_say_their_times_are_utc(flowbot: Flowbot, database: str) -> None:
    _history(database)
    env = {"FLOWBOT_RUNTIME_DATABASE_URL": database, "COLUMNS": "200"}

    listed = flowbot("runs", "list", env=env)
    shown = flowbot("runs", "show", "run-1", env=env)

    assert listed.returncode == 0, listed.stderr
    assert "started (UTC)" in listed.stdout
    assert "2026-12-06 03:00:00" in listed.stdout
    assert "started 2026-12-06 03:00:00 UTC, finished 2026-12-06 03:00:01 UTC (1.5 s)" \
        in shown.stdout


def test_an_empty_store_says_so_in_one_line(flowbot: Flowbot, tmp_path: Path) -> None:
    env = {"FLOWBOT_RUNTIME_DATABASE_URL": f"sqlite:///{tmp_path / 'runtime.sqlite3'}"}

    runs = flowbot("runs", "list", env=env)
    of_a_flow = flowbot("runs", "list", "--flow", "orders", env=env)
    failures = flowbot("failures", "list", env=env)
    as_json = [flowbot(*command, "--json", env=env).stdout
               for command in (["runs", "list"], ["failures", "list"])]

    assert runs.stdout == "no runs yet: `flowbot run FLOW` or the runner makes them\n"
    assert of_a_flow.stdout == ("no runs of orders yet: `flowbot run orders` or the runner "
                                "makes them\n")
    assert failures.stdout == "no failed messages\n"
    assert as_json == ["[]\n", "[]\n"]
