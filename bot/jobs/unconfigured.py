"""Jobs that need the model, in an app started without ANTHROPIC_API_KEY: the issue hears why
nothing happens (once per job), the log and a metric say the same to the operator."""

from __future__ import annotations

import structlog
from prometheus_client import Counter

from bot.github.issues import comment
from bot.jobs.context import JobContext
from bot.store import Job, JobState

MODEL_MISSING = Counter("flowbot_jobs_model_not_configured_total",
                        "Jobs that needed the model while ANTHROPIC_API_KEY was not set", ["kind"])
NOT_CONFIGURED = ("flowbot cannot work on this yet: its model is not configured on the server "
                  "(the operator sets `ANTHROPIC_API_KEY` and restarts flowbot). Once it is, "
                  "comment `/retry` here.")
log = structlog.get_logger(__name__)


def model_not_configured(job: Job, context: JobContext) -> JobState:
    """Say on the issue that the model is not configured; the job fails, so `/retry` works."""
    MODEL_MISSING.labels(kind=job.kind).inc()
    log.warning("model_not_configured", job=job.id, kind=job.kind, repository=job.repository,
                number=job.number, fix="set ANTHROPIC_API_KEY and restart")
    gh, repo = context.client_for(job)
    comment(gh, repo, job.number, NOT_CONFIGURED)
    return JobState.FAILED
