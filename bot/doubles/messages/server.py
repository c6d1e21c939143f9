"""The Messages API endpoint: checks, records and answers each request from the script.

Answers come whole or as the API's server-sent events (`stream: true`), which the SDK needs for
long outputs. Each model's rules (`protocol.py`) are enforced, thinking blocks are issued signed
and checked when they come back, an answer longer than `max_tokens` is cut with
`stop_reason: max_tokens`, and usage counts cache writes and reads per breakpoint.
"""

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
from fastapi.responses import JSONResponse, Response, StreamingResponse

from bot.doubles.messages.protocol import (
    prefix_digest,
    request_problems,
    sign,
    thinking_on,
    thinking_problems,
    unmarked,
)
from bot.doubles.messages.script import Error, Reply, Script
from connectors.core.serving import serve_on_loopback

KNOWN_MODELS = frozenset(arg for part in typing.get_args(ModelParam)
                         for arg in typing.get_args(part) if isinstance(arg, str))
_TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_ERRORS = {429: "rate_limit_error", 529: "overloaded_error", 500: "api_error",
           400: "invalid_request_error", 401: "authentication_error"}
CHARS_PER_TOKEN = 4
THINKING_OVERHEAD_TOKENS = 48
"""Output tokens a thinking block costs beyond its shown text (display omitted shows none)."""


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


def _parts(body: dict[str, Any]) -> list[Any]:
    """The prompt in cache order: tools, system blocks, message blocks."""
    parts: list[Any] = [*body.get("tools", [])]
    system = body.get("system")
    parts += [{"type": "text", "text": system}] if isinstance(system, str) else (system or [])
    for message in body.get("messages", []):
        content = message.get("content")
        parts += content if isinstance(content, list) else [{"text": content}]
    return parts


def _breakpoints(body: dict[str, Any]) -> list[tuple[str, int]]:
    """(hash, tokens) of the prompt up to each cache mark, in order."""
    parts = _parts(body)
    plain = unmarked(parts)  # the cache keeps content: where the marks sat does not count
    return [(hashlib.sha256(json.dumps(plain[: i + 1], sort_keys=True).encode()).hexdigest(),
             _tokens(plain[: i + 1]))
            for i, part in enumerate(parts) if isinstance(part, dict) and "cache_control" in part]


