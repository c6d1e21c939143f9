"""`flowbot runner`: run a repository's default-branch flows on their triggers.

`start` is the service (a Huey consumer of the runner's own queue); `run FLOW` and `refresh`
enqueue a manual run and a look for a new version on that queue. The process that starts holds
the GitHub App's key (to fetch the repository and file failures); flows run in child processes
that never see it (see docs/runtime.md).
"""

from __future__ import annotations

from typing import Annotated

import structlog
import typer
from githubkit.exception import GitHubException, RequestFailed
from huey import Huey, RedisHuey, SqliteHuey
from prometheus_client import start_http_server

from bot.cli.errors import fail
from bot.cli.run import open_runtime_store
from bot.cli.translation import message_of
from bot.github.client import (
    AppIdentity,
    app_client,
    installation_client,
    installation_id_for,
    installation_token,
)
from bot.logs import configure_logging
from bot.settings import ProcessSettings, SettingsError, load_process_settings
from flowkit.runtime.filing import FailureFiler
from flowkit.runtime.service.launch import ChildRun
from flowkit.runtime.service.runner import RunnerService, RunnerSettings, RunRefused
from flowkit.runtime.service.versions import Versions, gate_stages

app = typer.Typer(help="Run a repository's default-branch flows on their triggers.",
                  no_args_is_help=True)
log = structlog.get_logger("flowbot.runner")
QUEUE_NAME = "flowbot-runner"


def _settings() -> ProcessSettings:
    try:
        settings = load_process_settings()
    except SettingsError as error:
        fail(message_of(error))
    if settings.runner_repository is None:
        fail("cannot start: set FLOWBOT_RUNNER_REPOSITORY to the owner/name whose flows to run")
    return settings


def _queue(settings: ProcessSettings) -> Huey:
    """The runner's own queue (its tasks are not the app's jobs): Redis or SQLite."""
    if settings.redis_url:
        return RedisHuey(QUEUE_NAME, url=settings.redis_url)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(QUEUE_NAME, filename=str(settings.data_dir / "runner-queue.sqlite3"))


def build_runner(settings: ProcessSettings) -> RunnerService:
    """The runner service of FLOWBOT_RUNNER_REPOSITORY, reached through the GitHub App."""
    assert settings.runner_repository is not None
    owner, name = settings.runner_repository.split("/")
    github_app = app_client(AppIdentity(settings.github_app_id, settings.private_key(),
                                        settings.github_api_url))
    try:
        installation = installation_id_for(github_app, owner, name)
    except RequestFailed as error:
        if error.response.status_code != 404:
            raise
        fail(f"the GitHub App is not installed on {settings.runner_repository} "
             "(FLOWBOT_RUNNER_REPOSITORY), or that repository does not exist: check the name, "
             "and install the app on it from its page on GitHub")
    github = installation_client(github_app, installation)
    repository = github.rest.repos.get(owner, name).parsed_data
    sessions = open_runtime_store(settings.runtime_database,
                                  "FLOWBOT_RUNTIME_DATABASE_URL"
                                  if settings.runtime_database_url else None)
    versions = Versions(settings.data_dir, repository.clone_url,
                        settings.runner_branch or repository.default_branch, sessions,
                        gate=gate_stages(settings.runner_gate_stage),
                        token=lambda: installation_token(github_app, installation))
    filer = FailureFiler(sessions, github, settings.runner_repository,
                         issues_per_hour=settings.failure_issues_per_hour)

    def file_failures(result: ChildRun) -> None:
        try:
            if result.failure_ids:
                filer.file(result.failure_ids)
        except GitHubException as error:  # the failures stay unfiled: the next run's pass
            log.warning("filing failed; the failures wait for the next run", flow=result.flow,
                        run_id=result.run_id, error=type(error).__name__)
        try:
            if result.resolved_ids:
                filer.delivered(result.resolved_ids, version=result.version)
        except GitHubException as error:  # only a courtesy comment is lost
            log.warning("could not tell the issues about the replay", flow=result.flow,
                        version=result.version, error=type(error).__name__)

    return RunnerService(_queue(settings), versions, RunnerSettings(
        data_dir=settings.data_dir, database_url=settings.runtime_database,
        secrets_file=settings.secrets_file,
        poll=None if settings.runner_poll == "off" else settings.runner_poll,
        shared_throttle_url=settings.redis_url),
        on_run=file_failures)


@app.command("start")
def start(workers: Annotated[int, typer.Option(min=1, help="Runs at once.")] = 2,
          metrics_port: Annotated[int | None, typer.Option(
              help="Serve Prometheus metrics on 127.0.0.1 at this port.")] = None) -> None:
    """Deploy the default branch's head (if it passes the gate) and run its flows: scheduled
    ones on their cron, manual ones when `flowbot runner run` asks."""
    settings = _settings()
    configure_logging(settings.log_level, secrets=settings.secret_values())
    runner = build_runner(settings)
    if metrics_port is not None:
        start_http_server(metrics_port, addr="127.0.0.1", registry=runner.metrics.registry)
    commit = runner.refresh()
    typer.echo(f"runner: version {commit or 'none (nothing passed the gate yet)'}", err=True)
    runner.huey.create_consumer(workers=workers, worker_type="thread").run()


@app.command("run")
def run_now(flow: Annotated[str, typer.Argument(help="The flow's name.")]) -> None:
    """Ask the runner to run a flow now, on the current version."""
    try:
        commit = build_runner(_settings()).ask_run(flow)
    except RunRefused as error:
        fail(str(error))
    typer.echo(f"queued a run of {flow} on {commit[:12]}")


@app.command("refresh")
def refresh() -> None:
    """Ask the runner to look for a new version now (what a push to the default branch does)."""
    build_runner(_settings()).refresh_now()
    typer.echo("queued a look for a new version")
