"""Reaching an ASGI app in process, through an httpx transport, with no sockets."""

from __future__ import annotations

from typing import Any, cast

import httpx
from a2wsgi import ASGIMiddleware
from starlette.types import ASGIApp

IN_PROCESS_BASE_URL = "http://simulator.invalid"
"""The base URL connectors use for an in-process simulator (`.invalid` never resolves)."""


class SimulatedDrop(Exception):
    """Raised inside a simulator to break the connection after the request was processed."""


class InProcessTransport(httpx.BaseTransport):
    """An httpx transport that calls an ASGI app in this process.

    A simulated dropped connection surfaces as the `httpx.RemoteProtocolError` a real one causes.
    """

    def __init__(self, app: ASGIApp) -> None:
        wsgi_app = cast(Any, ASGIMiddleware(cast(Any, app)))
        self._wsgi = httpx.WSGITransport(app=wsgi_app)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Pass the request to the app."""
        try:
            response = self._wsgi.handle_request(request)
            body = response.read()
        except SimulatedDrop as exc:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a complete response", request=request
            ) from exc
        # a2wsgi may end the response quietly when the app raises right after starting it (a
        # race in its loop), so a drop can also arrive as a body shorter than its declared
        # length: a real HTTP client treats that as the same broken connection.
        declared = response.headers.get("Content-Length")
        if (request.method != "HEAD" and declared is not None and declared.isdigit()
                and len(body) < int(declared)):
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a complete response", request=request)
        return response

    def close(self) -> None:
        """Nothing to release: the app lives as long as its simulator."""
