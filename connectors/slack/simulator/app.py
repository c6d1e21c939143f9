"""A simulator of Slack's Web API, as documented, for tests, flow tests and the demo.

Every method is `GET|POST /api/<method>` with arguments in the query, a form body or a JSON body,
and the bot token as `Authorization: Bearer`. Failures are `200 {"ok": false, "error": code}`
(`not_authed`, `invalid_auth`, `token_revoked`, `missing_scope` with `needed`/`provided`,
`channel_not_found`, `not_in_channel`, `is_archived`, `no_text`, `msg_too_long`, `invalid_blocks`
with `response_metadata.messages`, `invalid_cursor`, `invalid_limit`, `thread_not_found`, …). A
method or path it does not simulate is `501 {"ok": false, "error": "not_simulated"}` naming the
call, never a realistic error. A JSON body without `charset=utf-8` succeeds with the
`missing_charset` warning. Listings page by an opaque base64 cursor in
`response_metadata.next_cursor` (`""` at the end); `conversations.list` filters *after* paging, so
pages can be short or empty mid-listing, as Slack's are. `conversations.history` is newest first
with `has_more` and holds top-level messages and thread parents only; `conversations.replies`
gives a thread, its parent first, then the replies oldest first. `auth.test` says who the token
belongs to (Bolt calls it at start). Rate limits are a sliding window per method sized by its tier,
and one post per second per channel for `chat.postMessage`; a 429 carries `Retry-After` in whole
seconds and `{"ok": false, "error": "ratelimited"}`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import SecretStr
from starlette.types import Scope

from connectors.core.clock import SYSTEM_CLOCK, Clock
from connectors.core.connector import Connector
from connectors.core.ratelimit import RateLimit, SlidingWindow
from connectors.core.simulator import Simulator
from connectors.slack.client import Slack, SlackSettings
from connectors.slack.simulator.wire import (
    SlackError,
    arguments,
    cursor_page,
    flag,
    limit_arg,
    ts_bound,
    validate_blocks,
)
from connectors.slack.simulator.workspace import FIXED_NOW, next_ts, seed_workspace
from connectors.slack.throttle import DOCUMENTED_LIMITS, POST_MESSAGE, SlackLimits, Tier

SIMULATOR_TOKEN = "xoxb-0000000000-simulator-not-a-real-token"  # noqa: S105 - fake
"""The simulator's bot token: obviously fake, accepted only here."""

BOT_SCOPES = frozenset({"chat:write", "channels:read", "groups:read", "channels:history",
                        "groups:history", "users:read", "users:read.email"})
"""The scopes the simulated app was installed with (tests may remove some)."""

MAX_TEXT = 40_000

Handler = Callable[[dict[str, Any]], dict[str, Any]]


class _Throttled(Exception):
    """The per-channel posting limit refused this call; retry after `wait` seconds."""

    def __init__(self, wait: float) -> None:
        super().__init__(wait)
        self.wait = wait


