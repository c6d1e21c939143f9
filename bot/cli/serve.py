"""`flowbot serve` and `flowbot worker`: the web app and the job consumer."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn
from githubkit.exception import GitHubException
from huey.consumer import Consumer
from sqlalchemy.exc import SQLAlchemyError

from bot.cli.dev import serve_dev
from bot.jobs.job_queue import storage_errors
from bot.service import Service, build_service
from bot.settings import load_settings
from bot.web.heap import freeze_start_up_heap
from bot.web.intake_limits import intake_limits, server_options


def _service() -> Service:
    settings = load_settings()  # a SettingsError is one line and exit 2 (bot.cli.errors)
    if settings.anthropic_api_key is None:
        typer.echo("warning: ANTHROPIC_API_KEY is not set: /help and /cancel work; requests "
                   "for flows get a comment saying the model is not configured", err=True)
    service = build_service(settings)
    unreachable: tuple[type[Exception], ...] = (GitHubException, SQLAlchemyError,
                                                *storage_errors())
    try:
        found = service.reconcile()
        typer.echo(f"reconciled: {len(found.created)} missed request(s) queued, "
                   f"{len(found.requeued)} stalled job(s) requeued", err=True)
    except unreachable as error:
        # GitHub, the store or the queue unreachable at start: the periodic pass retries
        typer.echo(f"warning: the start-up reconcile failed ({type(error).__name__}); the "
                   "periodic one will try again", err=True)
    return service


def _consumer(service: Service, workers: int) -> Consumer:
    """Start the consumer's workers beside the web server (signals stay uvicorn's). Workers
    can start in any order: a job's lease expires only when its worker stops renewing it."""
    consumer: Consumer = service.queue.huey.create_consumer(workers=workers,
                                                            worker_type="thread")
    consumer.start()
    return consumer


def serve(host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
          with_worker: Annotated[bool, typer.Option(
              "--with-worker", help="Run the job consumer in this process too.")] = False,
          workers: Annotated[int, typer.Option(help="Consumer threads.")] = 2,
          dev: Annotated[bool, typer.Option(
              "--dev", help="Against the GitHub simulator on this machine, with a worker "
                            "(docs/local-development.md).")] = False) -> None:
    """Receive GitHub's webhooks at POST /api/github/webhooks (and /healthz, /readyz,
    /metrics). Configuration comes from the environment (see docs/deploying.md)."""
    if dev:
        serve_dev(port, workers)
        return
    service = _service()
    consumer = _consumer(service, workers) if with_worker else None
    freeze_start_up_heap()
    typer.echo(f"flowbot listening on http://{host}:{port}: GitHub's webhooks go to "
               f"POST http://{host}:{port}/api/github/webhooks (behind your HTTPS proxy)",
               err=True)
    try:
        uvicorn.run(service.app, host=host, port=port, log_level="warning",
                    **server_options(intake_limits(service.settings)))
    finally:
        if consumer is not None:
            consumer.stop(graceful=True)


def worker(workers: Annotated[int, typer.Option(help="Consumer threads.")] = 2) -> None:
    """Consume jobs from the queue (SQLite by default, Redis with FLOWBOT_REDIS_URL)."""
    service = _service()
    service.queue.huey.create_consumer(workers=workers, worker_type="thread").run()
