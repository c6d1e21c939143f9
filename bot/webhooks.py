"""Receiving GitHub's webhooks: verify, persist once, enqueue, answer — in milliseconds.

`create_app()` is the FastAPI app `flowbot serve` runs. The handler does nothing slow: it reads
the body within a size limit, checks `X-Hub-Signature-256` in constant time (a missing, malformed
or SHA-1-only signature is 401 — githubkit's own check would fall back to SHA-1), validates the
fields it routes on (`bot.payloads`; githubkit's models refuse payload shapes GitHub still sends),
stores the delivery once by `X-GitHub-Delivery`, turns it into jobs (stored once per trigger)
and puts them on the queue. `/healthz`, `/readyz` and
`/metrics` are for operators.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import time
from contextlib import nullcontext
from typing import Any

import structlog
from fastapi import FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.events import Ignored, JobRequest, new_job, route
from bot.installations import INSTALLATION_EVENTS, apply_installation_event
from bot.payloads import check_payload
from bot.queue import JobQueue, queue_reachable
from bot.settings import AppSettings
from bot.store import Delivery, Job, reachable

WEBHOOK_PATH = "/api/github/webhooks"
_SIGNATURE = re.compile(r"^sha256=(?P<digest>[0-9a-f]{64})$")
_DELIVERY = re.compile(r"^[0-9A-Za-z-]{1,64}$")
log = structlog.get_logger("flowbot.webhooks")


def signature_valid(secret: bytes, body: bytes, header: str | None) -> bool:
    """Whether `X-Hub-Signature-256` is the HMAC-SHA256 of the body (compared in constant time)."""
    match = _SIGNATURE.match(header or "")
    if match is None:
        return False
    expected = hmac.new(secret, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, match["digest"])


class _Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.deliveries = Counter("flowbot_deliveries_total", "Webhook deliveries by outcome",
                                  ["event", "outcome"], registry=self.registry)
        self.jobs = Counter("flowbot_jobs_enqueued_total", "Jobs enqueued by kind", ["kind"],
                            registry=self.registry)
        self.latency = Histogram("flowbot_webhook_seconds", "Time to acknowledge a delivery",
                                 registry=self.registry,
                                 buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5))


def _problem(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def _body(request: Request, limit: int) -> bytes | None:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def create_app(settings: AppSettings, sessions: sessionmaker[Session], queue: JobQueue, *,
               app_login: str) -> FastAPI:
    """The webhook receiver and the operators' endpoints."""
    app = FastAPI(title="flowbot", docs_url=None, redoc_url=None, openapi_url=None)
    metrics = _Metrics()
    secret = settings.github_webhook_secret.get_secret_value().encode()
    # SQLite takes one writer at a time; queueing writers here beats its busy-wait back-off
    serial = threading.Lock() if settings.database.startswith("sqlite") else nullcontext()

    def accept(delivery: str, event: str, payload: dict[str, Any],
               decision: list[JobRequest] | Ignored) -> list[tuple[int, str]] | None:
        with serial:
            jobs = _store(sessions, delivery, event, payload, decision)
            for job_id, _ in jobs or []:
                queue.enqueue(job_id)
        return jobs

    @app.post(WEBHOOK_PATH)
    async def receive(request: Request) -> Response:
        """Verify, store once, enqueue, answer 202."""
        started = time.perf_counter()
        event = request.headers.get("x-github-event", "")
        delivery = request.headers.get("x-github-delivery", "")
        body = await _body(request, settings.max_body_bytes)
        if body is None:
            metrics.deliveries.labels(event or "unknown", "too_large").inc()
            return _problem(413, f"payload larger than {settings.max_body_bytes} bytes")
        if not signature_valid(secret, body, request.headers.get("x-hub-signature-256")):
            metrics.deliveries.labels(event or "unknown", "unauthorized").inc()
            return _problem(401, "missing or wrong X-Hub-Signature-256 (sha256=…) signature")
        if not event or not _DELIVERY.match(delivery):
            return _problem(400, "X-GitHub-Event and X-GitHub-Delivery are required")
        try:
            payload: dict[str, Any] = json.loads(body)
            check_payload(event, payload)
        except ValueError as error:  # JSONDecodeError and PayloadInvalid
            metrics.deliveries.labels(event, "malformed").inc()
            return _problem(400, f"not a valid {event} payload: {str(error).splitlines()[0]}")
        if event == "ping":
            metrics.deliveries.labels(event, "ping").inc()
            return JSONResponse({"ok": True, "zen": payload.get("zen")}, status_code=200)
        decision = route(event, payload, app_login=app_login)
        jobs = await run_in_threadpool(accept, delivery, event, payload, decision)
        if jobs is None:
            metrics.deliveries.labels(event, "duplicate").inc()
            log.info("delivery.duplicate", delivery=delivery, webhook_event=event)
            return JSONResponse({"duplicate": True}, status_code=200)
        for _, kind in jobs:
            metrics.jobs.labels(kind).inc()
        metrics.deliveries.labels(event, "accepted").inc()
        metrics.latency.observe(time.perf_counter() - started)
        log.info("delivery.accepted", delivery=delivery, webhook_event=event,
                 action=payload.get("action"), jobs=[job_id for job_id, _ in jobs],
                 decision=_describe(decision))
        return JSONResponse({"jobs": [job_id for job_id, _ in jobs]}, status_code=202)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz() -> JSONResponse:
        """The database and the queue answer."""
        problems = [p for p in (reachable(sessions), queue_reachable(queue.huey)) if p]
        return JSONResponse({"status": "ready" if not problems else "not ready",
                             "problems": problems}, status_code=503 if problems else 200)

    @app.get("/metrics")
    def prometheus() -> Response:
        """Prometheus metrics."""
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return app


def _describe(decision: list[JobRequest] | Ignored) -> str:
    if isinstance(decision, Ignored):
        return f"ignored: {decision.reason}"
    return ", ".join(f"{job.kind} #{job.number}" for job in decision)


def _store(sessions: sessionmaker[Session], delivery: str, event: str, payload: dict[str, Any],
           decision: list[JobRequest] | Ignored) -> list[tuple[int, str]] | None:
    """Store the delivery and its new jobs in one transaction; None for a redelivery.

    A job whose trigger already made one (an issue opened with its label sends `opened` and
    `labeled` at once) is not made again. The first try just inserts; when a unique key refuses
    it (a redelivery, a trigger seen before, another process storing the same), the second try
    looks before it inserts.
    """
    requests = [] if isinstance(decision, Ignored) else decision
    for last_try in (False, True):
        try:
            with sessions.begin() as session:
                if last_try and session.get(Delivery, delivery) is not None:
                    return None
                described = _describe(decision)
                if event in INSTALLATION_EVENTS:
                    described = apply_installation_event(session, event, payload)
                session.add(Delivery(
                    id=delivery, event=event, action=payload.get("action"),
                    installation_id=(payload.get("installation") or {}).get("id"),
                    repository=(payload.get("repository") or {}).get("full_name"),
                    payload=payload, decision=described))
                jobs: list[tuple[int, str]] = []
                for request in requests:
                    if last_try and session.scalar(select(Job.id).where(
                            Job.trigger == request.trigger)):
                        continue
                    job = new_job(request, delivery_id=delivery)
                    session.add(job)
                    session.flush()
                    jobs.append((job.id, job.kind))
            return jobs
        except IntegrityError:
            if last_try:
                raise
    return None
