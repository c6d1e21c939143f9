"""The model asks instead of guessing: needs-info, the author's answer resumes the job, the PR
follows. (The model's side is scripted.)"""

from __future__ import annotations

import pytest

from bot.demo.stories import INTENT, TITLE, generate_turns
from bot.demo.world import DemoWorld
from bot.doubles.messages import tool_reply
from bot.store import JobState

QUESTION = "Customers without an email cannot be matched: skip them, or keep them for a person?"



@pytest.mark.sandbox
def test_a_question_waits_for_the_answer_and_the_answer_resumes_the_job(
        world: DemoWorld, bwrap_path: str) -> None:
    assert world.model is not None
    world.model.script.add(tool_reply("ask_questions", {"questions": [QUESTION]}))
    issue = world.github.open_issue(world.repository, TITLE, INTENT, author="maintainer",
                                    labels=["integration-request"])

    [asked] = world.wait_for_jobs()

    assert asked.state == JobState.WAITING
    assert "needs-info" in issue.labels
    asked_on_issue = [c for c in world.repository.comments.values()
                      if c.author == world.github.bot_login and QUESTION in c.body]
    assert len(asked_on_issue) == 1
    assert not [i for i in world.repository.issues.values() if i.pull is not None]

    world.model.script.add(*generate_turns()[1:])
    world.github.comment(world.repository, issue.number, "Skip them, please.",
                         author="maintainer")
    jobs = world.wait_for_jobs()

    [resumed] = [job for job in jobs if job.kind == "resume"]
    assert resumed.state == JobState.SUCCEEDED, resumed.error
    assert "needs-info" not in issue.labels
    assert len([i for i in world.repository.issues.values() if i.pull is not None]) == 1
    resumed_request = world.model.calls[-1].body["messages"][0]["content"][0]["text"]
    assert '<untrusted kind="answer" author="maintainer">' in resumed_request
    assert "Skip them, please." in resumed_request
    assert world.model.violations == []
