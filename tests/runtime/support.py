"""What the runner's tests share: git work on a scratch remote, the secrets file an operator
writes for the runner (one section per connector, the secrets in plain text), and the demo's
flow as merged and its two vendors, served by their simulators."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import yaml
from huey import RedisHuey
from pydantic import BaseModel, SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.cli.runner import QUEUE_NAME
from bot.demo.world import SCENARIO
from connectors.core.simulator import FaultPlan
from connectors.hubspot.simulator import HubSpotSimulator
from connectors.slack.simulator import SlackSimulator
from connectors.slack.throttle import SlackLimits
from flowkit.runtime.service.runner import RunnerService, RunnerSettings
from flowkit.runtime.service.versions import Versions
from flowkit.runtime.store import Run, RunStatus


def crm_and_slow_slack(contacts: int) -> tuple[HubSpotSimulator, SlackSimulator, str]:
    """The demo flow's two vendors: a CRM holding `contacts` and a Slack whose one channel,
    #sales (its id is the third value), answers each post 0.1 s late, so that a run lasts long
    enough to be stopped or killed mid-way."""
    crm = HubSpotSimulator(contacts=contacts)
    slack = SlackSimulator(channels=1, limits=SlackLimits(posts_per_channel_per_second=1000))
    channel = slack.add_channel("sales")
    slack.faults = FaultPlan(latency_s=0.1)
    return crm, slack, channel


def assert_posted_once_or_in_doubt(slack: SlackSimulator, channel: str, contacts: int,
                                   in_doubt: int) -> None:
    """What a runner stopped or killed mid-run may leave of a run that posts `contacts`
    contacts to Slack (a sink that is not idempotent): no contact posted twice; at most one
    claimed batch (the child's concurrency, 4) in doubt; every contact not posted is one of
    those. An in-doubt contact may or may not have reached Slack: the kill can land before
    the batch's posts were sent or after."""
    texts = [message["text"] for message in slack.posted(channel)]
    assert len(texts) == len(set(texts)), "a contact was posted twice"
    assert all(count == 1 for count in slack.stats.writes.values())
    assert in_doubt <= 4
    assert contacts - in_doubt <= len(texts) <= contacts


def git(*arguments: str, cwd: Path) -> str:
    """Run git in `cwd`; its output."""
    return subprocess.run(["git", *arguments], cwd=cwd, check=True, capture_output=True,
                          text=True, timeout=60).stdout.strip()


def commit(remote: Path, message: str) -> str:
    """Commit everything in the working tree of `remote` as a developer; the new commit."""
    git("add", "-A", cwd=remote)
    git("-c", "user.name=dev", "-c", "user.email=dev@example.com", "commit", "-q", "-m", message,
        cwd=remote)
    return git("rev-parse", "HEAD", cwd=remote)


def write_merged_flow(folder: Path) -> None:
    """The demo's Stripe-to-HubSpot flow as merged — the version that fails on a customer with
    a one-word name — written into the flow folder `folder`."""
    (folder / "fixtures").mkdir(parents=True)
    (folder / "__init__.py").write_text("")
    shutil.copy2(SCENARIO / "spec_revised.yaml", folder / "spec.yaml")
    shutil.copy2(SCENARIO / "flow_revised.py", folder / "flow.py")
    shutil.copy2(SCENARIO / "test_flow.py", folder / "test_flow.py")
    for fixture in (SCENARIO / "fixtures").glob("*.json"):
        shutil.copy2(fixture, folder / "fixtures" / fixture.name)


def write_secrets(path: Path, **connectors: BaseModel | dict[str, Any]) -> Path:
    """The runner's secrets file at `path`, a section per connector with its settings (a
    connector's settings model, or the section as written)."""
    path.write_text(yaml.safe_dump({name: _plain(settings)
                                    for name, settings in connectors.items()}))
    return path


def _plain(settings: BaseModel | dict[str, Any]) -> dict[str, Any]:
    if isinstance(settings, dict):
        return settings
    return {name: value.get_secret_value() if isinstance(value, SecretStr) else value
            for name, value in settings.model_dump().items()}


def asking_service(redis_url: str, remote: Path, sessions: sessionmaker[Session],
                   data_dir: Path, store: str) -> RunnerService:
    """The test's side of the runners' queue, which asks for runs as `flowbot runner run` does;
    the queue emptied first."""
    asker = RunnerService(RedisHuey(QUEUE_NAME, url=redis_url),
                          Versions(data_dir, str(remote), "main", sessions,
                                   gate=lambda root: []),
                          RunnerSettings(data_dir=data_dir, database_url=store, poll=None))
    asker.huey.flush()
    return asker


def finished_runs(asker: RunnerService, flow: str, sessions: sessionmaker[Session],
                  deadline: float) -> list[Run]:
    """Ask for the flow's run tick after tick until one finishes (one that comes after a lease
    a stopped runner kept has expired); the finished runs."""
    finished: list[Run] = []
    while not finished:
        assert time.monotonic() < deadline, "no runner finished the flow"
        asker.run_now(flow)
        time.sleep(0.5)
        with sessions() as session:
            finished = list(session.scalars(select(Run).where(
                Run.status == RunStatus.FINISHED.value)))
    return finished
