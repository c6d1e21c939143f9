"""What every API simulator shares: seeded state, rate limiting, fault injection, write counting.

A simulator reproduces one vendor's documented behaviour over real HTTP so that connectors, flows
and the demo can be tested without the internet. This base wraps the vendor-specific FastAPI app in
an ASGI layer that, in order: records the request, injects the faults switched on for the test,
enforces the vendor's rate limit with the vendor's own 429 answer, and adds the vendor's rate-limit
headers to every answer. Subclasses add the endpoints and say how their vendor words a 429.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
from abc import ABC, abstractmethod
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import TypeAdapter, ValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from connectors.core.clock import SYSTEM_CLOCK, Clock
from connectors.core.connector import Connector, ConnectorSettings
from connectors.core.ratelimit import RateLimit
from connectors.core.transport import IN_PROCESS_BASE_URL, InProcessTransport, SimulatedDrop

C = TypeVar("C", bound=Connector)

HTML_BAD_GATEWAY = -502
"""Internal marker for the HTML 502 fault (a negative status no vendor sends)."""

NOT_SIMULATED = 501
"""The status of a call the simulator does not reproduce: never a realistic 404 or 400 that a user
would blame on their own code."""

ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

ADMIN_PREFIX = "/_simulator"
"""Paths under this prefix control the simulator itself (faults, stats); no vendor uses it."""


@dataclass
class FaultPlan:
    """Faults to inject, switchable per test. Counters are consumed request by request, first;
    then each probability is drawn from the simulator's seeded random generator."""

    rate_limit_bursts: int = 0
    """The next N requests get the vendor's 429 before any work is done."""
    server_errors: int = 0
    """The next N requests get `server_error_status` before any work is done."""
    server_error_status: int = 503
    html_errors: int = 0
    """The next N requests get an HTML 502 page, as a proxy in front of the API would send."""
    drops_after_processing: int = 0
    """The next N requests are processed, then the connection breaks before the answer."""
    latency_s: float = 0.0
    """Extra time before every answer."""
    retry_after: str | None = "1"
    """The Retry-After value of injected 429s and 503s (None: no header)."""
    p_rate_limit: float = 0.0
    p_server_error: float = 0.0
    p_drop: float = 0.0


