"""Slack's records, normalised: channels, messages and users.

A message's `ts` ("1712345678.000200") is its id within the channel, not only a time: it is kept
exactly as Slack sent it (a float would lose digits and make it a different message), and the time
it stands for is given separately as `posted_at`, a UTC datetime.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    ValidationError,
    field_validator,
)

from connectors.core.errors import ErrorContext, ProtocolError
from connectors.core.records import Record, StrId, UtcDateTime

_TS = re.compile(r"(\d{1,12})\.(\d{6})")


def _check_ts(value: str) -> str:
    if not _TS.fullmatch(value):
        raise ValueError(f"not a Slack timestamp (digits, a dot, six digits): {value!r}")
    return value


SlackTs = Annotated[str, AfterValidator(_check_ts)]
"""A Slack message timestamp such as "1712345678.000200": the message's id within its channel."""


def ts_to_datetime(ts: str) -> datetime:
    """The UTC time a Slack timestamp stands for, exactly (the six digits as microseconds)."""
    match = _TS.fullmatch(ts)
    if match is None:
        raise ValueError(f"not a Slack timestamp (digits, a dot, six digits): {ts!r}")
    seconds, micros = match.groups()
    return datetime.fromtimestamp(int(seconds), tz=UTC) + timedelta(microseconds=int(micros))


def datetime_to_ts(when: datetime) -> str:
    """The Slack timestamp of a timezone-aware datetime (for `oldest=` filters)."""
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError("the datetime has no timezone; refusing to guess one")
    delta = when.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    seconds = delta.days * 86_400 + delta.seconds
    return f"{seconds}.{delta.microseconds:06d}"


class Channel(Record):
    """A public or private Slack channel, as `conversations.list` describes it."""

    id: StrId = Field(description="The channel id (C…); use it, not the name, in other calls.")
    name: str = Field(description="The channel name without '#'.")
    is_private: bool = False
    is_archived: bool = False
    is_member: bool = Field(False, description="Whether the bot is in the channel (needed to "
                                               "read its history and, usually, to post).")
    created: UtcDateTime
    num_members: int | None = None
    topic: str = Field("", description="The topic's text (Slack's `topic.value`).")
    purpose: str = Field("", description="The purpose's text (Slack's `purpose.value`).")

    @field_validator("topic", "purpose", mode="before")
    @classmethod
    def _text_of(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return value.get("value") or ""
        return value


class Message(Record):
    """A message in a channel. `ts` is its id; `text` is Slack's mrkdwn with `&<>` escaped."""

    ts: SlackTs = Field(description="The message id within its channel; keep it as text.")
    posted_at: UtcDateTime = Field(description="When the message was posted (from `ts`).")
    channel: StrId | None = Field(None, description="The channel id (C…) it was posted in.")
    text: str = Field("", description="The text as Slack stores it: mrkdwn, with &, < and > "
                                      "escaped as &amp; &lt; &gt;.")
    user: str | None = Field(None, description="The author's user id (U…), if a person or bot "
                                               "user wrote it.")
    bot_id: str | None = None
    type: str = "message"
    subtype: str | None = Field(None, description="Set for non-plain messages (channel_join, "
                                                  "bot_message, …).")
    thread_ts: SlackTs | None = Field(None, description="The ts of the thread's parent, for "
                                                        "replies and parents.")
    reply_count: int | None = None
    blocks: list[dict[str, Any]] = Field(default_factory=list)

    @classmethod
    def _reshape(cls, data: dict[str, Any]) -> dict[str, Any]:
        data = super()._reshape(data)
        if "posted_at" not in data and isinstance(data.get("ts"), str):
            return {**data, "posted_at": ts_to_datetime(data["ts"])}
        return data


class UserProfile(Record):
    """The profile part of a user: email and names as people set them."""

    email: str | None = Field(None, description="Present only with the users:read.email scope.")
    display_name: str = ""
    real_name: str = ""
    title: str = ""


class User(Record):
    """A member of the workspace (a person or a bot)."""

    id: StrId = Field(description="The user id (U… or W…).")
    name: str = Field(description="The handle (legacy username).")
    real_name: str = ""
    deleted: bool = False
    is_bot: bool = False
    tz: str | None = None
    updated: UtcDateTime | None = None
    profile: UserProfile = Field(default_factory=UserProfile)


R = TypeVar("R", bound=BaseModel)


def parse_record(model: type[R], raw: Any, *, method: str) -> R:
    """`raw` as a `model`, or a `ProtocolError` naming the fields Slack got wrong."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'record'}: {error['msg']}"
            for error in exc.errors())
        raise ProtocolError(
            f"Slack's {method} sent a {model.__name__} this connector cannot read: {problems}",
            context=ErrorContext(connector="slack", body=json.dumps(raw, default=str))) from None
