"""One set of rules, wherever work comes from: the webhook path and the reconciler make the same
jobs for the same requests — none for a `type: Bot` account's review, none for a comment edited
into a command, a repair for a trusted bot's `flow-failure` report and nothing else from it.
Jobs are stored, not run (no worker): what is checked is which requests became jobs."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.agent.host import CheckoutHost
from bot.demo.world import DemoWorld, demo_world
from bot.doubles.github.state import Issue, Pull
from bot.github.client import installation_client, installation_token
from bot.github.git import BOT_EMAIL, BOT_NAME, Checkout, checkout
from bot.github.issues import Repo
from bot.github.push import push_or_explain
from bot.jobs.rules import Rules, authorise
from bot.store import Job, JobState


@pytest.fixture
def world(tmp_path: Path) -> Iterator[DemoWorld]:
    with demo_world(tmp_path / "demo", worker=False, validate=True) as started:
        # the app has heard from the repository before: that is how the reconciler knows it
        started.github.open_issue(started.repository, "Hello", "hi", author="maintainer")
        yield started
        assert started.github.conformance.problems == []


def _jobs(world: DemoWorld) -> list[tuple[str, str, str]]:
    with world.service.sessions() as session:
        return [(job.kind, job.trigger, job.sender) for job in session.scalars(
            select(Job).order_by(Job.id))]


def _app_pull(world: DemoWorld) -> Issue:
    return world.github.add_issue(world.repository, "Flow for #1", "Closes #1",
                                  author=world.github.bot_login,
                                  pull=Pull(head="main", base="main"))


@pytest.mark.parametrize("path", ["webhook", "reconciler"])
def test_a_review_by_a_bot_account_starts_nothing_and_a_persons_does(
        world: DemoWorld, path: str) -> None:
    pull = _app_pull(world)
    world.github.world.user("release-helper", bot=True)  # `type: Bot`, no [bot] in its login
    url = world.github.webhook_url
    if path == "reconciler":
        world.github.webhook_url = None
    world.github.review(world.repository, pull.number, "no", author="release-helper",
                        comments=[])
    world.github.review(world.repository, pull.number, "change it", author="maintainer",
                        comments=[])
    world.github.webhook_url = url
    if path == "reconciler":
        world.service.reconcile()

    assert [(kind, sender) for kind, _, sender in _jobs(world)] == [("revise", "maintainer")]


@pytest.mark.parametrize("path", ["webhook", "reconciler"])
def test_a_comment_edited_into_a_command_starts_nothing(world: DemoWorld, path: str) -> None:
    pull = _app_pull(world)
    posted = world.github.add_comment(world.repository, pull.number, "/revise fresh",
                                      author="maintainer")
    edited = world.github.add_comment(world.repository, pull.number, "/revise edited in",
                                      author="maintainer")
    edited.updated = edited.created + timedelta(minutes=5)
    if path == "webhook":
        for comment, action in ((posted, "created"), (edited, "edited")):
            world.github.send("issue_comment", {
                "action": action, **world.github._issue_payload(world.repository, pull),
                "comment": {"id": comment.id, "body": comment.body,
                            "user": world.github._user("maintainer")},
                "sender": world.github._user("maintainer")})
    else:
        world.service.reconcile()

    assert [trigger for _, trigger, _ in _jobs(world)] == [f"comment:{posted.id}"]


@pytest.mark.parametrize("path", ["webhook", "reconciler"])
def test_a_trusted_bots_failure_report_is_repaired_and_nothing_else_of_its_is(
        world: DemoWorld, path: str) -> None:
    url = world.github.webhook_url
    if path == "reconciler":
        world.github.webhook_url = None
    failure = world.github.open_issue(world.repository, "flow failed", "report",
                                      author="github-actions[bot]", labels=["flow-failure"])
    world.github.open_issue(world.repository, "make a flow", "please",
                            author="github-actions[bot]", labels=["integration-request"])
    world.github.open_issue(world.repository, "flow failed too", "report",
                            author="someone-elses[bot]", labels=["flow-failure"])
    world.github.webhook_url = url
    if path == "reconciler":
        world.service.reconcile()

    assert _jobs(world) == [("repair", f"issue:{failure.number}:repair", "github-actions[bot]")]


def _refuse_as_the_job_would(world: DemoWorld, trigger: str) -> bool:
    """Run the job's authorisation (`bot.jobs.rules.authorise`) on the stored job."""
    with world.service.sessions.begin() as session:
        job = session.scalars(select(Job).where(Job.trigger == trigger)).one()
        gh = installation_client(world.service.github, world.github.world.installation_id)
        owner, name = job.repository.split("/")
        allowed = authorise(gh, Repo(owner, name), job, "ask flowbot for a flow",
                            Rules(world.github.bot_login), world.service.sessions,
                            issue_author="outsider")
        if not allowed:
            job.state = JobState.REFUSED.value
        return allowed


