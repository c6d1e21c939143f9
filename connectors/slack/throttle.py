"""Slack's rate limits: one budget per method per workspace, by tier; posting per channel.

Slack sends no remaining-count headers, so the client must model every limit itself: each Web API
method has its own sliding window sized by its tier (Tier 2: 20 a minute, Tier 3: 50, Tier 4: 100),
and `chat.postMessage` allows one message per second *per channel*. The simulator builds its
windows from the same `SlackLimits`, so client and server agree exactly.

The core `HttpClient` holds one throttle for every call; here the budget depends on the call
(method, and the channel inside a posted body). So the throttling sits one layer lower, in an httpx
transport that sees each request as sent — every attempt, retries included — and picks its
budget from the request itself. Nothing has to be told which budget applies, so it cannot be told
wrongly.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from urllib.parse import parse_qs

import httpx

from connectors.core.clock import SYSTEM_CLOCK, Clock
from connectors.core.ratelimit import SlidingWindow, Throttle, ThrottleStats
from connectors.core.retry import parse_retry_after
from connectors.slack.errors import method_of

POST_MESSAGE = "chat.postMessage"
MINUTE = 60.0


class Tier(StrEnum):
    """Slack's rate-limit tiers for Web API methods."""

    TIER_1 = "tier_1"
    TIER_2 = "tier_2"
    TIER_3 = "tier_3"
    TIER_4 = "tier_4"


METHOD_TIERS: Mapping[str, Tier] = MappingProxyType({
    "conversations.list": Tier.TIER_2,
    "users.list": Tier.TIER_2,
    "conversations.history": Tier.TIER_3,
    "users.lookupByEmail": Tier.TIER_3,
})
"""The documented tier of each method this connector calls."""

DEFAULT_TIER = Tier.TIER_2
"""Slack: "most methods allow at least 20 requests per minute"."""

DOCUMENTED_PER_MINUTE: Mapping[Tier, int] = MappingProxyType({
    Tier.TIER_1: 1, Tier.TIER_2: 20, Tier.TIER_3: 50, Tier.TIER_4: 100,
})
"""The floor of each tier ("20+ per minute"): the rate Slack promises, not what it may allow."""


@dataclass(frozen=True)
class SlackLimits:
    """Requests per minute for each tier, per-method overrides, and posts per channel."""

    per_minute: Mapping[Tier, int] = field(default_factory=lambda: DOCUMENTED_PER_MINUTE)
    method_overrides: Mapping[str, int] = field(default_factory=dict)
    """Requests per minute for named methods, e.g. {"conversations.history": 1} for a
    commercially distributed app that is not in the Slack Marketplace."""
    posts_per_channel_per_second: int = 1

    def per_minute_for(self, method: str) -> int:
        """How many calls of `method` a minute admits."""
        if method in self.method_overrides:
            return self.method_overrides[method]
        return self.per_minute[METHOD_TIERS.get(method, DEFAULT_TIER)]

    def window_for(self, method: str) -> SlidingWindow:
        """A fresh window for the workspace-wide budget of `method`."""
        return SlidingWindow(self.per_minute_for(method), MINUTE)

    def post_window(self) -> SlidingWindow:
        """A fresh window for posting into one channel."""
        return SlidingWindow(self.posts_per_channel_per_second, 1.0)


DOCUMENTED_LIMITS = SlackLimits()


def channel_of(request: httpx.Request) -> str | None:
    """The `channel` argument of a request, from its JSON or form body or its query."""
    content_type = request.headers.get("Content-Type", "")
    body = request.content
    value: object = None
    if body and "json" in content_type:
        try:
            decoded = json.loads(body)
        except ValueError:
            decoded = None
        value = decoded.get("channel") if isinstance(decoded, dict) else None
    elif body and "form" in content_type:
        values = parse_qs(body.decode("utf-8", "replace")).get("channel")
        value = values[0] if values else None
    if value is None:
        value = request.url.params.get("channel")
    return value if isinstance(value, str) else None


class TieredThrottle:
    """A `Throttle` per method, and per channel for `chat.postMessage`, created on first use."""

    def __init__(self, limits: SlackLimits = DOCUMENTED_LIMITS, *,
                 clock: Clock = SYSTEM_CLOCK) -> None:
        self.limits = limits
        self._clock = clock
        self._lock = threading.Lock()
        self._throttles: dict[tuple[str, str | None], Throttle] = {}

    def for_call(self, method: str, channel: str | None = None) -> Throttle:
        """The throttle a call of `method` (into `channel`, when posting) counts against."""
        key = (method, channel) if method == POST_MESSAGE else (method, None)
        with self._lock:
            throttle = self._throttles.get(key)
            if throttle is None:
                vendor = (self.limits.post_window() if method == POST_MESSAGE
                          else self.limits.window_for(method))
                window = SlidingWindow.for_client(vendor.limit, vendor.window_seconds)
                throttle = self._throttles[key] = Throttle(window, clock=self._clock)
            return throttle

    def for_request(self, request: httpx.Request) -> Throttle:
        """The throttle of an outgoing request, read from its URL and body."""
        method = method_of(request.url)
        return self.for_call(method, channel_of(request) if method == POST_MESSAGE else None)

    def stats(self) -> ThrottleStats:
        """Waits and seconds waited, summed over every budget."""
        with self._lock:
            every = [throttle.stats() for throttle in self._throttles.values()]
        return ThrottleStats(sum(s.waits for s in every), sum(s.waited_seconds for s in every))


class ThrottledTransport(httpx.BaseTransport):
    """Waits for the request's budget before sending; after a 429 holds that budget back."""

    def __init__(self, inner: httpx.BaseTransport, throttle: TieredThrottle) -> None:
        self._inner = inner
        self._throttle = throttle

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Admit, send, and learn from a refusal."""
        throttle = self._throttle.for_request(request)
        throttle.acquire()
        response = self._inner.handle_request(request)
        if response.status_code == 429:
            throttle.back_off(parse_retry_after(response.headers.get("Retry-After")) or 1.0)
        return response

    def close(self) -> None:
        """Close the wrapped transport."""
        self._inner.close()
