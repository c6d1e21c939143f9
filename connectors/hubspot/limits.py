"""HubSpot's limits on one account, as the simulator enforces them.

Private apps get a rolling ten-second window (the core's `SlidingWindow`, the same model the
connector's throttle uses) and a daily request count; a request must fit both.
"""

from __future__ import annotations

from connectors.core.ratelimit import SlidingWindow

DAY_SECONDS = 86_400.0


class AccountLimits:
    """HubSpot's two limits on one account: a rolling ten-second window and a daily count.

    The daily count restarts every 24 hours of simulator time (HubSpot: at midnight in the
    account's time zone).
    """

    def __init__(self, window: SlidingWindow, daily_limit: int, start: float) -> None:
        self.window = window
        self.daily_limit = daily_limit
        self._day_start = start
        self._used_today = 0

    def _roll(self, now: float) -> None:
        while now - self._day_start >= DAY_SECONDS:
            self._day_start += DAY_SECONDS
            self._used_today = 0

    def daily_remaining(self, now: float) -> int:
        """Requests left today."""
        self._roll(now)
        return max(0, self.daily_limit - self._used_today)

    def daily_exhausted(self, now: float) -> bool:
        """Whether today's requests are used up."""
        return self.daily_remaining(now) == 0

    def delay(self, now: float) -> float:
        """Until the next day when the daily count is used up, else the window's delay."""
        if self.daily_exhausted(now):
            return self._day_start + DAY_SECONDS - now
        return self.window.delay(now)

    def consume(self, now: float) -> None:
        """Count one request against both limits."""
        self._roll(now)
        self._used_today += 1
        self.window.consume(now)

    def correct(self, remaining: float, now: float) -> None:
        """Servers do not correct themselves; kept for the RateLimit protocol."""
        self.window.correct(remaining, now)

    def remaining(self, now: float) -> float:
        """Requests left in the ten-second window."""
        return self.window.remaining(now)
