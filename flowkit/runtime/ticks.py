"""One enqueue per scheduled tick, however many runners share the queue.

Every Huey consumer runs a scheduler that enqueues the periodic tasks due at each minute, so
with several runners on one Redis queue a flow's tick would be queued once per runner. The
first runner's scheduler to claim the tick (a Redis `SET NX` on the flow's task name and the
tick's minute) enqueues it; the others' see the claim and leave it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

KEY_PREFIX = "flowbot-runner:tick"
CLAIM_TTL_S = 3 * 3600
"""How long a claimed tick is remembered: long past any scheduler's lag behind the others."""


class TickClaims:
    """Claims of scheduled ticks in the Redis the runners' queue lives in."""

    def __init__(self, redis: Any, *, prefix: str = KEY_PREFIX) -> None:
        self.redis = redis
        self.prefix = prefix

    def claim(self, task: str, tick: datetime) -> bool:
        """Whether this scheduler is the first to claim `task`'s tick at `tick`'s minute."""
        key = f"{self.prefix}:{task}:{tick:%Y-%m-%dT%H:%M}"
        return bool(self.redis.set(key, "1", nx=True, ex=CLAIM_TTL_S))
