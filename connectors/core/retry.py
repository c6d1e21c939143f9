"""When and how long to retry: transient failures of idempotent calls only.

Retrying a write that may already have happened is how integrations write twice. So a call is
retried only when repeating it is safe: reads, writes carrying an idempotency key, upserts by an
external id — or any call the vendor provably did not process (the connection never opened, or a
429 refused it before any work). Waits honour `Retry-After` (seconds or an HTTP date); a zero,
negative or unreadable value means "back off", never "hammer".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

TRANSIENT_STATUSES = frozenset({429, 502, 503, 504})
NOT_PROCESSED_STATUSES = frozenset({429})


@dataclass(frozen=True)
class RetryPolicy:
    """How many attempts, and how long to wait between them."""

    max_attempts: int = 5
    initial_backoff_s: float = 0.5
    max_backoff_s: float = 30.0
    max_retry_after_s: float = 120.0
    retry_statuses: frozenset[int] = TRANSIENT_STATUSES


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds the vendor asked to wait, from `Retry-After` as seconds or an HTTP date.

    Returns None for a missing, zero, negative or unreadable value: the caller then backs off on
    its own schedule instead of retrying at once.
    """
    if not value:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if seconds != seconds or seconds <= 0:  # NaN or "now": back off rather than hammer
        return None
    return seconds


def safe_to_retry(*, idempotent: bool, status: int | None = None,
                  exception: Exception | None = None) -> bool:
    """Whether repeating the call cannot cause a second effect at the vendor.

    An idempotent call may be repeated after any transient failure. Any other call only when the
    vendor certainly did not act on it: the connection was never established, or it answered 429.
    """
    if exception is not None:
        if isinstance(exception, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
            return True
        return idempotent and isinstance(exception, httpx.TransportError)
    if status is None:
        return False
    return status in NOT_PROCESSED_STATUSES or idempotent
