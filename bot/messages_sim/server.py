"""The Messages API endpoint: checks, records and answers each request from the script."""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import threading
import typing
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import jsonschema
from anthropic.types.model_param import ModelParam
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from bot.messages_sim.script import Error, Reply, Script
from connectors.core.serving import serve_on_loopback

KNOWN_MODELS = frozenset(arg for part in typing.get_args(ModelParam)
                         for arg in typing.get_args(part) if isinstance(arg, str))
_TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_ERRORS = {429: "rate_limit_error", 529: "overloaded_error", 500: "api_error",
           400: "invalid_request_error", 401: "authentication_error"}
CHARS_PER_TOKEN = 4


@dataclass(frozen=True)
class RecordedCall:
    """One request as the simulator saw it."""

    body: dict[str, Any]
    headers: dict[str, str]
    """Request headers; the API key's value is never kept."""
    cached_prefix: str
    """SHA-256 of the prompt up to the last cache mark (tools, system, messages), '' if none."""
    status: int


def _tokens(value: Any) -> int:
    return max(1, len(json.dumps(value, sort_keys=True)) // CHARS_PER_TOKEN)


def _prefix(body: dict[str, Any]) -> tuple[str, Any]:
    """The cache-marked prefix and its hash: everything up to the last `cache_control`."""
    parts: list[Any] = [*body.get("tools", [])]
    system = body.get("system")
    parts += [{"type": "text", "text": system}] if isinstance(system, str) else (system or [])
    for message in body.get("messages", []):
        content = message.get("content")
        parts += content if isinstance(content, list) else [{"text": content}]
    marked = [i for i, part in enumerate(parts)
              if isinstance(part, dict) and "cache_control" in part]
    if not marked:
        return "", []
    prefix = parts[: marked[-1] + 1]
    return hashlib.sha256(json.dumps(prefix, sort_keys=True).encode()).hexdigest(), prefix


def violations(body: Any) -> list[str]:
    """What is wrong with a request, as the API would refuse it."""
    problems: list[str] = []
    if not isinstance(body, dict):
        return ["the body is not a JSON object"]
    if body.get("model") not in KNOWN_MODELS:
        problems.append(f"model: {body.get('model')!r} is not a known model")
    if not isinstance(body.get("max_tokens"), int) or body["max_tokens"] <= 0:
        problems.append("max_tokens: a positive integer is required")
    if body.get("stream"):
        problems.append("stream: this simulator answers whole messages only")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return [*problems, "messages: at least one message is required"]
    if messages[0].get("role") != "user":
        problems.append("messages.0: the first message must be the user's")
    for index, (before, after) in enumerate(itertools.pairwise(messages)):
        if before.get("role") == after.get("role"):
            problems.append(f"messages.{index + 1}: roles must alternate")
    problems += _tool_results(messages)
    names: set[str] = set()
    for index, tool in enumerate(body.get("tools") or []):
        name = tool.get("name", "")
        if not _TOOL_NAME.match(name) or name in names:
            problems.append(f"tools.{index}.name: {name!r} is invalid or repeated")
        names.add(name)
        schema = tool.get("input_schema")
        try:
            jsonschema.Draft202012Validator.check_schema(schema)
            if schema.get("type") != "object":
                raise jsonschema.SchemaError("input_schema must be of type object")
        except (jsonschema.SchemaError, AttributeError) as error:
            problems.append(f"tools.{index}.input_schema: {str(error).splitlines()[0]}")
    marks = json.dumps(body).count('"cache_control"')
    if marks > 4:
        problems.append(f"cache_control: {marks} breakpoints, at most 4 are allowed")
    return problems


def _tool_results(messages: list[dict[str, Any]]) -> list[str]:
    problems = []
    for index, message in enumerate(messages):
        content = message.get("content")
        if message.get("role") != "user" or not isinstance(content, list):
            continue
        asked = set()
        if index > 0 and isinstance(messages[index - 1].get("content"), list):
            asked = {block.get("id") for block in messages[index - 1]["content"]
                     if block.get("type") == "tool_use"}
        for block in content:
            if block.get("type") == "tool_result" and block.get("tool_use_id") not in asked:
                problems.append(f"messages.{index}: tool_result for unknown tool_use_id "
                                f"{block.get('tool_use_id')!r}")
    return problems


@dataclass
class MessagesSimulator:
    """The server, its script and what it recorded."""

    script: Script = field(default_factory=Script)
    calls: list[RecordedCall] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    _seen_prefixes: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.app = self._build()

    @contextmanager
    def serve(self) -> Iterator[str]:
        """Serve on loopback; yields the base URL to give the anthropic client."""
        with serve_on_loopback(self.app) as base_url:
            yield base_url

    def _build(self) -> FastAPI:
        app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

        @app.post("/v1/messages")
        async def messages(request: Request) -> JSONResponse:
            try:
                body = await request.json()
            except ValueError:
                body = None
            return self._answer(body, request)

        @app.get("/v1/models/{model_id}")
        def model(model_id: str) -> JSONResponse:
            """Models API: what `flowbot doctor` asks, as it costs no tokens."""
            if not model_id.startswith("claude-"):
                return JSONResponse({"type": "error", "error": {
                    "type": "not_found_error", "message": f"model: {model_id}"}}, 404)
            return JSONResponse({"type": "model", "id": model_id, "display_name": model_id,
                                 "created_at": "2026-09-01T00:00:00Z"})

        @app.get("/_simulator/requests")
        def recorded() -> list[dict[str, Any]]:
            return [{"body": c.body, "cached_prefix": c.cached_prefix, "status": c.status}
                    for c in self.calls]

        return app

    def _record(self, body: Any, request: Request, status: int, prefix: str) -> None:
        headers = {k: ("[redacted]" if k.lower() in ("x-api-key", "authorization") else v)
                   for k, v in request.headers.items()}
        with self._lock:
            self.calls.append(RecordedCall(body if isinstance(body, dict) else {}, headers,
                                           prefix, status))

    def _answer(self, body: Any, request: Request) -> JSONResponse:
        problems = violations(body)
        if not request.headers.get("x-api-key") and not request.headers.get("authorization"):
            problems.append("x-api-key: missing")
        if not request.headers.get("anthropic-version"):
            problems.append("anthropic-version: missing")
        if problems:
            with self._lock:
                self.violations.extend(problems)
            self._record(body, request, 400, "")
            return _error(400, "; ".join(problems))
        prefix, prefix_parts = _prefix(body)
        turn = self.script.next_turn()
        if callable(turn):
            turn = turn(body)
        if turn is None:
            self._record(body, request, 500, prefix)
            with self._lock:
                self.violations.append("the script ran out of turns")
            return _error(500, "the simulator's script ran out of turns")
        if isinstance(turn, Error):
            self._record(body, request, turn.status, prefix)
            return _error(turn.status, f"simulated {turn.status}", turn.retry_after)
        self._record(body, request, 200, prefix)
        return JSONResponse(self._message(body, turn, prefix, prefix_parts),
                            headers={"request-id": f"req_sim{uuid.uuid4().hex[:16]}"})

    def _message(self, body: dict[str, Any], reply: Reply, prefix: str,
                 prefix_parts: Any) -> dict[str, Any]:
        cached = _tokens(prefix_parts) if prefix else 0
        with self._lock:
            seen = prefix in self._seen_prefixes
            self._seen_prefixes.add(prefix)
        total = _tokens({k: body.get(k) for k in ("tools", "system", "messages")})
        return {"id": f"msg_sim{uuid.uuid4().hex[:20]}", "type": "message",
                "role": "assistant", "model": body["model"], "content": reply.content,
                "stop_reason": reply.stop_reason, "stop_sequence": None,
                "usage": {"input_tokens": max(1, total - cached),
                          "output_tokens": _tokens(reply.content),
                          "cache_creation_input_tokens": 0 if seen else cached,
                          "cache_read_input_tokens": cached if seen else 0}}


def _error(status: int, message: str, retry_after: float | None = None) -> JSONResponse:
    headers = {"request-id": f"req_sim{uuid.uuid4().hex[:16]}"}
    if retry_after is not None:
        headers["retry-after"] = str(retry_after)
    return JSONResponse({"type": "error", "error": {"type": _ERRORS.get(status, "api_error"),
                                                     "message": message}},
                        status_code=status, headers=headers)
