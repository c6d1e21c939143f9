"""The ways a job ends without a clean flow, end to end: a model that never gets past the gate
(a draft PR labelled needs-human), and a failure report that does not reproduce (an honest
comment, no PR). The model's side is scripted."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.demo.stories import FOLDER, INTENT, TITLE, scenario, story_repair
from bot.demo.world import DemoWorld
from bot.doubles.messages import tool_reply
from bot.github.client import AppIdentity, app_client, installation_token
from bot.store import JobState
from connectors.shopify.simulator import ShopifySimulator
from flowkit.engine import to_jsonable
from flowkit.runtime.filing import file_issue
from flowkit.runtime.store import FailedMessage
from tests.e2e.pulls import generated_pull


@pytest.mark.sandbox
def test_a_model_that_never_passes_the_gate_gets_a_draft_pr_for_a_person(
        world: DemoWorld, bwrap_path: str) -> None:
    assert world.model is not None
    files = {"spec.yaml": "spec.yaml", "flow.py": "flow_attempt_1.py",
             "test_flow.py": "test_flow.py", "fixtures/customer.json": "fixtures/customer.json"}
    world.model.script.add(*[tool_reply("write_file", {"path": f"{FOLDER}/{target}",
                                                       "content": scenario(source)})
                             for target, source in files.items()],
                           *[tool_reply("run_gate", {}) for _ in range(4)])
    issue = world.github.open_issue(world.repository, TITLE, INTENT, author="maintainer",
                                    labels=["integration-request"])

    [job] = world.wait_for_jobs()

    assert job.state == JobState.FAILED
    [pull] = [i for i in world.repository.issues.values() if i.pull is not None]
    assert pull.pull is not None
    assert pull.pull.draft
    assert "needs-human" in pull.labels
    assert "❌ the gate still fails" in pull.body
    assert "FK302" in pull.body
    assert "4 gate attempts" in pull.body
    [check] = world.repository.checks.values()
    assert check.conclusion == "failure"
    assert {content for _, content in issue.reactions} == {"eyes", "confused"}
    assert world.model.violations == []


@pytest.mark.sandbox
def test_a_failure_that_does_not_reproduce_gets_an_honest_comment_and_no_pr(
        world: DemoWorld, bwrap_path: str) -> None:
    shop = ShopifySimulator(orders=1, customers=1, products=1)
    with shop.connect() as connector:
        order = next(iter(connector.orders.list()))
    failure = FailedMessage(
        id=1, flow="shopify-orders-to-hubspot-deals", version="main", run_id="r1",
        packet_key=order.id, identity=order.id, unit="to_deal", error_type="ValueError",
        message="a failure this packet does not cause", traceback="",
        packet=to_jsonable(order), unit_input={"value": {}}, created_at=datetime.now(UTC))
    identity = AppIdentity(world.github.world.app_id, SecretStr(world.private_key_pem),
                           world.github.base_url)
    token = installation_token(app_client(identity), world.github.world.installation_id)

    file_issue(failure, repository=world.repository.full_name, token=token,
               api_url=world.github.base_url)
    [job] = world.wait_for_jobs()

    assert job.kind == "repair"
    assert job.state == JobState.FAILED
    assert not [i for i in world.repository.issues.values() if i.pull is not None]
    said = [c.body for c in world.repository.comments.values() if c.number == job.number]
    assert any(body.startswith("I could not reproduce this failure") for body in said)


def test_an_invalid_repository_config_gets_a_comment_saying_what_and_where(
        world: DemoWorld, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    git = ["git", "-c", "user.name=maintainer", "-c", "user.email=m@example.com"]
    subprocess.run([*git, "clone", "-q", str(world.repository.path), str(clone)], check=True)
    (clone / ".github").mkdir()
    (clone / ".github" / "flowbot.yml").write_text("max_gate_attempts: 3\nreviewer: octocat\n")
    subprocess.run([*git, "-C", str(clone), "add", ".github"], check=True)
    subprocess.run([*git, "-C", str(clone), "commit", "-q", "-m", "flowbot config"], check=True)
    subprocess.run([*git, "-C", str(clone), "push", "-q", "origin", "main"], check=True)

    issue = world.github.open_issue(world.repository, TITLE, INTENT, author="maintainer",
                                    labels=["integration-request"])
    [job] = world.wait_for_jobs()

    assert job.state == JobState.FAILED
    said = [c.body for c in world.repository.comments.values() if c.number == issue.number]
    assert any("`reviewer` is not a setting" in body and "(line 2)" in body for body in said)
    assert not [i for i in world.repository.issues.values() if i.pull is not None]


@pytest.mark.sandbox
def test_a_repair_that_deletes_the_regression_test_is_refused(world: DemoWorld,
                                                              bwrap_path: str) -> None:
    pull = generated_pull(world)
    cheat = [tool_reply("write_file", {"path": f"{FOLDER}/test_flow.py",
                                       "content": scenario("test_flow.py")},
                        thought="Without the new test the gate is clean."),
             tool_reply("finish", {"summary": "Fixed."})]

    story = story_repair(world, pull, turns=cheat)

    assert not story.ok
    assert story.job is not None
    assert story.job.state == JobState.FAILED
    assert story.pull is None  # no repair pull request
    said = [c.body for c in world.repository.comments.values() if c.number == story.job.number]
    assert any(body.startswith("I refused the repair the model made: the repair deleted or "
                               "weakened tests: test `test_the_packet_of_issue_") for body in said)


def _push_config(world: DemoWorld, clone: Path, text: str) -> None:
    git = ["git", "-c", "user.name=maintainer", "-c", "user.email=m@example.com"]
    subprocess.run([*git, "clone", "-q", str(world.repository.path), str(clone)], check=True)
    (clone / ".github").mkdir()
    (clone / ".github" / "flowbot.yml").write_text(text)
    subprocess.run([*git, "-C", str(clone), "add", ".github"], check=True)
    subprocess.run([*git, "-C", str(clone), "commit", "-q", "-m", "flowbot config"], check=True)
    subprocess.run([*git, "-C", str(clone), "push", "-q", "origin", "main"], check=True)


def test_the_repositorys_dollar_budget_ends_the_job_with_a_comment(
        world: DemoWorld, tmp_path: Path) -> None:
    assert world.model is not None
    _push_config(world, tmp_path / "clone", "dollar_budget: 0.0001\neffort: {generate: low}\n")
    world.model.script.add(*[tool_reply("list_files", {"path": "flows"}) for _ in range(5)])

    issue = world.github.open_issue(world.repository, TITLE, INTENT, author="maintainer",
                                    labels=["integration-request"])
    [job] = world.wait_for_jobs()

    assert job.state == JobState.FAILED
    assert len(world.model.calls) == 1  # the second call was not made
    assert world.model.calls[0].body["output_config"] == {"effort": "low"}
    said = [c.body for c in world.repository.comments.values() if c.number == issue.number]
    assert any(body.startswith("I stopped: the job's budget of US$0.0001 is spent")
               and "`dollar_budget`" in body for body in said)
    assert not [i for i in world.repository.issues.values() if i.pull is not None]
    assert job.work is not None
    assert job.work["effort"] == "low"


@pytest.mark.sandbox
def test_a_repair_that_needs_a_decision_posts_the_questions(world: DemoWorld,
                                                            bwrap_path: str) -> None:
    pull = generated_pull(world)
    ask = [tool_reply("ask_questions", {"questions": [
        "A one-word name: first name, last name, or a bad record?"]})]

    story = story_repair(world, pull, turns=ask)

    assert story.job is not None
    assert story.job.state == JobState.WAITING
    assert story.pull is None
    said = [c.body for c in world.repository.comments.values() if c.number == story.job.number]
    assert any(body.startswith("Before I repair this flow, I need to know:\n\n1. A one-word "
                               "name") for body in said)
