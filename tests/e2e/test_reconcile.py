"""Nothing is lost: the reconciler finds an intent issue whose webhook never arrived, a command
or a change-requesting review the app never answered, a job whose worker died and one whose
queue message was lost, from GitHub's own state and the store — and makes nothing twice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.demo.stories import FOLDER, INTENT, TITLE, generate_turns, revise_turns
from bot.demo.world import DemoWorld
from bot.store import Job, JobState
from tests.e2e.pulls import generated_pull


@pytest.mark.sandbox
def test_a_missed_webhook_and_a_dead_worker_are_made_good_once(world: DemoWorld,
                                                               bwrap_path: str) -> None:
    assert world.model is not None
    # the app has heard from the repository before (that is how it knows the repository)
    other = world.github.open_issue(world.repository, "A question", "hello", author="maintainer")
    url, world.github.webhook_url = world.github.webhook_url, None  # deliveries now get lost
    issue = world.github.open_issue(world.repository, TITLE, INTENT, author="maintainer",
                                    labels=["integration-request"])
    world.github.webhook_url = url
    with world.service.sessions.begin() as session:
        dead = Job(kind="help", repository=world.repository.full_name, number=other.number,
                   trigger="comment:dead-worker", sender="maintainer", installation_id=1,
                   request={"command": "help"}, state=JobState.RUNNING.value,
                   updated_at=datetime.now(UTC) - timedelta(hours=2))
        lost = Job(kind="help", repository=world.repository.full_name, number=other.number,
                   trigger="comment:lost-message", sender="maintainer", installation_id=1,
                   request={"command": "help"}, state=JobState.QUEUED.value,
                   updated_at=datetime.now(UTC) - timedelta(hours=2))
        session.add_all([dead, lost])
        session.flush()
        dead_id, lost_id = dead.id, lost.id
    world.model.script.add(*generate_turns())

    first = world.service.reconcile()
    jobs = world.wait_for_jobs()
    second = world.service.reconcile()

    assert len(first.created) == 1
    assert sorted(first.requeued) == [dead_id, lost_id]
    assert second.created == []
    assert second.requeued == []
    [generate] = [job for job in jobs if job.kind == "generate"]
    assert (generate.number, generate.state) == (issue.number, JobState.SUCCEEDED)
    states = {job.id: job.state for job in jobs}
    assert states[dead_id] == states[lost_id] == JobState.SUCCEEDED
    pulls = [i for i in world.repository.issues.values() if i.pull is not None]
    assert len(pulls) == 1


def _lost_command(world: DemoWorld, number: int) -> tuple[str, str]:
    comment = world.github.add_comment(world.repository, number,  # no webhook is sent
                                       "/revise also copy the customer's phone",
                                       author="maintainer")
    return f"comment:{comment.id}", "also copy the customer's phone"


def _lost_review(world: DemoWorld, number: int) -> tuple[str, str]:
    url, world.github.webhook_url = world.github.webhook_url, None  # the delivery gets lost
    review = world.github.review(world.repository, number, "Almost there.",
                                 author="maintainer",
                                 comments=[(f"{FOLDER}/flow.py", 24, "Copy the phone too.")])
    world.github.webhook_url = url
    return f"review:{review.id}", "Copy the phone too."


@pytest.mark.sandbox
@pytest.mark.parametrize("lose", [_lost_command, _lost_review], ids=["command", "review"])
def test_a_request_on_the_pull_whose_webhook_never_arrived_is_answered_once(
        world: DemoWorld, bwrap_path: str,
        lose: Callable[[DemoWorld, int], tuple[str, str]]) -> None:
    assert world.model is not None
    pull = generated_pull(world)
    trigger, asked = lose(world, pull.number)
    world.model.script.add(*revise_turns())

    first = world.service.reconcile()
    jobs = world.wait_for_jobs()
    second = world.service.reconcile()

    [revise] = [job for job in jobs if job.kind == "revise"]
    assert first.created == [revise.id]
    assert (revise.trigger, revise.state) == (trigger, JobState.SUCCEEDED)
    assert second.created == []
    assert asked in world.model.calls[-1].body["messages"][0]["content"][0]["text"]
    replies = [c.body for c in world.repository.comments.values()
               if c.number == pull.number and c.author == world.github.bot_login]
    assert len(replies) == 1
    assert replies[0].startswith("Done in ")
