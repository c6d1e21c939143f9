"""Stripe's idempotency layer, as the simulator keeps it.

Stripe saves the result of the first request made with an idempotency key once the endpoint has
begun to run, and keeps it for at least 24 hours: the same key with the same endpoint and
parameters gets that result again, marked `Idempotent-Replayed: true`, and nothing is written
again. The same key on another endpoint or with other parameters is an `idempotency_error`.
Requests refused before the endpoint runs (bad parameters, 429s) save nothing.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from connectors.stripe.simulator.wire import StripeApiError, invalid

IDEMPOTENCY_TTL_S = 24 * 3600.0
MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class _Saved:
    """The first result of a key, and what identified its request."""

    path: str
    fingerprint: str
    body: dict[str, Any]
    saved_at: float


def fingerprint(pairs: Sequence[tuple[str, str]]) -> str:
    """The identity of a request's parameters, regardless of their order."""
    return json.dumps(sorted(pairs))


class IdempotencyLayer:
    """Results by idempotency key; not thread-safe on its own (the simulator's lock guards it)."""

    def __init__(self, ttl_s: float = IDEMPOTENCY_TTL_S) -> None:
        self.ttl_s = ttl_s
        self._saved: dict[str, _Saved] = {}

    @staticmethod
    def check_key(key: str) -> None:
        """Refuse a key longer than Stripe accepts."""
        if len(key) > MAX_KEY_LENGTH:
            raise invalid(f"Keys for idempotent requests can be no longer than {MAX_KEY_LENGTH} "
                          "characters.")

    def replay(self, key: str, path: str, request_fingerprint: str,
               now: float) -> dict[str, Any] | None:
        """The saved result for the same request, None for an unknown (or expired) key, or
        Stripe's `idempotency_error` for the key reused on another request."""
        self._saved = {k: s for k, s in self._saved.items() if now - s.saved_at < self.ttl_s}
        saved = self._saved.get(key)
        if saved is None:
            return None
        if saved.path != path:
            raise StripeApiError(
                400, "idempotency_error", "Keys for idempotent requests can only be used for the "
                f"same endpoint they were first used for. Try using a key other than '{key}' if "
                "you meant to execute a different request.")
        if saved.fingerprint != request_fingerprint:
            raise StripeApiError(
                400, "idempotency_error", "Keys for idempotent requests can only be used with the "
                f"same parameters they were first used with. Try using a key other than '{key}' "
                "if you meant to execute a different request.")
        return copy.deepcopy(saved.body)

    def save(self, key: str, path: str, request_fingerprint: str, body: dict[str, Any],
             now: float) -> None:
        """Keep the first result of `key`."""
        self._saved[key] = _Saved(path, request_fingerprint, copy.deepcopy(body), now)