@dataclass(frozen=True)
class RecordedRequest:
    """A request as the simulator saw it, for assertions in tests."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


@dataclass
class SimulatorStats:
    """What happened, counted: requests, 429s sent, and writes per key."""

    requests: int = 0
    rate_limited: int = 0
    server_errors: int = 0
    drops: int = 0
    writes: Counter[str] = field(default_factory=Counter)


class Simulator(ABC, Generic[C]):
    """Base of every vendor simulator. `app` is the ASGI app to serve or to reach in process.

    Besides the vendor's endpoints it answers `GET /_simulator/stats` and `PUT /_simulator/faults`
    (a JSON `FaultPlan`), so a simulator in another process can be steered too.
    """

    name: ClassVar[str]
    connector_class: ClassVar[type[Connector]]

    def __init__(self, *, seed: int = 0, clock: Clock = SYSTEM_CLOCK,
                 enforce_rate_limit: bool = True) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.clock = clock
        self.enforce_rate_limit = enforce_rate_limit
        self.faults = FaultPlan()
        self.stats = SimulatorStats()
        self.requests: list[RecordedRequest] = []
        self.lock = threading.RLock()
        self.api = self.build_api()
        self.api.add_api_route("/{path:path}", self._not_simulated_route, methods=ALL_METHODS,
                               include_in_schema=False, response_model=None)
        self.app: ASGIApp = self._wrap(self.api)

    def close(self) -> None:
        """Release what the simulator holds: nothing, its API lives in this process's memory
        (a flow test closes every double it made)."""

    # -- what subclasses provide ---------------------------------------------------------------

    @abstractmethod
    def build_api(self) -> FastAPI:
        """The vendor's endpoints."""

    @abstractmethod
    def settings(self, base_url: str) -> ConnectorSettings:
        """Connector settings that reach this simulator at `base_url` with its test credentials."""

    def connect(self, base_url: str | None = None, *, clock: Clock | None = None) -> C:
        """A connector talking to this simulator: in process, or at `base_url` over HTTP."""
        cls: Any = self.connector_class
        if base_url is None:
            connector: C = cls(self.settings(IN_PROCESS_BASE_URL),
                               transport=InProcessTransport(self.app), clock=clock or self.clock)
        else:
            connector = cls(self.settings(base_url), clock=clock or self.clock)
        return connector

    def rate_limit_for(self, scope: Scope) -> RateLimit | None:
        """The limit this request counts against (None: unlimited)."""
        return None

    @abstractmethod
    def rate_limited_response(self, retry_after: float | None) -> tuple[dict[str, str], Any]:
        """The vendor's own 429: headers and JSON body."""

    def server_error_body(self, status: int) -> Any:
        """The vendor's body for an injected 5xx."""
        return {"error": f"simulated {status}"}

    def not_simulated_body(self, method: str, path: str) -> Any:
        """The vendor's error body for a call this simulator does not reproduce (HTTP 501)."""
        return {"error": self.not_simulated_message(method, path)}

    def rate_limit_headers(self, limit: RateLimit, now: float) -> dict[str, str]:
        """The vendor's rate-limit headers on every answer (none by default)."""
        return {}

    # -- helpers for subclasses ----------------------------------------------------------------

    def not_simulated_message(self, method: str, path: str) -> str:
        """What a 501 says: which simulator, which call, and where coverage is listed."""
        return (f"not simulated: the {self.connector_class.title} simulator does not reproduce "
                f"{method} {path} "
                "(docs/connectors.md lists what each simulator covers)")

    def not_simulated(self, method: str, path: str) -> JSONResponse:
        """The 501 answer, in the vendor's error shape."""
        return JSONResponse(self.not_simulated_body(method, path), status_code=NOT_SIMULATED)

    async def _not_simulated_route(self, request: Request) -> JSONResponse:
        """Every path no endpoint matched (registered after the vendor's endpoints)."""
        return self.not_simulated(request.method, request.url.path)

    def count_write(self, key: str) -> int:
        """Count one write that took effect for `key`; returns how many there have been."""
        with self.lock:
            self.stats.writes[key] += 1
            return self.stats.writes[key]

    # -- the ASGI layer ------------------------------------------------------------------------

    def _refusal(self) -> int | None:
        """The status of an injected refusal (before any work), or None."""
        with self.lock:
            plan = self.faults
            if plan.rate_limit_bursts > 0:
                plan.rate_limit_bursts -= 1
                return 429
            if plan.server_errors > 0:
                plan.server_errors -= 1
                return plan.server_error_status
            if plan.html_errors > 0:
                plan.html_errors -= 1
                return HTML_BAD_GATEWAY
            draw = self.rng.random()
            if draw < plan.p_rate_limit:
                return 429
            if draw < plan.p_rate_limit + plan.p_server_error:
                return plan.server_error_status
            return None

    def _drop(self) -> bool:
        """Whether to break the connection after processing this request."""
        with self.lock:
            plan = self.faults
            if plan.drops_after_processing > 0:
                plan.drops_after_processing -= 1
                return True
            return plan.p_drop > 0 and self.rng.random() < plan.p_drop

    def _wrap(self, api: ASGIApp) -> ASGIApp:
        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await api(scope, receive, send)
                return
            body = await _read_body(receive)
            if scope["path"].startswith(ADMIN_PREFIX):
                await self._admin(scope, body, send)
                return
            self._record(scope, body)
            if self.faults.latency_s > 0:
                await asyncio.sleep(self.faults.latency_s)
            refusal = self._refusal()
            if refusal is not None:
                await self._send_fault(refusal, send)
                return
            limit = self.rate_limit_for(scope) if self.enforce_rate_limit else None
            if limit is not None:
                with self.lock:
                    now = self.clock.now()
                    wait = limit.delay(now)
                    if wait <= 0:
                        limit.consume(now)
                if wait > 0:
                    with self.lock:
                        self.stats.rate_limited += 1
                    headers, payload = self.rate_limited_response(wait)
                    await _send_json(send, 429, payload, headers)
                    return
            replay = _replaying_receive(body)
            if self._drop():
                await api(scope, replay, _discard)
                with self.lock:
                    self.stats.drops += 1
                await send({"type": "http.response.start", "status": 200,
                            "headers": [(b"content-type", b"application/json"),
                                        (b"content-length", b"4096")]})
                raise SimulatedDrop("connection dropped after the request was processed")

            async def send_with_headers(message: Message) -> None:
                if message["type"] == "http.response.start" and limit is not None:
                    with self.lock:
                        extra = self.rate_limit_headers(limit, self.clock.now())
                    message["headers"] = [*message.get("headers", []),
                                          *[(k.lower().encode(), v.encode())
                                            for k, v in extra.items()]]
                await send(message)

            await api(scope, replay, send_with_headers)

        return app

    async def _admin(self, scope: Scope, body: bytes, send: Send) -> None:
        path, method = scope["path"].removeprefix(ADMIN_PREFIX), scope["method"]
        if path == "/stats" and method == "GET":
            with self.lock:
                stats = {"requests": self.stats.requests, "rate_limited": self.stats.rate_limited,
                         "server_errors": self.stats.server_errors, "drops": self.stats.drops,
                         "writes": dict(self.stats.writes)}
            await _send_json(send, 200, stats, {})
        elif path == "/faults" and method == "PUT":
            try:
                plan = TypeAdapter(FaultPlan).validate_json(body or b"{}")
            except ValidationError as exc:
                await _send_json(send, 422, {"error": str(exc)}, {})
                return
            with self.lock:
                self.faults = plan
            await _send_json(send, 200, {"ok": True}, {})
        else:
            await _send_json(send, 404, {"error": f"no simulator endpoint {method} {path}"}, {})

    def _record(self, scope: Scope, body: bytes) -> None:
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        with self.lock:
            self.stats.requests += 1
            self.requests.append(RecordedRequest(
                method=scope["method"], path=scope["path"],
                query=scope.get("query_string", b"").decode("latin-1"), headers=headers,
                body=body))

    async def _send_fault(self, status: int, send: Send) -> None:
        if status == HTML_BAD_GATEWAY:
            with self.lock:
                self.stats.server_errors += 1
            page = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
            await send({"type": "http.response.start", "status": 502,
                        "headers": [(b"content-type", b"text/html"),
                                    (b"content-length", str(len(page)).encode())]})
            await send({"type": "http.response.body", "body": page})
            return
        if status == 429:
            with self.lock:
                self.stats.rate_limited += 1
            retry_after = float(self.faults.retry_after) if (
                self.faults.retry_after and _is_number(self.faults.retry_after)) else None
            headers, payload = self.rate_limited_response(retry_after)
            if self.faults.retry_after is None:
                headers.pop("Retry-After", None)
            elif not _is_number(self.faults.retry_after):
                headers["Retry-After"] = self.faults.retry_after
        else:
            with self.lock:
                self.stats.server_errors += 1
            headers = {"Retry-After": self.faults.retry_after} if self.faults.retry_after else {}
            payload = self.server_error_body(status)
        await _send_json(send, status, payload, headers)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def _replaying_receive(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


async def _discard(_message: Message) -> None:
    return None


async def _send_json(send: Send, status: int, payload: Any, headers: dict[str, str]) -> None:
    body = json.dumps(payload).encode()
    raw_headers = [(b"content-type", b"application/json"),
                   (b"content-length", str(len(body)).encode()),
                   *[(k.lower().encode(), v.encode()) for k, v in headers.items()]]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})
