"""How flows are written, checked and run.

A flow's code imports only this public API and `connectors`:

- `Flow` — declares the units (`@flow.source(key=…)`, `@flow.step`, `@flow.sink`);
- `Context` — the run a unit is part of (cursor, packet key, idempotency keys);
- `BadRecord`, `Skip` — what a step raises to stop a packet on purpose.

Tests of a flow use `flowkit.testing.FlowTest`.
"""

from flowkit.context import Context
from flowkit.errors import BadRecord, Skip
from flowkit.flow import Flow

__all__ = ["BadRecord", "Context", "Flow", "Skip"]
