"""Receiving GitHub's webhooks: verify, persist once, enqueue, answer — in milliseconds.

`build_webhook_app()` is the FastAPI app `flowbot serve` runs. The handler does nothing slow: it
reads the body within a size limit, checks `X-Hub-Signature-256` in constant time (a missing,
malformed or SHA-1-only signature is 401 — githubkit's own check would fall back to SHA-1) and
the delivery's headers, then hands the delivery to the writer process (`bot.web.writer`), which
checks the fields flowbot routes on (`bot.web.payloads`; githubkit's models refuse payload shapes
GitHub still sends), routes it, stores it once by `X-GitHub-Delivery` with its jobs (stored once
per trigger) and puts them on the queue. The request is answered once its own delivery is
stored: 202 with its jobs, 200 for a redelivery, 400 for a payload its event cannot have, 503
when it was not stored. `/healthz`, `/readyz` and `/metrics` are for operators.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import orjson
import structlog
from fastapi import FastAPI, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import ClientDisconnect

from bot.jobs.job_queue import JobQueue, queue_reachable
from bot.settings import AppSettings
from bot.store import reachable
from bot.web.deliveries import Duplicate, Malformed, NotStored
from bot.web.intake_limits import quiet_accept_errors
from bot.web.payloads import KNOWN_EVENTS, check_payload
from bot.web.writer.batches import BatchWriter, DeliveryWriter
from bot.web.writer.client import WriterProcess
from bot.web.writer.messages import Received
from connectors.core.redaction import first_line

WEBHOOK_PATH = "/api/github/webhooks"
_SIGNATURE = re.compile(r"sha256=(?P<digest>[0-9a-f]{64})")
_DELIVERY = re.compile(r"[0-9A-Za-z-]{1,64}")
_EVENT = re.compile(r"[a-z_]{1,64}")
log = structlog.get_logger("flowbot.webhooks")


def signature_valid(secret: bytes, body: bytes, header: str | None) -> bool:
    """Whether `X-Hub-Signature-256` is the HMAC-SHA256 of the body (compared in constant time)."""
    match = _SIGNATURE.fullmatch(header or "")
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


UNVERIFIED = "unverified"
"""The event label of a request whose signature was not (yet) checked: what an unsigned request
says it is costs nothing to remember."""


def event_label(event: str) -> str:
    """The metrics label of a verified delivery's event: its name if the app knows it, else
    `other` (so no sender can grow the metrics with invented names)."""
    return event if event in KNOWN_EVENTS else "other"


def _json(content: dict[str, object], status: int) -> Response:
    """A JSON answer rendered by orjson (starlette's JSONResponse goes through `json`)."""
    return Response(orjson.dumps(content), status_code=status, media_type="application/json")


def _problem(status: int, message: str) -> Response:
    return _json({"error": message}, status)


def _pong(body: bytes, metrics: _Metrics) -> Response:
    """GitHub's ping, sent when a webhook is set up: answered, not stored."""
    try:
        payload = orjson.loads(body)
        check_payload("ping", payload)
    except ValueError as error:  # orjson.JSONDecodeError and PayloadInvalid
        metrics.deliveries.labels("ping", "malformed").inc()
        return _problem(400, f"not a valid ping payload: {first_line(error)}")
    metrics.deliveries.labels("ping", "ping").inc()
    return _json({"ok": True, "zen": payload.get("zen")}, 200)


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


def build_webhook_app(settings: AppSettings, sessions: sessionmaker[Session], queue: JobQueue,
                      batch_writer: Callable[[AppSettings], BatchWriter] = WriterProcess
                      ) -> FastAPI:
    """The webhook receiver and the operators' endpoints. `batch_writer` makes what stores the
    deliveries: the writer process (a benchmark compares other designs through it)."""
    writer_process = batch_writer(settings)
    writer = DeliveryWriter(writer_process.write)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        quiet_accept_errors(asyncio.get_running_loop())
        await writer_process.start()
        writer.start()
        yield
        await writer.aclose()  # what is waiting is stored before the server stops
        await writer_process.aclose()

    app = FastAPI(title="flowbot", docs_url=None, redoc_url=None, openapi_url=None,
                  lifespan=lifespan)
    metrics = _Metrics()
    secret = settings.github_webhook_secret.get_secret_value().encode()

    @app.post(WEBHOOK_PATH)
    async def receive(request: Request) -> Response:
        """Verify, store once, enqueue, answer 202."""
        started = time.perf_counter()
        event = request.headers.get("x-github-event", "")
        delivery = request.headers.get("x-github-delivery", "")
        try:
            body = await _body(request, settings.max_body_bytes)
        except ClientDisconnect:  # gone, or cut off by the server's limits (bot.web.intake_limits)
            metrics.deliveries.labels(UNVERIFIED, "disconnected").inc()
            return _problem(408, "the request ended before its body arrived")
        if body is None:
            metrics.deliveries.labels(UNVERIFIED, "too_large").inc()
            return _problem(413, f"payload larger than {settings.max_body_bytes} bytes")
        if not signature_valid(secret, body, request.headers.get("x-hub-signature-256")):
            metrics.deliveries.labels(UNVERIFIED, "unauthorized").inc()
            return _problem(401, "missing or wrong X-Hub-Signature-256 (sha256=…) signature")
        if not _EVENT.fullmatch(event) or not _DELIVERY.fullmatch(delivery):
            metrics.deliveries.labels("other", "malformed").inc()
            return _problem(400, "X-GitHub-Event (an event name such as `issues`) and "
                                 "X-GitHub-Delivery (GitHub's delivery id) are required")
        label = event_label(event)
        if event == "ping":
            return _pong(body, metrics)
        answer = await writer.store(Received(delivery, event, body))
        if isinstance(answer, Malformed):
            metrics.deliveries.labels(label, "malformed").inc()
            return _problem(400, f"not a valid {event} payload: {answer.reason}")
        if isinstance(answer, NotStored):  # the writer process logged why
            metrics.deliveries.labels(label, "not_stored").inc()
            return _problem(503, "the delivery was not stored (the app's log says why); "
                                 "redeliver it later")
        if isinstance(answer, Duplicate):
            metrics.deliveries.labels(label, "duplicate").inc()
            return _json({"duplicate": True}, 200)
        for _, kind in answer.jobs:
            metrics.jobs.labels(kind).inc()
        metrics.deliveries.labels(label, "accepted").inc()
        metrics.latency.observe(time.perf_counter() - started)
        return _json({"jobs": [job_id for job_id, _ in answer.jobs]}, 202)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz() -> Response:
        """The database and the queue answer."""
        problems = [p for p in (reachable(sessions), queue_reachable(queue.huey)) if p]
        return _json({"status": "ready" if not problems else "not ready",
                      "problems": problems}, 503 if problems else 200)

    @app.get("/metrics")
    def prometheus() -> Response:
        """Prometheus metrics."""
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return app
