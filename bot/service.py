"""The app assembled from its settings: store, queue, job handlers, web app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from fastapi import FastAPI
from githubkit import AppAuthStrategy, GitHub
from huey import crontab
from sqlalchemy.orm import Session, sessionmaker

from bot.agent.model import client as model_client
from bot.github.client import AppIdentity, app_client
from bot.jobs.branches import branch_keys
from bot.jobs.context import JobContext
from bot.jobs.generate import generate
from bot.jobs.help import help_reply
from bot.jobs.job_queue import JobQueue, make_huey
from bot.jobs.reconciler import Reconciled, reconcile
from bot.jobs.repair import repair
from bot.jobs.resume import resume
from bot.jobs.revise import revise
from bot.jobs.steer import cancel, retry
from bot.jobs.unconfigured import model_not_configured
from bot.logs import configure_logging
from bot.settings import AppSettings
from bot.store import open_app_store
from bot.web.endpoint import build_webhook_app
from bot.web.writer.batches import BatchWriter
from bot.web.writer.client import WriterProcess


@dataclass
class Service:
    """Everything `flowbot serve` and `flowbot worker` run."""

    settings: AppSettings
    sessions: sessionmaker[Session]
    queue: JobQueue
    app: FastAPI
    github: GitHub[AppAuthStrategy]

    def reconcile(self) -> Reconciled:
        """One reconciler pass (at start-up; the queue runs one every ten minutes)."""
        return reconcile(self.queue, self.github, app_login=self.settings.bot_login,
                         trusted_bots=self.settings.trusted_bots)


def build_service(settings: AppSettings,
                  batch_writer: Callable[[AppSettings], BatchWriter] = WriterProcess) -> Service:
    """Connect the store and the queue, and build the web app on them (`batch_writer`: what
    stores its deliveries, `bot.web.endpoint.build_webhook_app`).

    A script that calls this must guard its entry with `if __name__ == "__main__":`. The writer
    process is started by multiprocessing's fork server, which imports the script again as
    its main module (the rule of the forkserver and spawn start methods)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    configure_logging(settings.log_level, secrets=settings.secret_values())
    sessions = open_app_store(settings.database)
    github = app_client(AppIdentity(settings.github_app_id, settings.private_key(),
                                    settings.github_api_url))
    queue = JobQueue(make_huey(settings), sessions, key_of=branch_keys(github, sessions),
                     lease_ttl=timedelta(seconds=settings.lease_ttl_s))
    _register_handlers(settings, queue, github, sessions)
    queue.huey.periodic_task(crontab(minute="*/10"), name="reconcile")(
        lambda: reconcile(queue, github, app_login=settings.bot_login,
                          trusted_bots=settings.trusted_bots))
    app = build_webhook_app(settings, sessions, queue, batch_writer)
    return Service(settings, sessions, queue, app, github)


def _register_handlers(settings: AppSettings, queue: JobQueue,
                       github: GitHub[AppAuthStrategy], sessions: sessionmaker[Session]) -> None:
    """The job handlers, bound to the app's GitHub client and the model."""
    api_key = settings.anthropic_api_key
    model = (model_client(api_key, base_url=settings.anthropic_base_url)
             if api_key is not None else None)
    context = JobContext(settings, github, model, sessions, queue.enqueue)
    if model is None:  # the issue hears why (bot.jobs.unconfigured); `flowbot serve` warns
        for kind in ("generate", "revise", "repair", "resume"):
            queue.register(kind)(lambda job: model_not_configured(job, context))
    else:
        queue.register("generate")(lambda job: generate(job, context))
        queue.register("revise")(lambda job: revise(job, context))
        queue.register("repair")(lambda job: repair(job, context))
        queue.register("resume")(lambda job: resume(job, context))
    queue.register("help")(lambda job: help_reply(job, context))
    queue.register("cancel")(lambda job: cancel(job, context))
    queue.register("retry")(lambda job: retry(job, context))
