"""Rate-limit algorithms and the client-side throttle built on them.

The same algorithm objects serve both sides: a connector's `Throttle` waits until its model of the
vendor's limit admits one more request, and a simulator asks the identical model whether to answer
429. The client therefore never exceeds the limit it is told about, and corrects its model from the
vendor's rate-limit headers as responses arrive (another process may share the same quota).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import httpx

from connectors.core.clock import SYSTEM_CLOCK, Clock


class RateLimit(Protocol):
    """A model of one vendor limit; all times are monotonic seconds."""

    def delay(self, now: float) -> float:
        """Seconds to wait before one more request is admitted (0 when it may go now)."""
        ...

    def consume(self, now: float) -> None:
        """Record that a request was sent (client) or arrived (server) at `now`."""
        ...

    def correct(self, remaining: float, now: float) -> None:
        """Believe the vendor: at most `remaining` more requests are admitted right now."""
        ...

    def remaining(self, now: float) -> float:
        """How many requests would be admitted right now."""
        ...


LEVEL_TOLERANCE = 1e-9
"""Requests' worth of bucket level that float rounding may leave behind; treated as room."""

CLIENT_JITTER_ALLOWANCE_S = 0.03
"""How much sooner a request may reach the vendor, relative to the one before it, than it was
sent. A client that paces itself exactly to the limit gets a 429 whenever that happens, so its
model of the limit keeps this much time in hand: a bucket keeps the room that leaks in that time,
a window is waited out this much longer."""


class LeakyBucket:
    """A bucket that fills by one per request and leaks at a steady rate (Shopify's model).

    A request is admitted while the bucket has room; a full bucket admits the next request after
    one request's worth has leaked.
    """

    def __init__(self, capacity: float, leak_per_second: float, *,
                 headroom: float = 0.0) -> None:
        if capacity <= 0 or leak_per_second <= 0:
            raise ValueError("a leaky bucket needs a positive capacity and leak rate")
        if not 0 <= headroom < capacity:
            raise ValueError("a leaky bucket's headroom must be below its capacity")
        self.capacity = capacity
        self.leak_per_second = leak_per_second
        self.headroom = headroom
        """Room kept free: a client's allowance for jitter (a vendor's own bucket keeps none)."""
        self._level = 0.0
        self._updated: float | None = None

    @classmethod
    def for_client(cls, capacity: float, leak_per_second: float) -> LeakyBucket:
        """The vendor's bucket as a client models it: the jitter allowance kept in hand."""
        headroom = min(leak_per_second * CLIENT_JITTER_ALLOWANCE_S, capacity / 2)
        return cls(capacity, leak_per_second, headroom=headroom)

    def level(self, now: float) -> float:
        """How full the bucket is at `now`, after leaking since the last update."""
        if self._updated is None:
            return self._level
        leaked = (now - self._updated) * self.leak_per_second
        return max(0.0, self._level - leaked)

    def delay(self, now: float) -> float:
        """Seconds until one request's worth of room has leaked out.

        An excess below `LEVEL_TOLERANCE` is rounding, not a full bucket: after sleeping exactly
        the delay, float arithmetic can leave a residue whose wait is too small to move a clock
        reading of ~1e3 s, and a throttle would sleep that nothing forever.
        """
        excess = self.level(now) + 1 - (self.capacity - self.headroom)
        if excess <= LEVEL_TOLERANCE:
            return 0.0
        return excess / self.leak_per_second

    def consume(self, now: float) -> None:
        """Add one request to the bucket."""
        self._level = self.level(now) + 1
        self._updated = now

    def correct(self, remaining: float, now: float) -> None:
        """Raise the level to what the vendor reports (never lower it: the cautious side).

        Vendors count the level in whole requests, rounded up (Shopify's `32/40`), so a report
        less than one request above the model is the model itself, rounded: believing it would
        hold the client back for nothing. A report a whole request or more above is someone
        else spending from the same bucket, and is believed.
        """
        level = self.level(now)
        reported = self.capacity - remaining
        if reported - level >= 1 - LEVEL_TOLERANCE:
            level = reported
        self._level = level
        self._updated = now

    def remaining(self, now: float) -> float:
        """Room left in the bucket at `now`."""
        return max(0.0, self.capacity - self.level(now))


