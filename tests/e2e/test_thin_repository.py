"""The thin integrations repository end to end: scaffolded by `flowbot init`, served by the
GitHub simulator, worked on by a worker of flowbot installed from its wheel (not editable) in a
fresh virtualenv. A labelled issue becomes a pull request whose gate is green."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

from bot.demo.stories import INTENT, TITLE, generate_turns
from bot.demo.world import demo_world
from bot.store import JobState
from tests.support.wheel import InstalledWheel


@pytest.mark.sandbox
@pytest.mark.timeout(900)  # the wheel's install, then a whole generate job with its gate
def test_an_issue_in_a_thin_repository_becomes_a_green_pull_request(
        tmp_path: Path, installed_wheel: InstalledWheel) -> None:
    installed = installed_wheel.bin
    content = tmp_path / "thin"
    scaffolded = subprocess.run([str(installed / "flowbot"), "init", str(content)],
                                capture_output=True, text=True, check=False)
    assert scaffolded.returncode == 0, scaffolded.stderr
    assert not (content / "flowkit").exists()
    assert not (content / "connectors").exists()
    for path in (tmp_path, *tmp_path.rglob("*")):  # the sandbox runs as nobody
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | 0o755 if path.is_dir() else
                       path.stat().st_mode | 0o644)

    with demo_world(tmp_path / "demo", worker=False, validate=True, content=content) as world:
        env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path),
               "FLOWBOT_MYPY_CACHE": str(tmp_path / "mypy-cache"), **world.environment}
        worker = subprocess.Popen([str(installed / "flowbot"), "worker", "--workers", "1"],
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True, start_new_session=True)
        try:
            assert world.model is not None
            world.model.script.add(*generate_turns())
            issue = world.github.open_issue(world.repository, TITLE, INTENT,
                                            author="maintainer",
                                            labels=["integration-request"])
            [job] = world.wait_for_jobs(timeout=600)
        finally:
            os.killpg(worker.pid, signal.SIGTERM)
            log, _ = worker.communicate(timeout=60)
        pulls = [i for i in world.repository.issues.values() if i.pull is not None]
        checks = list(world.repository.checks.values())
        assert world.github.conformance.problems == []

    assert job.state == JobState.SUCCEEDED, f"{job.error}\n{log[-3000:]}"
    [pull] = pulls
    assert pull.pull is not None
    assert not pull.pull.draft
    assert f"#{issue.number}" in pull.body
    assert [check.conclusion for check in checks] == ["success"]