@pytest.mark.parametrize("approve", ["relabel", "command"])
def test_a_maintainer_approves_an_outsiders_issue_and_then_its_answers_count(
        world: DemoWorld, approve: str) -> None:
    issue = world.github.open_issue(world.repository, "make a flow", "please", author="outsider",
                                    labels=["integration-request"])
    trigger = f"issue:{issue.number}:generate"
    assert not _refuse_as_the_job_would(world, trigger)
    refusal = [c.body for c in world.repository.comments.values()
               if c.author == world.github.bot_login and c.number == issue.number]
    assert len(refusal) == 1
    assert "/approve" in refusal[0]

    if approve == "relabel":
        world.github.add_label(world.repository, issue.number, "integration-request",
                               author="maintainer")
    else:
        world.github.comment(world.repository, issue.number, "/approve", author="maintainer")
    [(kind, approval, sender)] = _jobs(world)[1:]
    assert (kind, sender) == ("generate", "maintainer")
    assert _refuse_as_the_job_would(world, approval)

    world.github.add_label(world.repository, issue.number, "needs-info", author="maintainer")
    world.github.comment(world.repository, issue.number, "Skip them.", author="outsider")
    [(kind, answer, sender)] = _jobs(world)[2:]
    assert (kind, sender) == ("resume", "outsider")
    assert _refuse_as_the_job_would(world, answer)



@pytest.mark.parametrize("later", ["nothing", "relabelled"])
def test_an_approve_whose_webhook_was_missed_is_found_by_the_reconciler_once(
        world: DemoWorld, later: str) -> None:
    issue = world.github.open_issue(world.repository, "make a flow", "please", author="outsider",
                                    labels=["integration-request"])
    assert not _refuse_as_the_job_would(world, f"issue:{issue.number}:generate")
    world.github.world.user("release-helper", bot=True)
    url, world.github.webhook_url = world.github.webhook_url, None  # deliveries now get lost
    world.github.comment(world.repository, issue.number, "/approve", author="release-helper")
    approve = world.github.add_comment(world.repository, issue.number, "/approve",
                                       author="maintainer")
    world.github.webhook_url = url
    if later == "relabelled":  # later work on the issue: the approval it carries came after
        world.github.add_label(world.repository, issue.number, "integration-request",
                               author="maintainer")
    made = _jobs(world)[1:]

    first = world.service.reconcile()
    second = world.service.reconcile()

    if later == "relabelled":
        assert first.created == []
        assert _jobs(world)[1:] == made
    else:
        assert _jobs(world)[1:] == [("generate", f"comment:{approve.id}", "maintainer")]
        assert len(first.created) == 1
        assert _refuse_as_the_job_would(world, f"comment:{approve.id}")
    assert second.created == []

def test_a_push_refused_for_a_persons_commit_is_said_on_github(world: DemoWorld,
                                                              tmp_path: Path) -> None:
    issue = world.github.open_issue(world.repository, "make a flow", "please",
                                    author="maintainer", labels=["integration-request"])
    installation = world.github.world.installation_id
    token = installation_token(world.service.github, installation)
    work = checkout(tmp_path / "data", world.github.clone_url(world.repository),
                    world.repository.full_name, branch="flowbot/9-a-flow", default_branch="main",
                    token=token, job_id=9)
    (work.path / "flows" / "a_flow").mkdir(parents=True)
    (work.path / "flows" / "a_flow" / "flow.py").write_text("x = 1\n")
    assert work.commit("flows/a_flow", "Add flow a_flow", trailers={})
    person = tmp_path / "person"
    subprocess.run(["git", "clone", "-q", str(world.repository.path), str(person)], check=True)
    (person / "NOTES.md").write_text("mine\n")
    subprocess.run(["git", "-C", str(person), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(person), "-c", "user.name=maintainer", "-c",
                    "user.email=m@example.com", "commit", "-q", "-m", "My notes"], check=True)
    subprocess.run(["git", "-C", str(person), "push", "-q", "origin", "HEAD:flowbot/9-a-flow"],
                   check=True)
    theirs = world.repository.sha("flowbot/9-a-flow")

    pushed = push_or_explain(work, token, installation_client(world.service.github,
                                                                installation),
                             Repo(world.repository.owner, world.repository.name), issue.number)

    assert not pushed
    assert world.repository.sha("flowbot/9-a-flow") == theirs
    [said] = [c.body for c in world.repository.comments.values()
              if c.author == world.github.bot_login and c.number == issue.number]
    assert f"{str(theirs)[:7]} by maintainer: My notes" in said
    assert "did not overwrite" in said


