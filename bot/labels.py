"""The labels flowbot reads and sets on issues and pull requests: one definition for every module.

The failure label is the runtime's (`flowkit.runtime.filing` files the issues the app repairs), so
the two cannot drift apart.
"""

from __future__ import annotations

from flowkit.runtime.filing import FAILURE_LABEL

INTENT_LABEL = "integration-request"
"""An intent issue: flowbot writes a flow for it (the generate job)."""
WAITING_LABEL = "needs-info"
"""An intent issue waiting for its author's answers to flowbot's questions (the resume job)."""
NEEDS_HUMAN_LABEL = "needs-human"
"""A pull request flowbot could not make pass its gate: a person takes over."""

REPOSITORY_LABELS: tuple[tuple[str, str, str], ...] = (
    (INTENT_LABEL, "0e8a16", "flowbot: write a flow for this request"),
    (FAILURE_LABEL, "d93f0b", "flowbot: a flow failed on a packet; repair it"),
    (WAITING_LABEL, "fbca04", "flowbot: waiting for an answer from the issue's author"),
)
"""The labels `flowbot init` creates and `flowbot doctor` checks: name, colour, description."""

__all__ = ["FAILURE_LABEL", "INTENT_LABEL", "NEEDS_HUMAN_LABEL", "REPOSITORY_LABELS",
           "WAITING_LABEL"]
