"""Nothing is lost: the reconciler finds an intent issue whose webhook never arrived, and a job
whose worker died, from GitHub's own state — and makes nothing twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.demo.stories import INTENT, TITLE, generate_turns
from bot.demo.world import DemoWorld
from bot.store import Job, JobState


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
        session.add(dead)
        session.flush()
        dead_id = dead.id
    world.model.script.add(*generate_turns())

    first = world.service.reconcile()
    jobs = world.wait_for_jobs()
    second = world.service.reconcile()

    assert len(first.created) == 1
    assert first.requeued == [dead_id]
    assert second.created == []
    assert second.requeued == []
    [generate] = [job for job in jobs if job.kind == "generate"]
    assert (generate.number, generate.state) == (issue.number, JobState.SUCCEEDED)
    assert {job.id: job.state for job in jobs}[dead_id] == JobState.SUCCEEDED
    pulls = [i for i in world.repository.issues.values() if i.pull is not None]
    assert len(pulls) == 1
