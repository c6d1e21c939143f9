"""A worker killed (SIGKILL) in the middle of a job: after a restart and a reconcile, the issue
has exactly one PR, one status comment and no duplicate commits. The killed worker's lease
stops being renewed, and the reconciler requeues the job once it has expired."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from bot.demo.stories import INTENT, TITLE, generate_turns
from bot.demo.world import PROJECT, demo_world
from bot.jobs.reconciler import reconcile
from bot.store import JobState

LEASE_TTL_S = 2
"""The workers' lease expiry: short, so the test waits seconds, not a minute, for the dead one's."""


def _worker(environment: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "bot.cli", "worker", "--workers", "1"],
                            env={**os.environ, **environment, "PYTHONPATH": str(PROJECT),
                                 "FLOWBOT_LEASE_TTL_S": str(LEASE_TTL_S)},
                            cwd=PROJECT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.mark.sandbox
def test_a_killed_worker_leaves_one_pr_one_status_comment_and_no_duplicate_commits(
        tmp_path: Path, bwrap_path: str) -> None:
    with demo_world(tmp_path / "demo", worker=False) as world:
        assert world.model is not None
        world.model.script.add(*generate_turns())
        first = _worker(world.environment)
        issue = world.github.open_issue(world.repository, TITLE, INTENT, author="maintainer",
                                        labels=["integration-request"])
        deadline = time.monotonic() + 60
        while len(world.model.calls) < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        calls_before_kill = len(world.model.calls)
        world.model.script.turns.clear()
        world.model.script.add(*generate_turns()[1:])

        second = _worker(world.environment)
        try:
            deadline = time.monotonic() + 10 * LEASE_TTL_S
            found = reconcile(world.service.queue, world.service.github,
                              app_login=world.service.settings.bot_login,
                              stale_after=timedelta(0))
            while not found.requeued and time.monotonic() < deadline:  # until the lease expires
                time.sleep(LEASE_TTL_S / 4)
                found = reconcile(world.service.queue, world.service.github,
                                  app_login=world.service.settings.bot_login,
                                  stale_after=timedelta(0))
            [job] = world.wait_for_jobs(timeout=90)
        finally:
            second.terminate()
            second.wait(timeout=20)

        assert calls_before_kill >= 5  # it was killed in the middle of the model's work
        assert found.requeued == [job.id]
        assert job.state == JobState.SUCCEEDED, job.error
        pulls = [i for i in world.repository.issues.values() if i.pull is not None]
        assert len(pulls) == 1
        statuses = [c for c in world.repository.comments.values()
                    if c.number == issue.number and c.author == world.github.bot_login]
        assert len(statuses) == 1
        assert pulls[0].pull is not None
        log = subprocess.run(["git", "--git-dir", str(world.repository.path), "log",
                              "--format=%s", f"main..{pulls[0].pull.head}"],
                             capture_output=True, text=True, check=True).stdout.splitlines()
        assert len(log) == 1
