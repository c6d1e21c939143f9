"""What a connection may cost before the app has checked a signature: bounded by the server.

uvicorn's own HTTP/1.1 protocol waits for a request's headers and body as long as a client
likes, keeps every connection it accepts, and buffers bodies without a budget, so slow or
half-open connections pin memory and file descriptors until `/healthz` stops answering.
`bounded_protocol` is that protocol with limits:

- **header deadline**: a connection's request line and headers (the first, or the next on a
  kept-alive connection) must arrive within `header_timeout_s`, else 408 and closed;
- **body deadline**: a request's body must arrive within `body_timeout_s` of its headers, else
  408 and closed;
- **connections**: at most `max_connections` at once; one more evicts the oldest connection that
  is still waiting for its headers, or is refused (503) if every connection is busy;
- **in-flight bytes**: the bytes received for requests not yet answered, over all connections,
  stay under `max_inflight_bytes`; a request that would pass it is refused (503) and closed.

Each refusal is a status written on the connection and one log line per kind of refusal at
most every `LOG_EVERY_S` (with how many there were), never a traceback.
"""

from __future__ import annotations

import asyncio
import resource
import time
from dataclasses import dataclass
from typing import Any

import structlog
from uvicorn.protocols.http.h11_impl import H11Protocol

from bot.settings import AppSettings

LOG_EVERY_S = 10.0
LINGER_S = 2.0
"""How long a refused connection is read (and its bytes dropped) before it is closed."""
FD_RESERVE = 64
"""File descriptors kept free of client connections (the store, the queue, the writer, logs)."""
log = structlog.get_logger("flowbot.intake")


@dataclass(frozen=True)
class IntakeLimits:
    """The limits a web server puts on its connections."""

    header_timeout_s: float = 10.0
    body_timeout_s: float = 30.0
    max_connections: int = 1000
    max_inflight_bytes: int = 64 * 1024 * 1024

    def within_file_limit(self) -> IntakeLimits:
        """These limits with `max_connections` lowered to fit the process's file limit (after
        raising its soft limit to the hard one)."""
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard != resource.RLIM_INFINITY and soft < hard:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        room = max(16, soft - FD_RESERVE) if soft != resource.RLIM_INFINITY else \
            self.max_connections
        return IntakeLimits(self.header_timeout_s, self.body_timeout_s,
                            min(self.max_connections, room), self.max_inflight_bytes)


MAX_HEADER_BYTES = 16 * 1024
"""The most a request line and headers may take (h11's limit; GitHub's are under 2 KB)."""
KEEP_ALIVE_S = 5


def intake_limits(settings: AppSettings) -> IntakeLimits:
    """The limits the settings ask for."""
    return IntakeLimits(settings.header_timeout_s, settings.body_timeout_s,
                        settings.max_connections, settings.max_inflight_bytes)


def server_options(limits: IntakeLimits) -> dict[str, Any]:
    """uvicorn's options for a bounded server: the protocol, the header size, keep-alive."""
    fitted = limits.within_file_limit()
    return {"http": bounded_protocol(fitted), "h11_max_incomplete_event_size": MAX_HEADER_BYTES,
            "timeout_keep_alive": KEEP_ALIVE_S, "backlog": fitted.max_connections}


class _RefusalLog:
    """One log line per kind of refusal at most every LOG_EVERY_S, with the count since."""

    def __init__(self) -> None:
        self._last: dict[str, float] = {}
        self._count: dict[str, int] = {}

    def note(self, kind: str, **details: Any) -> None:
        self._count[kind] = self._count.get(kind, 0) + 1
        now = time.monotonic()
        if now - self._last.get(kind, -LOG_EVERY_S) >= LOG_EVERY_S:
            log.warning(f"intake.{kind}", refused=self._count.pop(kind), **details)
            self._last[kind] = now


@dataclass
class _Shared:
    """What the connections of one server share."""

    limits: IntakeLimits
    inflight: int = 0
    refusals: _RefusalLog | None = None


