"""`/retry` and `/cancel` on the app's pull requests, end to end (the model is scripted)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.demo.stories import FOLDER, scenario
from bot.demo.world import DemoWorld, demo_world
from bot.doubles.github.state import Issue
from bot.doubles.messages import Reply, tool_reply
from bot.eval.scripted import correct, never
from bot.eval.task import TASKS, load_task
from bot.store import Job, JobState
from tests.e2e.pulls import generated_pull

pytestmark = pytest.mark.sandbox


@pytest.fixture
def busy_world(tmp_path: Path) -> Iterator[DemoWorld]:
    """A world whose worker runs two jobs at once, as a deployed one does."""
    with demo_world(tmp_path / "demo", validate=True, workers=2) as started:
        yield started
        assert started.github.conformance.problems == []


def bot_replies(world: DemoWorld, number: int) -> list[str]:
    return [c.body for c in world.repository.comments.values()
            if c.number == number and c.author == world.github.bot_login]


def pull_of(world: DemoWorld, issue: Issue) -> Issue:
    [pull] = [p for p in world.repository.issues.values()
              if p.pull is not None and p.pull.head.startswith(f"flowbot/{issue.number}-")]
    return pull


def test_retry_runs_a_failed_generate_again_once(world: DemoWorld, bwrap_path: str) -> None:
    assert world.model is not None
    task = load_task(TASKS / "shopify_customers_to_hubspot_contacts")
    world.model.script.policy = never(task)
    issue = world.github.open_issue(world.repository, task.title, task.body,
                                    author="maintainer", labels=["integration-request"])
    [first] = world.wait_for_jobs()
    pull = pull_of(world, issue)
    assert first.state == JobState.FAILED
    assert pull.pull is not None
    assert pull.pull.draft

    world.github.comment(world.repository, pull.number, "/retry", author="stranger")
    world.wait_for_jobs()
    world.model.script.policy = correct(task)
    world.github.comment(world.repository, pull.number, "/retry", author="maintainer")
    jobs = world.wait_for_jobs()

    again = [job for job in jobs if job.kind == "generate"]
    assert [job.state for job in again] == [JobState.FAILED, JobState.SUCCEEDED]
    assert again[1].trigger.startswith("retry:comment:")
    assert again[1].sender == "maintainer"
    replies = bot_replies(world, pull.number)
    assert any("only people with write access to this repository can retry" in r
               for r in replies)
    assert f"Retrying the generate job (#{first.id}) as job #{again[1].id}." in replies
    latest = max(world.repository.checks.values(), key=lambda check: check.id)
    assert latest.conclusion == "success"

    world.github.comment(world.repository, pull.number, "/retry", author="maintainer")
    world.wait_for_jobs()
    assert bot_replies(world, pull.number)[-1].startswith(
        f"Nothing to retry: the last job, generate (#{again[1].id}), is succeeded.")
    with world.service.sessions() as session:
        assert session.query(Job).filter(Job.kind == "generate").count() == 2


def test_cancel_stops_a_running_revise_before_its_next_step(busy_world: DemoWorld,
                                                            bwrap_path: str) -> None:
    world = busy_world
    assert world.model is not None
    pull = generated_pull(world)
    assert pull.pull is not None
    before = world.repository.sha(pull.pull.head)
    asked, release = threading.Event(), threading.Event()

    def slow_model(request: dict[str, Any]) -> Reply:
        asked.set()
        release.wait(60)
        return tool_reply("write_file", {"path": f"{FOLDER}/flow.py",
                                         "content": scenario("flow_revised.py")})

    world.model.script.add(slow_model, tool_reply("finish", {"summary": "never reached"}))
    world.github.comment(world.repository, pull.number, "/revise copy the phone too",
                         author="maintainer")
    assert asked.wait(60)
    world.github.comment(world.repository, pull.number, "/cancel", author="maintainer")
    deadline = time.monotonic() + 60
    while not any(r.startswith("Cancelled the revise job") for r in bot_replies(world,
                                                                                pull.number)):
        assert time.monotonic() < deadline, bot_replies(world, pull.number)
        time.sleep(0.2)
    release.set()
    jobs = world.wait_for_jobs()

    [revise] = [job for job in jobs if job.kind == "revise"]
    assert revise.state == JobState.CANCELLED
    assert revise.error == "cancelled by @maintainer"
    assert world.repository.sha(pull.pull.head) == before
    assert len(world.model.script.turns) == 1  # it stopped before asking the model again

    world.github.comment(world.repository, pull.number, "/cancel", author="maintainer")
    world.wait_for_jobs()
    assert bot_replies(world, pull.number)[-1] == \
        "Nothing to cancel: no flowbot job is queued or running here."