FLOW = "flows/hubspot_contacts_to_slack"


def _job_and_the_apps_newer_commit(world: DemoWorld, tmp_path: Path, *, job_change: str,
                                   newer: tuple[str, str]) -> tuple[Checkout, str]:
    """A job's commit on `flowbot/9-a-flow` (appending `job_change` to the flow), and the app's
    own commit (`newer`: a file of the flow and its new text) pushed to the branch meanwhile."""
    token = installation_token(world.service.github, world.github.world.installation_id)
    work = checkout(tmp_path / "data", world.github.clone_url(world.repository),
                    world.repository.full_name, branch="flowbot/9-a-flow", default_branch="main",
                    token=token, job_id=9)
    flow = work.path / FLOW / "flow.py"
    flow.write_text(flow.read_text() + job_change)
    assert work.commit(FLOW, "Revise the flow", trailers={})
    app = tmp_path / "app"
    subprocess.run(["git", "clone", "-q", str(world.repository.path), str(app)], check=True)
    (app / FLOW / newer[0]).write_text(newer[1])
    subprocess.run(["git", "-C", str(app), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(app), "-c", f"user.name={BOT_NAME}", "-c",
                    f"user.email={BOT_EMAIL}", "commit", "-q", "-m", "Newer"], check=True)
    subprocess.run(["git", "-C", str(app), "push", "-q", "origin", "HEAD:flowbot/9-a-flow"],
                   check=True)
    return work, str(world.repository.sha("flowbot/9-a-flow"))


def _said(world: DemoWorld, number: int) -> str:
    [said] = [c.body for c in world.repository.comments.values()
              if c.author == world.github.bot_login and c.number == number]
    return said


def test_a_rebase_conflict_is_aborted_and_said_on_github(world: DemoWorld,
                                                         tmp_path: Path) -> None:
    issue = world.github.open_issue(world.repository, "make a flow", "please",
                                    author="maintainer", labels=["integration-request"])
    work, newer = _job_and_the_apps_newer_commit(
        world, tmp_path, job_change="# the job's line\n",
        newer=("flow.py", "# the app's newer flow\n"))
    token = installation_token(world.service.github, world.github.world.installation_id)

    pushed = push_or_explain(work, token, installation_client(
        world.service.github, world.github.world.installation_id),
        Repo(world.repository.owner, world.repository.name), issue.number)

    assert not pushed
    assert world.repository.sha("flowbot/9-a-flow") == newer
    said = _said(world, issue.number)
    assert f"`{FLOW}/flow.py`" in said
    assert "nothing of this job was pushed" in said
    assert "/retry" in said
    assert "/revise" in said


@pytest.mark.sandbox
def test_the_gate_runs_again_on_the_rebased_tree_and_a_failure_is_not_pushed(
        world: DemoWorld, tmp_path: Path) -> None:
    issue = world.github.open_issue(world.repository, "make a flow", "please",
                                    author="maintainer", labels=["integration-request"])
    work, newer = _job_and_the_apps_newer_commit(
        world, tmp_path, job_change="# the job's line\n",
        newer=("spec.yaml", "spec_version: [not yaml\n"))
    host = CheckoutHost(work.path, FLOW)
    assert host.check_static().passed  # the job's own tree is clean
    token = installation_token(world.service.github, world.github.world.installation_id)

    pushed = push_or_explain(work, token, installation_client(
        world.service.github, world.github.world.installation_id),
        Repo(world.repository.owner, world.repository.name), issue.number, gate=host.run_gate)

    assert not pushed
    assert world.repository.sha("flowbot/9-a-flow") == newer
    said = _said(world, issue.number)
    assert "the gate fails" in said
    assert "spec.yaml" in said
    assert "/retry" in said