def quiet_accept_errors(loop: asyncio.AbstractEventLoop) -> None:
    """Make the event loop's report of a connection it could not accept (out of file
    descriptors) one rate-limited log line instead of a traceback per connection."""
    refusals = _RefusalLog()
    default = loop.get_exception_handler()

    def handle(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if isinstance(context.get("exception"), OSError) and "accept" in str(
                context.get("message", "")):
            refusals.note("accept_failed", error=str(context["exception"]))
        elif default is not None:
            default(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handle)


_STATUS = {408: b"Request Timeout", 503: b"Service Unavailable"}


def bounded_protocol(limits: IntakeLimits) -> type[H11Protocol]:
    """uvicorn's HTTP/1.1 protocol with `limits` (pass it as uvicorn's `http`)."""
    shared = _Shared(limits, refusals=_RefusalLog())

    class BoundedH11Protocol(H11Protocol):
        """One connection, within the server's limits."""

        _deadline: asyncio.TimerHandle | None = None
        _held = 0
        _opened = 0.0
        _refused = False

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._opened = time.monotonic()
            self._arm(limits.header_timeout_s, "header_timeout")
            if len(self.connections) > limits.max_connections and not self._evict_one():
                self._refuse(503, "too_many_connections", linger=False)

        def _evict_one(self) -> bool:
            """Close the oldest connection still waiting for its headers; whether there was one."""
            waiting = [c for c in self.connections if isinstance(c, BoundedH11Protocol)
                       and c is not self and c.cycle is None and not c._refused
                       and not c.transport.is_closing()]
            if not waiting:
                return False
            oldest = min(waiting, key=lambda c: c._opened)
            oldest._refuse(408, "evicted_waiting_for_headers", linger=False)
            return True

        def data_received(self, data: bytes) -> None:
            if self._refused:
                return  # read and dropped until the lingering close
            self._held += len(data)
            shared.inflight += len(data)
            if shared.inflight > limits.max_inflight_bytes:
                self._refuse(503, "inflight_bytes")
                return
            waiting_for_headers = self.cycle is None or self.cycle.response_complete
            super().data_received(data)
            if waiting_for_headers and self.cycle is not None \
                    and not self.cycle.response_complete:
                self._arm(limits.body_timeout_s, "body_timeout")  # the headers are in
            if self.cycle is not None and not self.cycle.more_body and self._deadline:
                self._deadline.cancel()  # the whole request is in: the app answers it
                self._deadline = None

        def on_response_complete(self) -> None:
            self._release()
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm(limits.header_timeout_s, "header_timeout")

        def connection_lost(self, exc: Exception | None) -> None:
            self._release()
            if self._deadline is not None:
                self._deadline.cancel()
            super().connection_lost(exc)

        def _arm(self, after_s: float, kind: str) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
            self._deadline = self.loop.call_later(after_s, lambda: self._refuse(
                408, kind, linger=kind != "header_timeout"))

        def _release(self) -> None:
            shared.inflight -= self._held
            self._held = 0

        def _refuse(self, status: int, kind: str, *, linger: bool = True) -> None:
            """Answer `status` (unless a response has begun), close, and note it. `linger`:
            read the client's bytes for a while first, as it may still be sending."""
            if self._refused or self.transport.is_closing():
                return
            self._refused = True
            if self._deadline is not None:
                self._deadline.cancel()
            if self.cycle is None or not self.cycle.response_started:
                self.transport.write(b"HTTP/1.1 %d %s\r\ncontent-length: 0\r\nconnection: "
                                     b"close\r\n\r\n" % (status, _STATUS[status]))
            if self.cycle is not None:  # the app's request reads a disconnect; its answer is
                self.cycle.disconnected = True  # dropped
                self.cycle.message_event.set()
            # a lingering close, as nginx makes: closing with the client's bytes unread would
            # reset the connection before the client read the status
            if linger and self.transport.can_write_eof():
                self.transport.write_eof()
                self._deadline = self.loop.call_later(LINGER_S, self.transport.close)
            else:
                self.transport.close()
            self._release()
            assert shared.refusals is not None
            shared.refusals.note(kind, status=status, limits=f"{limits}")

    return BoundedH11Protocol
