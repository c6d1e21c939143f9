"""What the runtime tells a flow's units about the run they are part of."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from connectors.core.idempotency import idempotency_key

CursorValue = datetime | int | str
"""A cursor as kept between runs: the source record's cursor field of the last packet read."""


@dataclass
class Context:
    """The run a unit is part of. Inject it by annotating a parameter `ctx: Context`."""

    flow: str
    """The flow's name."""
    run_id: str
    """This run's id, as the audit trail records it."""
    cursor: CursorValue | None = None
    """Where the previous run stopped (None on the first run, or for full reads)."""
    packet_key: str | None = None
    """The key of the packet being processed (None while the source reads)."""
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def since(self) -> datetime | None:
        """The cursor as a time, for sources that resume after an update time."""
        if self.cursor is None or isinstance(self.cursor, datetime):
            return self.cursor
        raise TypeError(f"the cursor of {self.flow} is {type(self.cursor).__name__}, not a time; "
                        "use ctx.cursor")

    def idempotency_key(self, *parts: Any) -> str:
        """A key for the current packet's write, the same on every run and every retry.

        Pass it to operations that take an `idempotency_key`; add `parts` only when one packet
        makes several writes of the same operation.
        """
        if self.packet_key is None:
            raise RuntimeError("idempotency_key() is only available while a packet is processed")
        return idempotency_key(self.flow, self.packet_key, *parts)


def later(first: CursorValue | None, second: CursorValue | None) -> CursorValue | None:
    """The later of two cursors (None counts as earliest)."""
    if first is None:
        return second
    if second is None:
        return first
    try:
        return first if first >= second else second  # type: ignore[operator]
    except TypeError:
        return first if str(first) >= str(second) else second
