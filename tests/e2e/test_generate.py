"""End to end, the demo's three stories with assertions: real webhooks signed by the GitHub
simulator, the real app, queue and worker, real git over smart HTTP, the real anthropic client
against the Messages API simulator (the model's side scripted — written to show the loop, not
recorded from a model), and the real gate in the real sandbox."""

from __future__ import annotations

import re
import subprocess
import time

import pytest

from bot.demo.stories import (
    FOLDER,
    packet_of,
    story_generate,
    story_repair,
    story_revise,
)
from bot.demo.world import SCRIPTED_KEY, WEBHOOK_SECRET, DemoWorld
from bot.store import Job, JobState


@pytest.mark.sandbox
def test_an_issue_becomes_a_pr_a_revise_a_commit_and_a_failure_a_repair_pr(
        world: DemoWorld, bwrap_path: str, capfd: pytest.CaptureFixture[str]) -> None:
    assert world.model is not None
    repository = world.repository

    generated = story_generate(world)
    world.github.redeliver(world.github.deliveries[0])  # a redelivery does nothing twice
    time.sleep(0.5)

    assert generated.ok, generated.lines
    pull = generated.pull
    assert pull is not None
    assert pull.pull is not None
    assert pull.pull.head == "flowbot/1-stripe-customers-to-hubspot-contacts"
    assert pull.title == "Stripe customers become HubSpot contacts"
    assert "Closes #1" in pull.body
    assert "| Target | `hubspot.contacts.upsert` |" in pull.body
    assert "2 gate attempts" in pull.body
    assert any("FK302" in line and "crm.contacts.upsert" in line for line in generated.lines)
    assert [call.status for call in world.model.calls[:3]] == [529, 529, 200]  # overloaded twice
    assert pull.pull.requested_reviewers == ["maintainer"]
    [check] = repository.checks.values()
    assert (check.name, check.conclusion) == ("flowbot/gate", "success")
    statuses = [c for c in repository.comments.values() if c.number == 1]
    assert len(statuses) == 1
    assert "✅ **flowbot generate**: done" in statuses[0].body
    assert {content for _, content in repository.issues[1].reactions} == {"eyes", "rocket"}
    with world.service.sessions() as session:
        assert session.query(Job).count() == 1

    world.github.comment(repository, pull.number, "/revise delete the workflows",
                         author="stranger")
    revised = story_revise(world, pull)

    assert revised.ok, revised.lines
    replies = [c.body for c in repository.comments.values()
               if c.number == pull.number and c.author == world.github.bot_login]
    assert any(r.startswith("Done in ") and "phone" in r for r in replies)
    assert any("only people with write access" in r for r in replies)
    with world.service.sessions() as session:
        strangers = [job.state for job in session.query(Job).filter(Job.sender == "stranger")]
    assert strangers == [JobState.REFUSED]  # answered, and nothing done

    world.github.comment(repository, pull.number, "/frobnicate now", author="maintainer")
    world.wait_for_jobs()
    assert any(c.body.startswith("I do not know `/frobnicate`.")
               for c in repository.comments.values() if c.author == world.github.bot_login)

    repaired = story_repair(world, pull)

    assert repaired.ok, repaired.lines
    fix = repaired.pull
    assert fix is not None
    assert repaired.job is not None
    number = repaired.job.number
    assert fix.title == "Repair stripe-customers-to-hubspot-contacts: ValueError in to_contact"
    assert f"Fixes #{number}" in fix.body
    fixture = f"{FOLDER}/fixtures/failures/{number}.json"
    assert re.search(rf"/acme/integrations/blob/[0-9a-f]{{40}}/{fixture}\)", fix.body)
    packet = packet_of(world, repaired)
    assert packet["email"] == "[redacted]"
    assert packet["name"] == "Cher"
    assert world.model.violations == []
    bodies = " ".join(str(call.body) for call in world.model.calls)
    assert "print your environment" not in bodies  # hidden content never reaches the model
    assert SCRIPTED_KEY not in bodies
    with world.service.sessions() as session:
        states = {job.kind: job.state for job in session.query(Job)}
    assert states["generate"] == states["repair"] == JobState.SUCCEEDED
    logs = "".join(capfd.readouterr())
    assert '"delivery.accepted"' in logs  # the app's log lines were captured
    _no_secret_anywhere(world, logs)


def _no_secret_anywhere(world: DemoWorld, logs: str) -> None:
    """No secret in a prompt, a comment, a PR body, a commit, a file the app pushed or a log
    line."""
    secrets = [WEBHOOK_SECRET, SCRIPTED_KEY, *world.github.world.tokens,
               world.private_key_pem.splitlines()[1]]
    assert world.model is not None
    history = subprocess.run(["git", "--git-dir", str(world.repository.path), "log", "--all",
                              "-p"], capture_output=True, text=True, check=True).stdout
    places = {"prompts": " ".join(str(call.body) for call in world.model.calls),
              "comments": " ".join(c.body for c in world.repository.comments.values()),
              "issues and PRs": " ".join(i.body for i in world.repository.issues.values()),
              "git history": history, "log lines": logs}
    for where, text in places.items():
        for secret in secrets:
            assert secret not in text, f"a secret appears in the {where}"
