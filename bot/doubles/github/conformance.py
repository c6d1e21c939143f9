"""Every request a client sends and every answer the simulator gives, checked against GitHub's
published OpenAPI description (trimmed to the operations served; see scripts/).

Two ways in: an httpx response hook for a client under test (`Conformance.hooks()`), and an
ASGI wrapper around the simulator that checks every exchange it serves
(`GitHubSimulator(validate=True)`), so a whole app can be held to the description. Needs the
dev dependency openapi-core.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import parse_qsl

import httpx
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from werkzeug.datastructures import Headers, ImmutableMultiDict

from bot.doubles.github.templates import description

GITHUB = "https://api.github.com"


@cache
def openapi() -> OpenAPI:
    """The description, loaded once (its own validation skipped: it is GitHub's, and slow)."""
    return OpenAPI.from_dict(description(),
                             config=Config(spec_validator_cls=None))  # type: ignore[arg-type]


@dataclass
class _Request:
    request: httpx.Request

    def __post_init__(self) -> None:
        query = ImmutableMultiDict(parse_qsl(self.request.url.query.decode()))
        # one object: the validator fills in the path parameters it matched
        self.parameters = RequestParameters(query=query,
                                            header=Headers(dict(self.request.headers)),
                                            cookie=ImmutableMultiDict())

    @property
    def host_url(self) -> str:
        return GITHUB

    @property
    def path(self) -> str:
        return self.request.url.path

    @property
    def method(self) -> str:
        return self.request.method.lower()

    @property
    def content_type(self) -> str:
        return str(self.request.headers.get("content-type", "application/json")).split(";")[0]

    @property
    def body(self) -> bytes | None:
        return self.request.content or None


@dataclass
class _Response:
    response: httpx.Response

    @property
    def status_code(self) -> int:
        return self.response.status_code

    @property
    def content_type(self) -> str:
        return str(self.response.headers.get("content-type", "")).split(";")[0]

    @property
    def headers(self) -> Headers:
        return Headers(dict(self.response.headers))

    @property
    def data(self) -> bytes:
        return self.response.content


class Conformance:
    """An httpx response hook that validates each exchange; problems are collected."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.checked = 0

    def __call__(self, response: httpx.Response) -> None:
        response.read()
        request, answer = _Request(response.request), _Response(response)
        self.checked += 1
        try:
            openapi().validate_request(request)
            openapi().validate_response(request, answer)
        except Exception as error:  # every kind of mismatch is a finding of the test
            detail = getattr(error, "__cause__", None) or error
            reasons = [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
                       for e in getattr(detail, "schema_errors", None) or []]
            self.problems.append(f"{request.method.upper()} {request.path} -> "
                                 f"{answer.status_code}: {type(error).__name__}: "
                                 f"{'; '.join(reasons) or str(detail)[:400]}")

    def hooks(self) -> dict[str, list[Any]]:
        """githubkit's event_hooks argument."""
        return {"response": [self]}


class ValidatingApp:
    """An ASGI wrapper that checks each REST exchange of the app it wraps (git, the page and the
    new-app form are not REST, and are passed through)."""

    def __init__(self, app: ASGIApp, conformance: Conformance) -> None:
        self.app = app
        self.conformance = conformance

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if (scope["type"] != "http" or path == "/" or ".git/" in path
                or path.endswith("/settings/apps/new")  # GitHub's web form, not REST
                or path.startswith("/_simulator/")):  # people acting, not GitHub's API
            await self.app(scope, receive, send)
            return
        sent: list[bytes] = []
        answer: dict[str, Any] = {}
        answered: list[bytes] = []

        async def listen() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                sent.append(message.get("body", b""))
            return message

        async def speak(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer.update(status=message["status"], headers=message.get("headers", []))
            elif message["type"] == "http.response.body":
                answered.append(message.get("body", b""))
            await send(message)

        await self.app(scope, listen, speak)
        query = scope.get("query_string", b"").decode()
        url = f"http://simulator{path}" + (f"?{query}" if query else "")
        request = httpx.Request(scope["method"], url, content=b"".join(sent),
                                headers=[(k.decode(), v.decode()) for k, v in scope["headers"]])
        response = httpx.Response(answer.get("status", 500), content=b"".join(answered),
                                  headers=[(k.decode(), v.decode())
                                           for k, v in answer.get("headers", [])],
                                  request=request)
        self.conformance(response)
