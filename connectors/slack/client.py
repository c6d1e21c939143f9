"""The Slack connector: settings, resources and operations over Slack's Web API.

Every method is `https://slack.com/api/<method>`. Reads are GETs with query parameters; posting is a
JSON POST declared as UTF-8 (without the charset Slack answers with a `missing_charset` warning).
Failures come back as `200 {"ok": false, "error": …}` and are raised by `errors.CONVENTIONS`;
rate limits are kept per method and per channel by `throttle.TieredThrottle`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

import httpx
from pydantic import Field, SecretStr

from connectors.core.auth import BearerAuth
from connectors.core.client import HttpClient
from connectors.core.clock import SYSTEM_CLOCK, Clock
from connectors.core.connector import Connector, ConnectorSettings, Resource
from connectors.core.errors import (
    ErrorContext,
    FieldError,
    ProtocolError,
    ValidationFailed,
)
from connectors.core.operations import Idempotency, operation
from connectors.core.paginators import JsonCursorPaginator
from connectors.slack.errors import CONVENTIONS
from connectors.slack.mrkdwn import escape_mrkdwn
from connectors.slack.records import Channel, Message, User, datetime_to_ts, parse_record
from connectors.slack.throttle import (
    DOCUMENTED_PER_MINUTE,
    SlackLimits,
    ThrottledTransport,
    Tier,
    TieredThrottle,
)

SLACK_API = "https://slack.com/api"
JSON_UTF8 = {"Content-Type": "application/json; charset=utf-8"}
MAX_PAGE = 1000
MAX_HISTORY_PAGE = 999

ConversationType = Literal["public_channel", "private_channel"]
PageSize = Annotated[int, Field(ge=1, le=MAX_PAGE)]
HistoryPageSize = Annotated[int, Field(ge=1, le=MAX_HISTORY_PAGE)]


class SlackSettings(ConnectorSettings):
    """Where Slack is, the bot token, and the rate limits (Slack's documented floors)."""

    base_url: str = Field(SLACK_API, description="The Web API root, ending in /api.")
    token: SecretStr = Field(description="The installed app's bot token (xoxb-…).")
    tier2_per_minute: int = Field(DOCUMENTED_PER_MINUTE[Tier.TIER_2], ge=1,
                                  description="Calls a minute of each Tier 2 method "
                                              "(conversations.list, users.list).")
    tier3_per_minute: int = Field(DOCUMENTED_PER_MINUTE[Tier.TIER_3], ge=1,
                                  description="Calls a minute of each Tier 3 method "
                                              "(conversations.history, users.lookupByEmail).")
    method_per_minute: dict[str, int] = Field(
        default_factory=dict,
        description="Per-method overrides, e.g. {\"conversations.history\": 1} for a commercially "
                    "distributed app outside the Slack Marketplace (Slack's 2025 limits).")
    posts_per_channel_per_second: int = Field(1, ge=1, description="chat.postMessage's limit.")

    def limits(self) -> SlackLimits:
        """The rate limits these settings describe."""
        per_minute = {**DOCUMENTED_PER_MINUTE, Tier.TIER_2: self.tier2_per_minute,
                      Tier.TIER_3: self.tier3_per_minute}
        return SlackLimits(per_minute=per_minute, method_overrides=dict(self.method_per_minute),
                           posts_per_channel_per_second=self.posts_per_channel_per_second)


def _refuse(field: str, message: str) -> ValidationFailed:
    return ValidationFailed("invalid arguments, refused before calling Slack",
                            context=ErrorContext(connector="slack"),
                            field_errors=[FieldError(field, message)])


def _check_page_size(page_size: int, maximum: int) -> int:
    if isinstance(page_size, bool) or not isinstance(page_size, int) or not (
            1 <= page_size <= maximum):
        raise _refuse("page_size", f"must be an integer from 1 to {maximum}; Slack recommends "
                                   "200")
    return page_size


def _member(body: Any, key: str, method: str) -> Any:
    if not isinstance(body, dict) or key not in body:
        found = sorted(body) if isinstance(body, dict) else type(body).__name__
        raise ProtocolError(f"Slack {method} answered ok but without '{key}'; found {found}",
                            context=ErrorContext(connector="slack"))
    return body[key]


def _cursor_pages() -> JsonCursorPaginator:
    return JsonCursorPaginator(cursor_path="response_metadata.next_cursor", cursor_param="cursor")


class ChatResource(Resource):
    """Messages the bot sends."""

    @operation(writes=True, idempotency=Idempotency.NONE, quirks=(
        "Slack has no idempotency key: a post repeated after a lost answer appears twice. The "
        "connector never retries a post except after a 429 (which Slack refuses before doing "
        "anything); the runtime's idempotency ledger must guard every post.",
        "markup='plain' (the default) escapes &, < and > and switches mrkdwn off, so data shows "
        "literally and can never mention or notify anyone (a value like '<!channel>' stays text). "
        "markup='mrkdwn' sends text you wrote as Slack markup unchanged: escape data you put in it "
        "with connectors.slack.escape_mrkdwn.",
        "Slack takes about one message per second per channel; the connector waits between "
        "posts to the same channel.",
        "With blocks, text is only the notification fallback; text in blocks is not escaped.",
        "The bot must be in the channel (not_in_channel → PermissionDenied) unless the app has "
        "chat:write.public; an archived channel is a Conflict.",
    ))
    def post_message(self, channel: str, text: str, *,
                     markup: Literal["plain", "mrkdwn"] = "plain",
                     blocks: Sequence[Mapping[str, Any]] | None = None,
                     thread_ts: str | None = None, unfurl_links: bool = False,
                     unfurl_media: bool = True) -> Message:
        """Post a message to a channel and return it as Slack stored it.

        `channel` is the channel id (C…). `text` is shown literally with markup="plain" (the
        default) and read as Slack mrkdwn with markup="mrkdwn"; Slack takes up to 40,000
        characters. `blocks` are Block Kit blocks (then `text` is the notification fallback).
        `thread_ts` posts a reply in the thread of that parent message. Link and media previews
        follow `unfurl_links` and `unfurl_media`. The returned message's `ts` is its id.
        """
        if markup not in ("plain", "mrkdwn"):
            raise _refuse("markup", "must be 'plain' or 'mrkdwn'")
        payload: dict[str, Any] = {
            "channel": channel,
            "text": escape_mrkdwn(text) if markup == "plain" else text,
            "mrkdwn": markup == "mrkdwn",
            "unfurl_links": unfurl_links,
            "unfurl_media": unfurl_media,
        }
        if blocks is not None:
            payload["blocks"] = [dict(block) for block in blocks]
        if thread_ts is not None:
            payload["thread_ts"] = thread_ts
        _, body = self._client.request("POST", "/chat.postMessage", json=payload,
                                       headers=JSON_UTF8, idempotent=False)
        message = body.get("message") if isinstance(body, dict) else None
        raw = dict(message) if isinstance(message, dict) else {"text": payload["text"]}
        raw["ts"] = _member(body, "ts", "chat.postMessage")
        raw["channel"] = _member(body, "channel", "chat.postMessage")
        return parse_record(Message, raw, method="chat.postMessage")


class ConversationsResource(Resource):
    """Channels and the messages in them."""

    @operation(quirks=(
        "Pages may hold fewer channels than asked, even none, before the end: Slack filters "
        "after paging. The connector follows the cursor to its end.",
        "Private channels appear only if the bot is in them (and with the groups:read scope).",
    ))
    def list(self, *,
             types: Sequence[ConversationType] = ("public_channel", "private_channel"),
             exclude_archived: bool = True, page_size: PageSize = 200) -> Iterator[Channel]:
        """List the workspace's channels, in Slack's order.

        `types` chooses public and/or private channels; archived channels are left out unless
        `exclude_archived` is False. `page_size` is channels per request (Slack recommends 200).
        """
        allowed = ("public_channel", "private_channel")
        if isinstance(types, str) or not types or any(t not in allowed for t in types):
            raise _refuse("types", f"must be a non-empty sequence of {allowed}")
        params = {"types": ",".join(types), "exclude_archived": exclude_archived,
                  "limit": _check_page_size(page_size, MAX_PAGE)}
        return self._channels(params)

    def _channels(self, params: dict[str, Any]) -> Iterator[Channel]:
        for raw in self._client.paginate("/conversations.list", paginator=_cursor_pages(),
                                         records_path="channels", params=params):
            yield parse_record(Channel, raw, method="conversations.list")

    @operation(quirks=(
        "Newest message first, as Slack returns them; for an incremental run keep the greatest "
        "ts seen and pass it as `oldest` next time (`oldest` is exclusive).",
        "The bot must be in the channel (not_in_channel → PermissionDenied).",
        "Commercially distributed apps outside the Slack Marketplace are limited (since 2025) to "
        "1 call a minute and 15 messages a page: set method_per_minute={'conversations.history': "
        "1} and page_size=15.",
    ))
    def history(self, channel: str, *, oldest: str | datetime | None = None,
                page_size: HistoryPageSize = 200) -> Iterator[Message]:
        """List a channel's messages, newest first, optionally only those after `oldest`.

        `channel` is the channel id (C…). `oldest` is a message ts ("1712345678.000200") or an
        aware datetime; only later messages are returned. `page_size` is messages per request.
        """
        params: dict[str, Any] = {"channel": channel,
                                  "limit": _check_page_size(page_size, MAX_HISTORY_PAGE)}
        if isinstance(oldest, datetime):
            try:
                params["oldest"] = datetime_to_ts(oldest)
            except ValueError as exc:
                raise _refuse("oldest", str(exc)) from None
        elif oldest is not None:
            params["oldest"] = oldest
        return self._messages(channel, params)

    def _messages(self, channel: str, params: dict[str, Any]) -> Iterator[Message]:
        paginator = JsonCursorPaginator(cursor_path="response_metadata.next_cursor",
                                        cursor_param="cursor", has_more_path="has_more")
        for raw in self._client.paginate("/conversations.history", paginator=paginator,
                                         records_path="messages", params=params):
            record = {**raw, "channel": channel} if isinstance(raw, dict) else raw
            yield parse_record(Message, record, method="conversations.history")


class UsersResource(Resource):
    """The workspace's members."""

    @operation(quirks=(
        "Needs the users:read.email scope (missing_scope → PermissionDenied naming it).",
        "An address nobody in the workspace has is NotFound (Slack's users_not_found).",
    ))
    def lookup_by_email(self, email: str) -> User:
        """Find the workspace member with this email address."""
        if not email or "@" not in email:
            raise _refuse("email", "must be an email address")
        # A form body, not the query: URLs appear in errors, and errors are filed as issues.
        _, body = self._client.request("POST", "/users.lookupByEmail", data={"email": email},
                                       idempotent=True)
        return parse_record(User, _member(body, "user", "users.lookupByEmail"),
                            method="users.lookupByEmail")

    @operation(quirks=(
        "Includes deactivated members (deleted=True) and bots (is_bot=True); filter in the flow.",
        "profile.email is present only with the users:read.email scope.",
    ))
    def list(self, *, page_size: PageSize = 200) -> Iterator[User]:
        """List every member of the workspace, in Slack's order."""
        return self._users({"limit": _check_page_size(page_size, MAX_PAGE)})

    def _users(self, params: dict[str, Any]) -> Iterator[User]:
        for raw in self._client.paginate("/users.list", paginator=_cursor_pages(),
                                         records_path="members", params=params):
            yield parse_record(User, raw, method="users.list")


class Slack(Connector):
    """Slack's Web API: post messages, read channels and their history, find members."""

    name: ClassVar[str] = "slack"
    title: ClassVar[str] = "Slack Web API"
    auth_kind: ClassVar[str] = "bearer"
    rate_limit: ClassVar[str] = (
        "Per method per workspace, by tier: Tier 2 (conversations.list, users.list) 20 calls a "
        "minute, Tier 3 (conversations.history, users.lookupByEmail) 50 a minute; "
        "chat.postMessage about 1 message a second per channel. A 429 carries Retry-After in "
        "seconds; Slack sends no remaining-count headers, so the connector keeps each budget "
        "itself.")
    pagination: ClassVar[str] = (
        "Cursor: response_metadata.next_cursor is sent back as ?cursor=; an empty string ends "
        "the listing (conversations.history also says has_more). Pages may be short or empty "
        "before the end.")
    documentation: ClassVar[str] = "https://api.slack.com/web"
    settings_model: ClassVar[type[ConnectorSettings]] = SlackSettings
    quirks: ClassVar[tuple[str, ...]] = (
        "Failures arrive as HTTP 200 with {\"ok\": false, \"error\": code}; the connector raises "
        "them as taxonomy errors: invalid_auth/token_revoked → AuthError, missing_scope (with the "
        "needed scope) and not_in_channel → PermissionDenied, channel_not_found/users_not_found "
        "→ NotFound, is_archived → Conflict, other refusals → ValidationFailed with the code.",
        "Use channel ids (C…) rather than names in every call.",
        "A message's ts is its id within the channel: keep it as text, never as a number.",
        "Message text is Slack mrkdwn with &, < and > escaped as &amp; &lt; &gt; — "
        "connectors.slack.unescape_mrkdwn gives the literal text.",
    )

    chat: ChatResource
    conversations: ConversationsResource
    users: UsersResource

    def __init__(self, settings: SlackSettings, *,
                 transport: httpx.BaseTransport | None = None,
                 clock: Clock = SYSTEM_CLOCK) -> None:
        super().__init__(settings, transport=transport, clock=clock)
        self.throttle = TieredThrottle(settings.limits(), clock=clock)
        client = HttpClient(
            connector="slack", base_url=settings.base_url, auth=BearerAuth(settings.token),
            conventions=CONVENTIONS,
            transport=ThrottledTransport(transport or httpx.HTTPTransport(), self.throttle),
            clock=clock)
        self.client = client
        self.chat = ChatResource(client)
        self.conversations = ConversationsResource(client)
        self.users = UsersResource(client)
