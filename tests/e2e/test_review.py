"""A review that requests changes, with inline comments, steers a revise job: the comments reach
the model as data with their path and line, and a new commit follows. (The model is scripted.)"""

from __future__ import annotations

import pytest

from bot.demo.stories import FOLDER, revise_turns
from bot.demo.world import DemoWorld
from bot.doubles.messages import tool_reply
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


@pytest.mark.sandbox
def test_a_revise_whose_request_is_open_asks_instead_of_guessing(world: DemoWorld,
                                                                 bwrap_path: str) -> None:
    assert world.model is not None
    pull = generated_pull(world)
    assert pull.pull is not None
    before = world.repository.sha(pull.pull.head)
    world.model.script.add(tool_reply("ask_questions", {"questions": [
        "Which phone: the customer's, or the one on their default payment method?"]}))

    world.github.comment(world.repository, pull.number, "/revise copy the phone",
                         author="maintainer")
    revise = [job for job in world.wait_for_jobs() if job.kind == "revise"][-1]

    assert revise.state == JobState.SUCCEEDED, revise.error
    assert world.repository.sha(pull.pull.head) == before  # nothing pushed
    replies = [c.body for c in world.repository.comments.values()
               if c.number == pull.number and c.author == world.github.bot_login]
    assert replies[-1].startswith("Before I make this change, I need to know:\n\n1. Which "
                                  "phone")
    assert "Answer with a new `/revise …`" in replies[-1]
    assert revise.work is not None
    assert (revise.work["thinking"], revise.work["effort"]) == ("adaptive", "high")
