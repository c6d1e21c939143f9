"""Throttle state shared by every process that spends from one vendor account, kept in Redis.

A vendor's limit belongs to the account (Shopify's bucket is per app and shop), not to a process:
two runners reading one shop must take turns from one bucket. When `SHARED_THROTTLE_VARIABLE`
names a Redis URL, every `HttpClient` built in the process keeps its throttle's model there,
under a key made of the connector, the API host, the throttle's scope and a fingerprint of the
credential (never the credential itself). Without it each process keeps its own (`LocalState`).

Each operation is one Lua script, so it is atomic across processes, and reads the time from the
Redis server (`TIME`), the one clock every runner shares. A leaky bucket is kept as a single
"theoretical arrival time" (GCRA): the bucket's level is how far that time lies ahead of now,
times the leak rate. A sliding window is a sorted set of request times.

redis is an optional extra (in a copy of flowbot, `pip install -c constraints.txt '.[redis]'`),
imported only when configured.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import httpx

from connectors.core.auth import Credentials
from connectors.core.errors import ConfigurationError, ErrorContext, TransientError
from connectors.core.ratelimit import (
    LEVEL_TOLERANCE,
    LeakyBucket,
    RateLimit,
    SlidingWindow,
    ThrottleState,
)

if TYPE_CHECKING:
    from redis import Redis

log = logging.getLogger(__name__)

SHARED_THROTTLE_VARIABLE = "FLOWBOT_SHARED_THROTTLE_URL"
"""Environment variable: the Redis URL where throttles keep their state; unset = per process."""

KEY_PREFIX = "flowbot:throttle:"

_LEAKY_BUCKET = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local capacity, leak, headroom = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local tolerance, ttl = tonumber(ARGV[5]), tonumber(ARGV[6])
local tat = tonumber(redis.call('HGET', KEYS[1], 'tat') or now)
local blocked = tonumber(redis.call('HGET', KEYS[1], 'blocked') or 0)
local level = math.max(0, tat - now) * leak
local op = ARGV[1]
if op == 'admit' then
  local excess = level + 1 - (capacity - headroom)
  local wait = math.max(0, blocked - now)
  if excess > tolerance then wait = math.max(wait, excess / leak) end
  if wait > 0 then return tostring(wait) end
  redis.call('HSET', KEYS[1], 'tat', tostring(math.max(tat, now) + 1 / leak))
elseif op == 'correct' then
  local reported = capacity - tonumber(ARGV[7])
  if reported - level >= 1 - tolerance then
    redis.call('HSET', KEYS[1], 'tat', tostring(now + reported / leak))
  end
else
  blocked = math.max(blocked, now + tonumber(ARGV[7]))
  redis.call('HSET', KEYS[1], 'blocked', tostring(blocked))
end
redis.call('EXPIRE', KEYS[1], math.max(ttl, math.ceil(blocked - now) + 1))
return '0'
"""
"""ARGV: op, capacity, leak per second, headroom, tolerance, ttl, argument (remaining, seconds).
The same arithmetic as `LeakyBucket`, with the level kept as a time. The key outlives an empty
bucket and any back-off by its ttl, then goes: an idle account leaves nothing behind."""

_SLIDING_WINDOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local limit, window, margin = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local ttl = tonumber(ARGV[5])
local times, meta = KEYS[1], KEYS[2]
redis.call('ZREMRANGEBYSCORE', times, '-inf', now - window)
local count = redis.call('ZCARD', times)
local blocked = tonumber(redis.call('HGET', meta, 'blocked') or 0)
local function record()
  local last = redis.call('ZRANGE', times, -1, -1, 'WITHSCORES')
  local at = now
  if last[2] then at = math.max(now, tonumber(last[2])) end
  redis.call('ZADD', times, at, redis.call('HINCRBY', meta, 'seq', 1))
  count = count + 1
end
local op = ARGV[1]
if op == 'admit' then
  local wait = math.max(0, blocked - now)
  if count >= limit then
    local oldest = redis.call('ZRANGE', times, count - limit, count - limit, 'WITHSCORES')
    wait = math.max(wait, tonumber(oldest[2]) + window + margin - now)
  end
  if wait > 0 then return tostring(wait) end
  record()
elseif op == 'correct' then
  while limit - count > math.max(0, tonumber(ARGV[6])) do record() end
else
  blocked = math.max(blocked, now + tonumber(ARGV[6]))
  redis.call('HSET', meta, 'blocked', tostring(blocked))
end
ttl = math.max(ttl, math.ceil(blocked - now) + 1)
redis.call('EXPIRE', times, ttl)
redis.call('EXPIRE', meta, ttl)
return '0'
"""
"""ARGV: op, limit, window seconds, margin seconds, ttl, argument (remaining, seconds).
The same arithmetic as `SlidingWindow`; a request's member is a per-key sequence number."""