def violations(body: Any) -> list[str]:
    """What is wrong with a request, as the API would refuse it."""
    problems: list[str] = []
    if not isinstance(body, dict):
        return ["the body is not a JSON object"]
    if body.get("model") not in KNOWN_MODELS:
        problems.append(f"model: {body.get('model')!r} is not a known model")
    if not isinstance(body.get("max_tokens"), int) or body["max_tokens"] <= 0:
        problems.append("max_tokens: a positive integer is required")
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
    return problems + request_problems(body)


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
    _issued: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """The content of every answer that called a tool, by its tool_use ids."""
    _key: bytes = field(default_factory=lambda: uuid.uuid4().bytes)
    """Signs thinking blocks; a fresh one per simulator, so blocks cannot be forged."""
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
        async def messages(request: Request) -> Response:
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

    def _answer(self, body: Any, request: Request) -> Response:
        problems = violations(body)
        if not request.headers.get("x-api-key") and not request.headers.get("authorization"):
            problems.append("x-api-key: missing")
        if not request.headers.get("anthropic-version"):
            problems.append("anthropic-version: missing")
        if not problems:
            with self._lock:
                problems = thinking_problems(self._key, body, self._issued)
        if problems:
            with self._lock:
                self.violations.extend(problems)
            self._record(body, request, 400, "")
            return _error(400, "; ".join(problems))
        marks = _breakpoints(body)
        prefix = marks[-1][0] if marks else ""
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
        message = self._message(body, turn, marks)
        headers = {"request-id": f"req_sim{uuid.uuid4().hex[:16]}"}
        if body.get("stream"):
            return StreamingResponse(_events(message), media_type="text/event-stream",
                                     headers=headers)
        return JSONResponse(message, headers=headers)

    def _content(self, body: dict[str, Any], reply: Reply) -> tuple[list[dict[str, Any]], int]:
        """The answer's blocks, a signed thinking block first when the model thinks, and
        the output tokens they cost."""
        content = [dict(block) for block in reply.content]
        with self._lock:  # the API never repeats an id, even when a script reuses its reply
            for block in content:
                if block.get("type") == "tool_use" and block.get("id") in self._issued:
                    block["id"] = f"toolu_sim{uuid.uuid4().hex[:18]}"
        thinking_tokens = 0
        if thinking_on(body) and not any(b.get("type") == "thinking" for b in content):
            thinking = body.get("thinking") or {}
            shown = reply.thinking if thinking.get("display") == "summarized" else ""
            prefix = prefix_digest(body, len(body.get("messages") or []))
            content.insert(0, {"type": "thinking", "thinking": shown,
                               "signature": sign(self._key, str(body["model"]), prefix, shown,
                                                 0)})
            thinking_tokens = THINKING_OVERHEAD_TOKENS + len(reply.thinking) // CHARS_PER_TOKEN
        return content, thinking_tokens + sum(_tokens(b) for b in content
                                              if b.get("type") != "thinking")

    def _message(self, body: dict[str, Any], reply: Reply,
                 marks: list[tuple[str, int]]) -> dict[str, Any]:
        content, output_tokens = self._content(body, reply)
        stop_reason = reply.stop_reason
        if output_tokens > body["max_tokens"] or stop_reason == "max_tokens":
            visible = sum(_tokens(b) for b in content if b.get("type") != "thinking")
            budget = body["max_tokens"] - (output_tokens - visible)
            if stop_reason == "max_tokens":  # chosen by the test: cut half-way
                budget = min(budget, visible // 2)
            content = _cut(content, max(0, budget))
            output_tokens, stop_reason = min(output_tokens, body["max_tokens"]), "max_tokens"
        ids = [b["id"] for b in content if b.get("type") == "tool_use"]
        with self._lock:
            read = max((tokens for digest, tokens in marks if digest in self._seen_prefixes),
                       default=0)
            self._seen_prefixes.update(digest for digest, _ in marks)
            if stop_reason != "max_tokens":
                self._issued.update(dict.fromkeys(ids, content))
        written = (marks[-1][1] - read) if marks else 0
        total = _tokens({k: body.get(k) for k in ("tools", "system", "messages")})
        message: dict[str, Any] = {
            "id": f"msg_sim{uuid.uuid4().hex[:20]}", "type": "message", "role": "assistant",
            "model": body["model"], "content": content, "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": {"input_tokens": max(1, total - read - written),
                      "output_tokens": output_tokens,
                      "cache_creation_input_tokens": written,
                      "cache_read_input_tokens": read}}
        if stop_reason == "refusal":
            message["stop_details"] = {"type": "refusal", "category": None,
                                       "explanation": "The simulator was told to refuse."}
        return message


def _cut(content: list[dict[str, Any]], budget: int) -> list[dict[str, Any]]:
    """The blocks as far as `budget` output tokens reach: a text or a tool input's longest
    string is cut off mid-way, like an answer that ran into `max_tokens`."""
    kept: list[dict[str, Any]] = []
    for block in content:
        if block.get("type") == "thinking":
            kept.append(block)
            continue
        cost = _tokens(block)
        if cost <= budget:
            kept.append(block)
            budget -= cost
            continue
        share = max(0, budget) * CHARS_PER_TOKEN
        if block.get("type") == "text":
            kept.append({**block, "text": block["text"][:share]})
        elif block.get("type") == "tool_use" and isinstance(block.get("input"), dict):
            strings = [k for k, v in block["input"].items() if isinstance(v, str)]
            longest = max(strings, key=lambda k: len(block["input"][k]), default=None)
            if longest is not None:
                kept.append({**block, "input": {**block["input"],
                                                longest: block["input"][longest][:share]}})
        break
    return kept


def _sse(event: str, data: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()


def _events(message: dict[str, Any]) -> Iterator[bytes]:
    """The message as the API streams it: start, each block's start, deltas and stop, the
    final delta (stop reason, output tokens) and stop."""
    usage = message["usage"]
    yield _sse("message_start", {"type": "message_start", "message": {
        **message, "content": [], "stop_reason": None,
        "usage": {**usage, "output_tokens": 1}}})
    for index, block in enumerate(message["content"]):
        kind = block["type"]
        if kind == "thinking":
            start: dict[str, Any] = {"type": "thinking", "thinking": "", "signature": ""}
            deltas = [{"type": "thinking_delta", "thinking": block["thinking"]},
                      {"type": "signature_delta", "signature": block["signature"]}]
        elif kind == "text":
            start, deltas = {"type": "text", "text": ""}, [{"type": "text_delta",
                                                             "text": block["text"]}]
        else:
            start = {**block, "input": {}}
            encoded = json.dumps(block["input"])
            if message["stop_reason"] == "max_tokens" and index == len(message["content"]) - 1:
                encoded = encoded[:-2]  # cut off mid-way, as a truncated tool call streams
            deltas = [{"type": "input_json_delta", "partial_json": encoded}]
        yield _sse("content_block_start", {"type": "content_block_start", "index": index,
                                           "content_block": start})
        for change in deltas:
            yield _sse("content_block_delta", {"type": "content_block_delta", "index": index,
                                               "delta": change})
        yield _sse("content_block_stop", {"type": "content_block_stop", "index": index})
    delta: dict[str, Any] = {"stop_reason": message["stop_reason"], "stop_sequence": None}
    if "stop_details" in message:
        delta["stop_details"] = message["stop_details"]
    yield _sse("message_delta", {"type": "message_delta", "delta": delta,
                                 "usage": {"output_tokens": usage["output_tokens"]}})
    yield _sse("message_stop", {"type": "message_stop"})


def _error(status: int, message: str, retry_after: float | None = None) -> JSONResponse:
    headers = {"request-id": f"req_sim{uuid.uuid4().hex[:16]}"}
    if retry_after is not None:
        headers["retry-after"] = str(retry_after)
    return JSONResponse({"type": "error", "error": {"type": _ERRORS.get(status, "api_error"),
                                                     "message": message}},
                        status_code=status, headers=headers)
