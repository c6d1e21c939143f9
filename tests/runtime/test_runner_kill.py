"""A runner SIGKILLed mid-run: its child stops, its lease expires, another runner takes the flow
over and finishes it from the ledger — every contact posted to Slack once, or held in doubt."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from huey import MemoryHuey
from sqlalchemy.orm import Session, sessionmaker

from connectors.core.serving import serve_on_loopback
from connectors.core.simulator import FaultPlan
from connectors.hubspot.simulator import HubSpotSimulator
from connectors.slack.simulator import SlackSimulator
from connectors.slack.throttle import SlackLimits
from flowkit.runtime.service.runner import RunnerService, RunnerSettings
from flowkit.runtime.service.versions import Versions
from tests.runtime.conftest import REPOSITORY
from tests.runtime.support import assert_posted_once_or_in_doubt, write_secrets

FLOW = "hubspot-contacts-to-slack"
CONTACTS = 30
LEASE_S = 2.0
RUNNER = """
import sys
from pathlib import Path
from huey import MemoryHuey
from flowkit.runtime.service.runner import RunnerService, RunnerSettings
from flowkit.runtime.service.versions import Versions
from flowkit.runtime.store import open_store
data, remote, store, secrets = Path(sys.argv[1]), sys.argv[2], sys.argv[3], Path(sys.argv[4])
versions = Versions(data, remote, "main", open_store(store), gate=lambda root: [])
service = RunnerService(MemoryHuey(immediate=True), versions, RunnerSettings(
    data_dir=data, database_url=store, secrets_file=secrets, poll=None, lease_s=2.0))
service.refresh()
service.run_flow("hubspot-contacts-to-slack")
"""


def _remote(tmp_path: Path) -> Path:
    root = tmp_path / "remote"
    shutil.copytree(REPOSITORY / "flows" / "hubspot_contacts_to_slack",
                    root / "flows" / "hubspot_contacts_to_slack",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (root / "flows" / "__init__.py").write_text("")
    for arguments in (["init", "-q", "-b", "main"], ["add", "-A"],
                      ["-c", "user.name=dev", "-c", "user.email=dev@example.com", "commit", "-q",
                       "-m", "the flow"]):
        subprocess.run(["git", *arguments], cwd=root, check=True, capture_output=True,
                       timeout=60)
    return root


def test_a_killed_runners_flow_is_finished_by_another_and_nothing_is_posted_twice(
        tmp_path: Path, store_url: str, sessions: sessionmaker[Session]) -> None:
    crm = HubSpotSimulator(contacts=CONTACTS)
    slack = SlackSimulator(channels=1, limits=SlackLimits(posts_per_channel_per_second=1000))
    channel = slack.add_channel("sales")
    slack.faults = FaultPlan(latency_s=0.1)
    remote, data = _remote(tmp_path), tmp_path / "data"
    with serve_on_loopback(crm.app) as crm_url, serve_on_loopback(slack.app) as slack_url:
        secrets = tmp_path / "secrets.yaml"
        write_secrets(secrets, hubspot=crm.settings(crm_url),
                      slack=slack.settings(slack_url))
        killed = subprocess.Popen(
            [sys.executable, "-c", RUNNER, str(data), str(remote), store_url, str(secrets)],
            cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPOSITORY)},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while len(slack.posted(channel)) < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        killed.send_signal(signal.SIGKILL)
        killed.wait(timeout=10)
        posted_at_kill = len(slack.posted(channel))
        time.sleep(1.5)  # the orphaned child notices and stops
        settled = len(slack.posted(channel))
        time.sleep(0.5)
        assert len(slack.posted(channel)) == settled, "the killed runner's child went on"

        slack.faults = FaultPlan()
        survivor = RunnerService(MemoryHuey(immediate=True),
                                 Versions(data, str(remote), "main", sessions,
                                          gate=lambda root: []),
                                 RunnerSettings(data_dir=data, database_url=store_url,
                                                secrets_file=secrets, poll=None,
                                                lease_s=LEASE_S))
        survivor.refresh()
        result = None
        deadline = time.monotonic() + LEASE_S * 10
        while result is None and time.monotonic() < deadline:
            result = survivor.run_flow(FLOW)  # skipped while the dead runner's lease lives
            time.sleep(0.2)

    assert 5 <= posted_at_kill < CONTACTS, "the kill must land half-way"
    assert result is not None
    assert result.error is None, result.error
    assert_posted_once_or_in_doubt(slack, channel, CONTACTS, result.counts.get("in_doubt", 0))
