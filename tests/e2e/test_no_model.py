"""An app started without ANTHROPIC_API_KEY still answers what needs no model, and tells an
issue that asks for a flow why nothing will happen (instead of failing silently)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from bot.demo.world import WEBHOOK_SECRET
from bot.doubles.github import GitHubSimulator
from bot.doubles.github.state import Pull, Repository
from bot.jobs.help import HELP
from bot.jobs.unconfigured import NOT_CONFIGURED
from bot.service import Service, build_service
from bot.settings import load_settings
from bot.store import LIVE, Job, JobState
from bot.web.endpoint import WEBHOOK_PATH
from connectors.core.serving import serve_on_loopback


@dataclass
class KeylessWorld:
    github: GitHubSimulator
    repository: Repository
    service: Service

    def jobs(self, timeout: float = 60) -> list[Job]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.service.sessions() as session:
                jobs = list(session.query(Job).order_by(Job.id))
            if jobs and all(job.state not in LIVE for job in jobs):
                return jobs
            time.sleep(0.1)
        raise TimeoutError("the jobs did not finish")

    def comments(self, number: int) -> list[str]:
        return [c.body for c in self.repository.comments.values() if c.number == number]


@pytest.fixture
def world(tmp_path: Path, app_key: str) -> Iterator[KeylessWorld]:
    github = GitHubSimulator(tmp_path / "github", private_key_pem=app_key,
                             webhook_secret=WEBHOOK_SECRET, validate=True)
    with ExitStack() as stack:
        github_url = stack.enter_context(github.serve())
        repository = github.create_repository("acme", "integrations",
                                              permissions={"maintainer": "write"})
        settings = load_settings({"GITHUB_APP_ID": str(github.world.app_id),
                                  "GITHUB_PRIVATE_KEY": app_key,
                                  "GITHUB_WEBHOOK_SECRET": WEBHOOK_SECRET,
                                  "GITHUB_API_URL": github_url,
                                  "FLOWBOT_DATA_DIR": str(tmp_path / "app")})
        service = build_service(settings)
        github.webhook_url = stack.enter_context(serve_on_loopback(service.app)) + WEBHOOK_PATH
        consumer = service.queue.huey.create_consumer(workers=1, worker_type="thread",
                                                      periodic=False)
        consumer.start()
        stack.callback(consumer.stop, graceful=True)
        yield KeylessWorld(github, repository, service)
    assert github.conformance.problems == []


def _missing(kind: str) -> float:
    return REGISTRY.get_sample_value("flowbot_jobs_model_not_configured_total",
                                     {"kind": kind}) or 0.0


def test_a_request_for_a_flow_hears_that_the_model_is_not_configured(
        world: KeylessWorld) -> None:
    before = _missing("generate")

    issue = world.github.open_issue(world.repository, "Sync orders", "Shopify to HubSpot",
                                    author="maintainer", labels=["integration-request"])
    [job] = world.jobs()

    assert (job.kind, job.state) == ("generate", JobState.FAILED)
    assert NOT_CONFIGURED in world.comments(issue.number)
    assert _missing("generate") == before + 1


def test_help_and_cancel_work_without_a_model(world: KeylessWorld) -> None:
    pull = world.github.add_issue(world.repository, "Add a flow", "Closes #1",
                                  author=world.github.bot_login,
                                  pull=Pull(head="flowbot/flow-1", base="main"))

    world.github.comment(world.repository, pull.number, "/help", author="maintainer")
    world.jobs()
    world.github.comment(world.repository, pull.number, "/cancel", author="maintainer")
    jobs = world.jobs()

    assert [(job.kind, job.state) for job in jobs] == [("help", JobState.SUCCEEDED),
                                                       ("cancel", JobState.SUCCEEDED)]
    assert HELP in "\n".join(world.comments(pull.number))
