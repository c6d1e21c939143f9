"""The Web API's wire conventions, server side: arguments, cursors, error answers, blocks.

Slack takes a method's arguments from the query string, a form body or a JSON body alike, answers
failures as `{"ok": false, "error": code}` and pages with opaque base64 cursors; the simulator's
methods use these helpers to speak exactly that way.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

BLOCK_TYPES = frozenset({"section", "divider", "header", "context", "actions", "image",
                         "rich_text", "input", "file", "video"})
_TS_ARG = re.compile(r"\d+(\.\d+)?")


class SlackError(Exception):
    """A Slack error answer: `200 {"ok": false, "error": code, **extra}`."""

    def __init__(self, code: str, **extra: Any) -> None:
        super().__init__(code)
        self.code = code
        self.extra = extra


def _encode_cursor(kind: str, key: str) -> str:
    return base64.b64encode(f"{kind}:{key}".encode()).decode()


def _decode_cursor(cursor: str, kind: str) -> str:
    try:
        decoded = base64.b64decode(cursor.encode(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise SlackError("invalid_cursor") from None
    prefix, _, key = decoded.partition(":")
    if prefix != kind or not key:
        raise SlackError("invalid_cursor")
    return key


def cursor_page(items: list[dict[str, Any]], cursor: str | None, *, kind: str, key: str,
                limit: int, repeat: bool = False) -> tuple[list[dict[str, Any]], str]:
    """The page of `items` that `cursor` points at (the first page without one) and the cursor
    of the next page: "" at the end, and — when `repeat` is on — this same cursor again from the
    second page on, a vendor bug clients must survive. Cursors name the first item of their page
    in base64 (`user:U061NFTT2`), as Slack's do."""
    start = 0
    if cursor:
        wanted = _decode_cursor(cursor, kind)
        start = next((i for i, item in enumerate(items) if item[key] == wanted), -1)
        if start < 0:
            raise SlackError("invalid_cursor")
    following = start + limit
    next_cursor = _encode_cursor(kind, items[following][key]) if following < len(items) else ""
    if repeat and cursor and next_cursor:
        next_cursor = cursor
    return items[start:following], next_cursor


def flag(args: Mapping[str, Any], name: str, default: bool) -> bool:
    """A boolean argument: true, "true" or "1"."""
    value = args.get(name)
    if value is None:
        return default
    return value is True or str(value).lower() in ("true", "1")


def limit_arg(args: Mapping[str, Any], default: int, maximum: int) -> int:
    """The page size, from 1 to `maximum` (`invalid_limit` otherwise)."""
    try:
        limit = int(args.get("limit", default))
    except (TypeError, ValueError):
        raise SlackError("invalid_limit") from None
    if not 1 <= limit <= maximum:
        raise SlackError("invalid_limit")
    return limit


def ts_bound(args: Mapping[str, Any], name: str, error: str) -> Decimal | None:
    """A timestamp bound such as `oldest`, or None; `error` if it is not a timestamp."""
    value = args.get(name)
    if value is None or value == "":
        return None
    if not _TS_ARG.fullmatch(str(value)):
        raise SlackError(error)
    return Decimal(str(value))


def block_problem(block: Any) -> str | None:
    """What is wrong with one Block Kit block, in Slack's words, or None."""
    if not isinstance(block, dict):
        return "must be an object"
    if "type" not in block:
        return "missing required field: type"
    if block["type"] not in BLOCK_TYPES:
        return f"unsupported type: {block['type']}"
    return None


def arguments(content_type: str, query: Mapping[str, str],
               body: bytes) -> tuple[dict[str, Any], list[str]]:
    """A call's arguments from the query and the body, and any warnings about the body."""
    args: dict[str, Any] = dict(query)
    warnings: list[str] = []
    if not body:
        return args, warnings
    if content_type.startswith("application/json"):
        if "charset" not in content_type:
            warnings.append("missing_charset")
        try:
            decoded = json.loads(body)
        except ValueError:
            raise SlackError("invalid_json") from None
        if not isinstance(decoded, dict):
            raise SlackError("invalid_json")
        args.update(decoded)
    elif content_type.startswith("application/x-www-form-urlencoded"):
        args.update({k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()})
    else:
        raise SlackError("invalid_post_type")
    return args, warnings


def validate_blocks(raw: Any) -> list[dict[str, Any]]:
    """Block Kit blocks from a JSON array (or its text), refused as Slack refuses them."""
    if raw is None or raw == "":
        return []
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise SlackError("invalid_blocks_format") from None
    if not isinstance(raw, list):
        raise SlackError("invalid_blocks_format")
    problems = [f"[ERROR] {problem} [json-pointer:/blocks/{i}]"
                for i, block in enumerate(raw) if (problem := block_problem(block))]
    if problems:
        raise SlackError("invalid_blocks", response_metadata={"messages": problems})
    return raw

