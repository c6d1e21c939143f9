"""Every request githubkit sends and every answer the simulator gives, checked against GitHub's
published OpenAPI description (trimmed to the operations served; see scripts/)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import parse_qsl

import httpx
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

from bot.github_sim.templates import description

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
            self.problems.append(f"{request.method.upper()} {request.path} -> "
                                 f"{answer.status_code}: {type(error).__name__}: "
                                 f"{str(detail)[:400]}")

    def hooks(self) -> dict[str, list[Any]]:
        """githubkit's event_hooks argument."""
        return {"response": [self]}


def loads(response: httpx.Response) -> Any:
    """The JSON of a response."""
    return json.loads(response.content)
