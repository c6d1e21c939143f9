"""A review that requests changes, with inline comments, steers a revise job: the comments reach
the model as data with their path and line, and a new commit follows. (The model is scripted.)"""

from __future__ import annotations

import pytest

from bot.demo.stories import FOLDER, revise_turns
from bot.demo.world import DemoWorld
from bot.store import JobState
from tests.e2e.pulls import generated_pull


@pytest.mark.sandbox
def test_a_change_request_review_becomes_a_commit(world: DemoWorld, bwrap_path: str) -> None:
    assert world.model is not None
    pull = generated_pull(world)
    assert pull.pull is not None
    before = world.repository.sha(pull.pull.head)
    world.model.script.add(*revise_turns())

    world.github.review(world.repository, pull.number, "Almost there.", author="maintainer",
                        comments=[(f"{FOLDER}/flow.py", 24, "Copy the customer's phone too.")])
    revise = [job for job in world.wait_for_jobs() if job.kind == "revise"][-1]

    assert revise.state == JobState.SUCCEEDED, revise.error
    assert world.repository.sha(pull.pull.head) != before
    request = world.model.calls[-1].body["messages"][0]["content"][0]["text"]
    assert '<untrusted kind="review_comment" author="maintainer">' in request
    assert f"{FOLDER}/flow.py line 24:" in request
    assert "Copy the customer's phone too." in request