def credential_fingerprint(auth: Credentials) -> str:
    """A short, one-way name for the account a credential spends from: a SHA-256 prefix of its
    secrets as first configured, so the key never holds the secret and tokens fetched later do
    not move it."""
    digest = hashlib.sha256("\0".join(auth.secret_values()).encode()).hexdigest()
    return digest[:16]


def throttle_key(connector: str, base_url: str, scope: str, auth: Credentials) -> str:
    """The key one vendor account's limit is shared under: connector, API host (Shopify's shop
    domain), the throttle's scope, and the credential's fingerprint."""
    host = httpx.URL(base_url).netloc.decode("ascii")
    return f"{KEY_PREFIX}{connector}:{host}:{scope}:{credential_fingerprint(auth)}"


class _RedisState:
    """One throttle's state in Redis; each call runs one script atomically.

    Redis being unreachable fails an admit (the request is not sent: a `TransientError`, which
    the caller may retry), but not a correction or a back-off after a request went out: those
    only refine the model, and failing there would report a request that was sent as not sent.
    """

    def __init__(self, redis: Redis, failure: type[Exception], connector: str, script: str,
                 keys: list[str], params: list[Any]) -> None:
        self._run = redis.register_script(script)
        self._failure = failure
        self._connector = connector
        self._keys = keys
        self._params = params

    def _call(self, op: str, argument: float = 0.0) -> float:
        reply = self._run(keys=self._keys, args=[op, *self._params, repr(float(argument))])
        return float(reply)

    def admit(self) -> float:
        """See `ThrottleState.admit`."""
        try:
            return self._call("admit")
        except self._failure as error:
            raise TransientError(
                f"not sent: the throttle's shared state in Redis could not be reached "
                f"({type(error).__name__}); check that Redis ({SHARED_THROTTLE_VARIABLE}) is up, "
                "or unset the variable to throttle per process",
                context=ErrorContext(connector=self._connector)) from None

    def correct(self, remaining: float) -> None:
        """See `ThrottleState.correct`."""
        self._refine("correct", remaining)

    def back_off(self, seconds: float) -> None:
        """See `ThrottleState.back_off`."""
        self._refine("back_off", seconds)

    def _refine(self, op: str, argument: float) -> None:
        try:
            self._call(op, argument)
        except self._failure as error:
            log.warning("throttle %s for %s not recorded in Redis: %s", op, self._connector,
                        type(error).__name__)


class RedisThrottleStore:
    """Hands out throttle states kept in one Redis, for the limit models it knows how to keep."""

    def __init__(self, url: str, *, connector: str = "") -> None:
        try:
            import redis  # an optional extra, needed only when configured
        except ImportError as error:
            raise ConfigurationError(
                f"{SHARED_THROTTLE_VARIABLE} is set, so throttles keep their state in Redis, "
                "but the redis package is not installed; install it with "
                "`pip install -c constraints.txt '.[redis]'` in your copy of flowbot, or unset the "
                "variable to throttle per process",
                context=ErrorContext(connector=connector)) from error
        self.url = url
        self._redis: Redis = redis.Redis.from_url(url)
        self._failure: type[Exception] = redis.RedisError

    def state_for(self, limit: RateLimit, key: str, *,
                  connector: str = "") -> ThrottleState | None:
        """A shared state modelling `limit` under `key`; None for a model it cannot keep.
        `connector` names the connector in the errors it raises."""
        if isinstance(limit, LeakyBucket):
            ttl = int(limit.capacity / limit.leak_per_second) + 60
            return _RedisState(self._redis, self._failure, connector, _LEAKY_BUCKET,
                               [f"{key}:bucket"],
                               [repr(limit.capacity), repr(limit.leak_per_second),
                                repr(limit.headroom), repr(LEVEL_TOLERANCE), ttl])
        if isinstance(limit, SlidingWindow):
            ttl = int(limit.window_seconds + limit.margin_seconds) + 60
            return _RedisState(self._redis, self._failure, connector, _SLIDING_WINDOW,
                               [f"{key}:window", f"{key}:window-meta"],
                               [limit.limit, repr(limit.window_seconds),
                                repr(limit.margin_seconds), ttl])
        return None


_configured: dict[str, RedisThrottleStore] = {}
_configured_lock = threading.Lock()


def configured_store(connector: str = "",
                     environ: Mapping[str, str] | None = None) -> RedisThrottleStore | None:
    """The store `SHARED_THROTTLE_VARIABLE` names, one per process; None when it is unset.
    `connector` names the connector being built, for the error a bad setting raises."""
    url = (os.environ if environ is None else environ).get(SHARED_THROTTLE_VARIABLE, "").strip()
    if not url:
        return None
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigurationError(
            f"{SHARED_THROTTLE_VARIABLE} must be a Redis URL (redis://host:port/db), not "
            f"{url.split('://')[0]!r}; unset it to throttle per process",
            context=ErrorContext(connector=connector))
    with _configured_lock:
        store = _configured.get(url)
        if store is None:
            store = _configured[url] = RedisThrottleStore(url, connector=connector)
        return store
