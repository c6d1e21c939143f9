"""What flow code raises on purpose, and what the kit raises about a flow."""

from __future__ import annotations


class BadRecord(Exception):
    """Raised by a step when a record cannot be moved (a missing email, a negative amount).

    The spec's `on_bad_record` decides what happens: skip it (kept in the audit trail) or keep it
    as a failed message for repair. Say what is wrong with the record, not what the code did.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Skip(Exception):
    """Raised by a step for a record the flow deliberately does not move (a test order).

    A skipped packet is recorded as skipped, not as bad; nothing is written for it.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class FlowDefinitionError(Exception):
    """A flow whose units break the contract (no source, two sinks, an unknown injected type…)."""
