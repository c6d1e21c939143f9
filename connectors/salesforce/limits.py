"""Salesforce's API limit: a daily allocation of requests per org, not a rate.

Salesforce has no per-second or per-minute limit on REST calls. Each org has an allocation of API
requests over a rolling 24 hours (15,000 for a Developer Edition; Enterprise orgs get 100,000
plus an amount per licence), shared by every integration of the org, and reports it on every
answer as `Sforce-Limit-Info: api-usage=25/15000`. Once it is used up, calls fail with 403
`REQUEST_LIMIT_EXCEEDED` until earlier requests age out — hours, not seconds. (There is also a
limit on concurrent requests that run longer than 20 seconds; nothing here models it.)

So waiting is pointless: the throttle counts requests in the same rolling window the simulator
uses (`SlidingWindow`), believes the header (other integrations spend the allocation too), keeps
a reserve for them, and refuses with `RateLimited` *before* sending once only the reserve is left.
"""

from __future__ import annotations

import math
import re
import threading

import httpx

from connectors.core.clock import SYSTEM_CLOCK, Clock
from connectors.core.errors import ErrorContext, RateLimited
from connectors.core.ratelimit import SlidingWindow, Throttle

LIMIT_INFO_HEADER = "Sforce-Limit-Info"
DAY_SECONDS = 24 * 60 * 60.0
_API_USAGE = re.compile(r"api-usage=(\d+)/(\d+)")


def read_api_usage(headers: httpx.Headers) -> tuple[int, int] | None:
    """(used, allocation) from `Sforce-Limit-Info: api-usage=25/15000`, or None."""
    match = _API_USAGE.search(headers.get(LIMIT_INFO_HEADER, ""))
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2))


def format_api_usage(used: int, allocation: int) -> str:
    """The header's value, as Salesforce writes it."""
    return f"api-usage={used}/{allocation}"


class DailyAllocationThrottle(Throttle):
    """Refuses, before sending, a request that would eat into the reserve of the daily allocation.

    `reserve` is the fraction of the allocation left for the org's other integrations. The
    allocation itself is corrected from every `Sforce-Limit-Info` header, so a wrong setting
    costs at most one request.
    """

    shareable = False
    """Kept per process: it reads its window directly, and every answer's `Sforce-Limit-Info`
    already carries the org-wide count, whichever process spent it."""

    def __init__(self, allocation: int, *, reserve: float, connector: str,
                 clock: Clock = SYSTEM_CLOCK) -> None:
        window = SlidingWindow(allocation, DAY_SECONDS)
        super().__init__(window, clock=clock)
        self.window = window
        self.reserve_fraction = reserve
        self._connector = connector
        self._now = clock.now
        self._guard = threading.Lock()

    def reserved(self) -> int:
        """How many requests of the allocation are kept for others."""
        return math.ceil(self.window.limit * self.reserve_fraction)

    def acquire(self) -> None:
        """Count one request, or raise `RateLimited` if only the reserve is left."""
        with self._guard:
            remaining = self.window.remaining(self._now())
            if remaining <= self.reserved():
                used = self.window.limit - remaining
                raise RateLimited(
                    f"not sent: the org has used {used:.0f} of its {self.window.limit} API "
                    f"requests in the last 24 hours and {self.reserved()} are kept in reserve for "
                    "its other integrations; Salesforce's allocation is a rolling 24-hour window, "
                    "so capacity returns as earlier requests age out",
                    context=ErrorContext(connector=self._connector))
            super().acquire()

    def observe(self, response: httpx.Response) -> None:
        """Believe Salesforce: adopt its allocation, and count requests others have made."""
        usage = read_api_usage(response.headers)
        if usage is None:
            return
        used, allocation = usage
        with self._guard:
            self.window.limit = max(1, allocation)
            self.window.correct(allocation - used, self._now())