class SlidingWindow:
    """At most `limit` requests in any `window_seconds` (HubSpot's and Slack's model)."""

    def __init__(self, limit: int, window_seconds: float, *, margin_seconds: float = 0.0) -> None:
        if limit <= 0 or window_seconds <= 0 or margin_seconds < 0:
            raise ValueError("a sliding window needs a positive limit and window")
        self.limit = limit
        self.window_seconds = window_seconds
        self.margin_seconds = margin_seconds
        """Extra wait after the window: a client's allowance for jitter (a vendor keeps none)."""
        self._times: deque[float] = deque()

    @classmethod
    def for_client(cls, limit: int, window_seconds: float) -> SlidingWindow:
        """The vendor's window as a client models it: waited out `CLIENT_JITTER_ALLOWANCE_S`
        longer."""
        return cls(limit, window_seconds, margin_seconds=CLIENT_JITTER_ALLOWANCE_S)

    def _prune(self, now: float) -> None:
        while self._times and self._times[0] <= now - self.window_seconds:
            self._times.popleft()

    def delay(self, now: float) -> float:
        """Seconds until the oldest request in a full window falls out of it."""
        self._prune(now)
        if len(self._times) < self.limit:
            return 0.0
        oldest = self._times[len(self._times) - self.limit]
        return oldest + self.window_seconds + self.margin_seconds - now

    def consume(self, now: float) -> None:
        """Record a request at `now`."""
        self._prune(now)
        self._times.append(max(now, self._times[-1]) if self._times else now)

    def correct(self, remaining: float, now: float) -> None:
        """Count phantom requests at `now` until only `remaining` slots are left."""
        self._prune(now)
        while self.limit - len(self._times) > max(0.0, remaining):
            self._times.append(max(now, self._times[-1]) if self._times else now)

    def remaining(self, now: float) -> float:
        """Free slots in the window ending at `now`."""
        self._prune(now)
        return float(self.limit - len(self._times))


RemainingReader = Callable[[httpx.Headers], float | None]
"""Reads a vendor's rate-limit headers: how many more requests it admits now, or None."""


@dataclass(frozen=True)
class ThrottleStats:
    """What a throttle did: how often and how long it made callers wait."""

    waits: int
    waited_seconds: float


class ThrottleState(Protocol):
    """Where a throttle keeps its model of the limit: in this process, or where every process
    spending from the same vendor account meets (see `connectors.core.shared_throttle`).

    Each call is atomic: two callers, threads or processes, can never both take the last room.
    """

    def admit(self) -> float:
        """Count one request and return 0 if the limit admits it now; otherwise count nothing
        and return the seconds to wait before asking again."""
        ...

    def correct(self, remaining: float) -> None:
        """Believe the vendor's report that at most `remaining` more requests are admitted."""
        ...

    def back_off(self, seconds: float) -> None:
        """Admit nothing for `seconds` (the vendor answered 429)."""
        ...


class LocalState:
    """A throttle's state held in this process, guarded by a lock: the default, right when this
    process is the only one spending from the vendor account."""

    def __init__(self, limit: RateLimit, clock: Clock = SYSTEM_CLOCK) -> None:
        self.limit = limit
        self._clock = clock
        self._lock = threading.Lock()
        self._blocked_until = 0.0

    def admit(self) -> float:
        """See `ThrottleState.admit`."""
        with self._lock:
            now = self._clock.now()
            wait = max(self.limit.delay(now), self._blocked_until - now)
            if wait <= 0:
                self.limit.consume(now)
                return 0.0
            return wait

    def correct(self, remaining: float) -> None:
        """See `ThrottleState.correct`."""
        with self._lock:
            self.limit.correct(remaining, self._clock.now())

    def back_off(self, seconds: float) -> None:
        """See `ThrottleState.back_off`."""
        with self._lock:
            self._blocked_until = max(self._blocked_until, self._clock.now() + seconds)


class Throttle:
    """Blocks callers until the vendor's limit admits them; shared safely between threads.

    Requests are admitted *before* they are sent, so the client stays under the limit instead of
    discovering it through 429s. After a 429 every caller is held back until the vendor's
    `Retry-After` has passed, not only the one that was refused. The model lives in a
    `ThrottleState`: this process's own by default, or one shared by every process that spends
    from the same account once `share` is called (the `HttpClient` does that when configured).
    """

    shareable: bool = True
    """Whether `share` may move the state out of this process (a subclass that reads its model
    directly says no)."""

    def __init__(
        self,
        limit: RateLimit,
        *,
        read_remaining: RemainingReader | None = None,
        clock: Clock = SYSTEM_CLOCK,
        scope: str = "requests",
    ) -> None:
        self.limit = limit
        """The limit's model; once shared, only its parameters count (the state is elsewhere)."""
        self.scope = scope
        """Which of the account's limits this is, when a connector keeps more than one (Stripe's
        reads and writes): part of the key a shared state is kept under."""
        self._read_remaining = read_remaining
        self._clock = clock
        self.state: ThrottleState = LocalState(limit, clock)
        self._stats_lock = threading.Lock()
        self._waits = 0
        self._waited = 0.0

    def share(self, state: ThrottleState) -> None:
        """Keep the model in `state` from now on (one shared with other processes)."""
        self.state = state

    def acquire(self) -> None:
        """Wait until one more request may be sent, then count it."""
        while True:
            wait = self.state.admit()
            if wait <= 0:
                return
            with self._stats_lock:
                self._waits += 1
                self._waited += wait
            self._clock.sleep(wait)

    def observe(self, response: httpx.Response) -> None:
        """Correct the model from the vendor's rate-limit headers, if it sends any."""
        if self._read_remaining is None:
            return
        remaining = self._read_remaining(response.headers)
        if remaining is not None:
            self.state.correct(remaining)

    def back_off(self, seconds: float) -> None:
        """Hold every caller back for `seconds` (the vendor said so with a 429)."""
        self.state.back_off(seconds)

    def stats(self) -> ThrottleStats:
        """How often callers waited and for how long in total."""
        with self._stats_lock:
            return ThrottleStats(self._waits, self._waited)