class SlackSimulator(Simulator[Slack]):
    """Slack's Web API over a seeded workspace; see the module docstring for what it does.

    Switches for tests: `scopes` (remove one to get `missing_scope`), `repeat_cursor`,
    `fail_next` (error codes the next calls answer with), `revoke_token()`,
    `remove_bot_from(channel)` and `delete_channel(channel)`.
    """

    name: ClassVar[str] = "slack"
    connector_class: ClassVar[type[Connector]] = Slack

    def __init__(self, *, seed: int = 0, clock: Clock = SYSTEM_CLOCK,
                 enforce_rate_limit: bool = True, users: int = 12, channels: int = 8,
                 messages_per_channel: int = 25, limits: SlackLimits = DOCUMENTED_LIMITS) -> None:
        self.workspace = seed_workspace(seed, users=users, channels=channels,
                                        messages_per_channel=messages_per_channel)
        self.limits = limits
        self.scopes: set[str] = set(BOT_SCOPES)
        self.repeat_cursor = False
        self.fail_next: list[str] = []
        self.token_revoked = False
        self._windows: dict[str, SlidingWindow] = {}
        self._post_windows: dict[str, SlidingWindow] = {}
        self._origin = clock.now()
        self._handlers: dict[str, Handler] = {
            "chat.postMessage": self._post_message,
            "conversations.list": self._conversations_list,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "auth.test": self._auth_test,
            "users.list": self._users_list,
            "users.lookupByEmail": self._users_lookup_by_email,
        }
        super().__init__(seed=seed, clock=clock, enforce_rate_limit=enforce_rate_limit)

    # -- the base class's hooks ------------------------------------------------------------------

    def settings(self, base_url: str) -> SlackSettings:
        """Settings reaching this simulator's `/api` with its test token and its limits."""
        return SlackSettings(
            base_url=f"{base_url.rstrip('/')}/api", token=SecretStr(SIMULATOR_TOKEN),
            tier2_per_minute=self.limits.per_minute[Tier.TIER_2],
            tier3_per_minute=self.limits.per_minute[Tier.TIER_3],
            method_per_minute=dict(self.limits.method_overrides),
            posts_per_channel_per_second=self.limits.posts_per_channel_per_second)

    def rate_limit_for(self, scope: Scope) -> RateLimit | None:
        """The workspace-wide window of the called method (posting is limited per channel, in
        its handler, once the channel is known)."""
        method = str(scope["path"]).removeprefix("/api/")
        if method not in self._handlers or method == POST_MESSAGE:
            return None
        with self.lock:
            if method not in self._windows:
                self._windows[method] = self.limits.window_for(method)
            return self._windows[method]

    def not_simulated_body(self, method: str, path: str) -> Any:
        """Slack's error shape (`ok: false`), with a code no real method answers."""
        return {"ok": False, "error": "not_simulated",
                "detail": self.not_simulated_message(method, path)}

    def rate_limited_response(self, retry_after: float | None) -> tuple[dict[str, str], Any]:
        """Slack's 429: Retry-After in whole seconds and the `ratelimited` error."""
        seconds = max(1, math.ceil(retry_after or 1))
        return {"Retry-After": str(seconds)}, {"ok": False, "error": "ratelimited"}

    def server_error_body(self, status: int) -> Any:
        """Slack's body for a 5xx."""
        return {"ok": False, "error": "service_unavailable" if status == 503
                else "internal_error"}

    def build_api(self) -> FastAPI:
        """One route for every Web API method."""
        api = FastAPI()

        @api.api_route("/api/{method}", methods=["GET", "POST"], response_model=None)
        async def call(method: str, request: Request) -> JSONResponse:
            body = await request.body()
            return self._call(method, request.headers.get("content-type", ""),
                              request.headers.get("authorization", ""),
                              dict(request.query_params), body)

        return api

    # -- public switches and inspection ----------------------------------------------------------

    def revoke_token(self) -> None:
        """From now on the token is revoked (`token_revoked`)."""
        with self.lock:
            self.token_revoked = True

    def remove_bot_from(self, channel_id: str) -> None:
        """Take the bot out of a channel (`not_in_channel`; a private one disappears)."""
        with self.lock:
            self.workspace.bot_channels.discard(channel_id)

    def delete_channel(self, channel_id: str) -> None:
        """Delete a channel and its history (`channel_not_found` from then on)."""
        with self.lock:
            self.workspace.channels = [c for c in self.workspace.channels
                                       if c["id"] != channel_id]
            self.workspace.messages.pop(channel_id, None)
            self.workspace.bot_channels.discard(channel_id)

    def add_channel(self, name: str, *, is_private: bool = False, is_archived: bool = False,
                    bot_is_member: bool = True) -> str:
        """Add a channel; returns its id."""
        with self.lock:
            return str(self.workspace.add_channel(name, is_private=is_private,
                                                  is_archived=is_archived,
                                                  bot_is_member=bot_is_member)["id"])

    def add_user(self, real_name: str, email: str, *, is_bot: bool = False,
                 deleted: bool = False) -> str:
        """Add a member; returns their id."""
        with self.lock:
            return str(self.workspace.add_user(real_name, email, is_bot=is_bot,
                                               deleted=deleted)["id"])

    def add_message(self, channel_id: str, text: str, *, user: str | None = None,
                    thread_ts: str | None = None) -> str:
        """Add a message now, by `user` (default: the first person, else the bot's user, though
        not as a post of the bot's app), as a reply in the thread of `thread_ts` if given;
        returns its ts."""
        with self.lock:
            people = (u["id"] for u in self.workspace.users if not u["is_bot"])
            author = user or next(people, self.workspace.bot_user_id)
            ts = self._now_ts(channel_id)
            extra: dict[str, Any] = {}
            if thread_ts is not None:
                parent = next(m for m in self.workspace.messages[channel_id]
                              if m["ts"] == thread_ts)
                parent.update(thread_ts=thread_ts, latest_reply=ts,
                              reply_count=int(parent.get("reply_count", 0)) + 1)
                extra = {"thread_ts": thread_ts, "parent_user_id": parent.get("user")}
            return str(self.workspace.add_message(channel_id, text, user=author, ts=ts,
                                                  **extra)["ts"])

    def channel_id(self, name: str) -> str:
        """The id of the channel called `name`."""
        with self.lock:
            return next(str(c["id"]) for c in self.workspace.channels if c["name"] == name)

    def posted(self, channel_id: str) -> list[dict[str, Any]]:
        """The messages the bot has posted to a channel, oldest first."""
        with self.lock:
            return [dict(m) for m in self.workspace.messages.get(channel_id, [])
                    if m.get("bot_id") == self.workspace.bot_id]

    # -- dispatch --------------------------------------------------------------------------------

    def _call(self, method: str, content_type: str, authorization: str,
              query: dict[str, str], body: bytes) -> JSONResponse:
        handler = self._handlers.get(method)
        if handler is None:
            return self.not_simulated("POST", f"/api/{method}")
        headers: dict[str, str] = {}
        try:
            self._authenticate(authorization)
            headers["X-OAuth-Scopes"] = ",".join(sorted(self.scopes))
            args, warnings = arguments(content_type, query, body)
            with self.lock:
                if self.fail_next:
                    raise SlackError(self.fail_next.pop(0))
                result = handler(args)
        except SlackError as refusal:
            return JSONResponse({"ok": False, "error": refusal.code, **refusal.extra},
                                headers=headers)
        except _Throttled as throttled:
            retry_headers, payload = self.rate_limited_response(throttled.wait)
            return JSONResponse(payload, status_code=429, headers=retry_headers)
        answer: dict[str, Any] = {"ok": True, **result}
        if warnings:
            answer["warning"] = ",".join(warnings)
            metadata = answer.setdefault("response_metadata", {})
            metadata["warnings"] = warnings
        return JSONResponse(answer, headers=headers)

    def _authenticate(self, authorization: str) -> None:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise SlackError("not_authed")
        if token != SIMULATOR_TOKEN:
            raise SlackError("invalid_auth")
        if self.token_revoked:
            raise SlackError("token_revoked")

    def _require(self, scope: str) -> None:
        if scope not in self.scopes:
            raise SlackError("missing_scope", needed=scope, provided=",".join(sorted(self.scopes)))

    def _channel(self, args: Mapping[str, Any]) -> dict[str, Any]:
        ref = args.get("channel")
        channel = self.workspace.find_channel(ref) if isinstance(ref, str) and ref else None
        if channel is None:
            raise SlackError("channel_not_found")
        return channel

    def _now_ts(self, channel_id: str) -> str:
        history = self.workspace.messages[channel_id]
        now = FIXED_NOW + (self.clock.now() - self._origin)
        return next_ts(history[-1]["ts"] if history else None, now)

    # -- the methods -----------------------------------------------------------------------------

    def _post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        self._require("chat:write")
        channel = self._channel(args)
        self._admit_post(channel["id"])
        if channel["is_archived"]:
            raise SlackError("is_archived")
        public_post = not channel["is_private"] and "chat:write.public" in self.scopes
        if channel["id"] not in self.workspace.bot_channels and not public_post:
            raise SlackError("not_in_channel")
        text = str(args.get("text") or "")
        blocks = validate_blocks(args.get("blocks"))
        if not text and not blocks:
            raise SlackError("no_text")
        if len(text) > MAX_TEXT:
            raise SlackError("msg_too_long")
        extra: dict[str, Any] = {"bot_id": self.workspace.bot_id,
                                 "app_id": self.workspace.app_id}
        if blocks:
            extra["blocks"] = blocks
        thread_ts = args.get("thread_ts")
        if thread_ts:
            extra["thread_ts"] = str(thread_ts)
            for parent in self.workspace.messages[channel["id"]]:
                if parent["ts"] == thread_ts:
                    parent["thread_ts"] = thread_ts
                    parent["reply_count"] = int(parent.get("reply_count", 0)) + 1
                    parent["latest_reply"] = self._now_ts(channel["id"])
                    extra["parent_user_id"] = parent.get("user")
        message = self.workspace.add_message(channel["id"], text, ts=self._now_ts(channel["id"]),
                                             **extra)
        self.count_write(f"{channel['id']}:{text}")
        return {"channel": channel["id"], "ts": message["ts"], "message": dict(message)}

    def _admit_post(self, channel_id: str) -> None:
        if not self.enforce_rate_limit:
            return
        window = self._post_windows.setdefault(channel_id, self.limits.post_window())
        now = self.clock.now()
        wait = window.delay(now)
        if wait > 0:
            self.stats.rate_limited += 1
            raise _Throttled(wait)
        window.consume(now)

    def _conversations_list(self, args: dict[str, Any]) -> dict[str, Any]:
        types = set(str(args.get("types") or "public_channel").split(","))
        if not types <= {"public_channel", "private_channel", "mpim", "im"}:
            raise SlackError("invalid_types")
        if "public_channel" in types:
            self._require("channels:read")
        if "private_channel" in types:
            self._require("groups:read")
        exclude_archived = flag(args, "exclude_archived", False)
        limit = limit_arg(args, default=100, maximum=1000)
        space = self.workspace
        visible = [c for c in space.channels
                   if not c["is_private"] or c["id"] in space.bot_channels]
        page, next_cursor = cursor_page(visible, args.get("cursor") or None, kind="channel",
                                        key="id", limit=limit, repeat=self.repeat_cursor)
        chosen = [space.render_channel(c) for c in page
                  if ("private_channel" if c["is_private"] else "public_channel") in types
                  and not (exclude_archived and c["is_archived"])]
        return {"channels": chosen, "response_metadata": {"next_cursor": next_cursor}}

    def _conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args)
        self._require("groups:history" if channel["is_private"] else "channels:history")
        if channel["id"] not in self.workspace.bot_channels:
            raise SlackError("not_in_channel")
        oldest = ts_bound(args, "oldest", "invalid_ts_oldest")
        latest = ts_bound(args, "latest", "invalid_ts_latest")
        limit = limit_arg(args, default=100, maximum=999)
        newest_first = [m for m in reversed(self.workspace.messages[channel["id"]])
                        if m.get("thread_ts", m["ts"]) == m["ts"]  # replies stay in their thread
                        and (oldest is None or Decimal(m["ts"]) > oldest)
                        and (latest is None or Decimal(m["ts"]) < latest)]
        page, next_cursor = cursor_page(newest_first, args.get("cursor") or None,
                                        kind="next_ts", key="ts", limit=limit,
                                        repeat=self.repeat_cursor)
        answer: dict[str, Any] = {"messages": [dict(m) for m in page],
                                  "has_more": bool(next_cursor), "pin_count": 0}
        if next_cursor:
            answer["response_metadata"] = {"next_cursor": next_cursor}
        return answer

    def _conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args)
        self._require("groups:history" if channel["is_private"] else "channels:history")
        if channel["id"] not in self.workspace.bot_channels:
            raise SlackError("not_in_channel")
        parent_ts = args.get("ts")
        if not isinstance(parent_ts, str) or not parent_ts:
            raise SlackError("invalid_arguments", response_metadata={
                "messages": ["[ERROR] missing required field: ts"]})
        history = self.workspace.messages[channel["id"]]
        parent = next((m for m in history if m["ts"] == parent_ts), None)
        if parent is None:
            raise SlackError("thread_not_found")
        thread = [parent, *(m for m in history
                            if m.get("thread_ts") == parent_ts and m["ts"] != parent_ts)]
        limit = limit_arg(args, default=1000, maximum=1000)
        page, next_cursor = cursor_page(thread, args.get("cursor") or None, kind="next_ts",
                                        key="ts", limit=limit, repeat=self.repeat_cursor)
        answer: dict[str, Any] = {"messages": [dict(m) for m in page],
                                  "has_more": bool(next_cursor)}
        if next_cursor:
            answer["response_metadata"] = {"next_cursor": next_cursor}
        return answer

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        space = self.workspace
        return {"url": "https://flowbot-sim.slack.com/", "team": "flowbot simulator",
                "user": "flowbot", "team_id": space.team_id, "user_id": space.bot_user_id,
                "bot_id": space.bot_id, "is_enterprise_install": False}

    def _users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        self._require("users:read")
        limit = limit_arg(args, default=100, maximum=1000)
        page, next_cursor = cursor_page(self.workspace.users, args.get("cursor") or None,
                                        kind="user", key="id", limit=limit,
                                        repeat=self.repeat_cursor)
        return {"members": [self._render_user(u) for u in page], "cache_ts": FIXED_NOW,
                "response_metadata": {"next_cursor": next_cursor}}

    def _users_lookup_by_email(self, args: dict[str, Any]) -> dict[str, Any]:
        self._require("users:read.email")
        email = args.get("email")
        if not isinstance(email, str) or not email:
            raise SlackError("invalid_arguments", response_metadata={
                "messages": ["[ERROR] missing required field: email"]})
        user = self.workspace.user_by_email(email)
        if user is None:
            raise SlackError("users_not_found")
        return {"user": self._render_user(user)}

    def _render_user(self, user: dict[str, Any]) -> dict[str, Any]:
        if "users:read.email" in self.scopes:
            return {**user, "profile": dict(user["profile"])}
        profile = {k: v for k, v in user["profile"].items() if k != "email"}
        return {**user, "profile": profile}
