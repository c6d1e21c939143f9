"""Time as a dependency, so throttling and backoff are testable without waiting."""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Clock(Protocol):
    """A monotonic clock that can also sleep."""

    def now(self) -> float:
        """Seconds on a monotonic scale."""
        ...

    def sleep(self, seconds: float) -> None:
        """Block for `seconds`."""
        ...


class SystemClock:
    """The real clock: `time.monotonic` and `time.sleep`."""

    def now(self) -> float:
        """Seconds on the process's monotonic clock."""
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        """Block the calling thread."""
        if seconds > 0:
            time.sleep(seconds)


SYSTEM_CLOCK = SystemClock()


class ManualClock:
    """A clock whose `sleep` advances time instantly: throttling and backoff without waiting.

    Shared by a connector and its simulator in a test, it makes rate limits and retries exact and
    fast. Thread-safe; `slept` records every wait so tests can assert on them.
    """

    def __init__(self, start: float = 1_000.0) -> None:
        self._now = start
        self._lock = threading.Lock()
        self.slept: list[float] = []

    def now(self) -> float:
        """The current manual time."""
        with self._lock:
            return self._now

    def sleep(self, seconds: float) -> None:
        """Advance time by `seconds` at once."""
        with self._lock:
            self.slept.append(seconds)
            self._now += max(0.0, seconds)

    def advance(self, seconds: float) -> None:
        """Let time pass without anyone sleeping."""
        with self._lock:
            self._now += seconds
