"""The demo's world: a GitHub simulator with the demo repository, the model, the app."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.doubles.github import GitHubSimulator
from bot.doubles.github.keys import new_app_key
from bot.doubles.github.state import Repository
from bot.doubles.messages import MessagesSimulator
from bot.service import Service, build_service
from bot.settings import load_settings
from bot.store import LIVE, Job
from bot.web.endpoint import WEBHOOK_PATH
from connectors.core.serving import serve_on_loopback

PROJECT = Path(__file__).resolve().parents[2]
SCENARIO = Path(__file__).resolve().parent / "scenario"
DEMO_PARTS = ("connectors", "flowkit", "flows")
WEBHOOK_SECRET = "demo-webhook-secret"  # noqa: S105 - the demo's own, for its own simulator
SCRIPTED_KEY = "sk-ant-demo-scripted-not-a-real-key"


@dataclass
class DemoWorld:
    """Everything the stories act on."""

    github: GitHubSimulator
    repository: Repository
    service: Service
    model: MessagesSimulator | None
    """The Messages API simulator, or None when the model is Claude."""
    private_key_pem: str
    scratch: Path
    environment: dict[str, str]
    """The app's configuration, for a worker in another process."""

    def wait_for_jobs(self, timeout: float = 240) -> list[Job]:
        """Every job, once none is queued or running."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.service.sessions() as session:
                jobs = list(session.query(Job).order_by(Job.id))
            if jobs and all(job.state not in LIVE
                            for job in jobs):
                return jobs
            time.sleep(0.2)
        raise TimeoutError(f"the jobs did not finish in {timeout:.0f} s")


def repository_content(scratch: Path) -> Path:
    """A folder with what the demo repository holds: this project's connectors, flow kit and
    flows, and its pyproject (so the gate checks flows against the real library)."""
    content = scratch / "demo-repository"
    for part in DEMO_PARTS:
        shutil.copytree(PROJECT / part, content / part,
                        ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(PROJECT / "pyproject.toml", content / "pyproject.toml")
    return content


@contextmanager
def demo_world(scratch: Path, *, anthropic_key: str | None = None,
               anthropic_base_url: str | None = None, model_name: str | None = None,
               worker: bool = True, workers: int = 1, validate: bool = False,
               log_level: str = "WARNING", content: Path | None = None) -> Iterator[DemoWorld]:
    """Start everything in `scratch` (world-readable: the sandbox runs as nobody); without
    `worker`, jobs wait for a worker started some other way (`DemoWorld.environment`).
    With `anthropic_key` the model is Claude, at `anthropic_base_url` when given (any endpoint
    that speaks the Messages API); without it, the local Messages API simulator. `model_name` is
    the app's FLOWBOT_MODEL (its default when None); `workers` the worker's threads.
    `content` is what the repository holds (default: a flowbot checkout's, the monorepo form).
    A script that calls this guards its entry with `if __name__ == "__main__":`
    (`bot.service.build_service` says why)."""
    scratch.mkdir(parents=True, exist_ok=True)
    scratch.chmod(0o755)
    key = new_app_key()
    github = GitHubSimulator(scratch / "github", private_key_pem=key,
                             webhook_secret=WEBHOOK_SECRET, validate=validate)
    model = None if anthropic_key else MessagesSimulator()
    with ExitStack() as stack:
        github_url = stack.enter_context(github.serve())
        model_url = stack.enter_context(model.serve()) if model else anthropic_base_url
        repository = github.create_repository(
            "acme", "integrations", content=content or repository_content(scratch),
            permissions={"maintainer": "write", "stranger": "read"})
        data = scratch / "app"
        data.mkdir(exist_ok=True)
        data.chmod(0o755)
        environment = {"GITHUB_APP_ID": str(github.world.app_id), "GITHUB_PRIVATE_KEY": key,
                       "GITHUB_WEBHOOK_SECRET": WEBHOOK_SECRET, "GITHUB_API_URL": github_url,
                       "ANTHROPIC_API_KEY": anthropic_key or SCRIPTED_KEY,
                       "FLOWBOT_DATA_DIR": str(data), "LOG_LEVEL": log_level}
        if model_url:
            environment["ANTHROPIC_BASE_URL"] = model_url
        if model_name:
            environment["FLOWBOT_MODEL"] = model_name
        service = build_service(load_settings(environment))
        app_url = stack.enter_context(serve_on_loopback(service.app))
        github.webhook_url = app_url + WEBHOOK_PATH
        if worker:
            consumer = service.queue.huey.create_consumer(workers=workers, worker_type="thread",
                                                          periodic=False)
            consumer.start()
            stack.callback(consumer.stop, graceful=True)
        yield DemoWorld(github, repository, service, model, key, scratch, environment)
