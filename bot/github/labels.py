"""The labels flowbot reads and sets on issues and pull requests (one definition for every
module), and creating them in a repository (`flowbot init --repo`).

The failure label is the runtime's (`flowkit.runtime.filing` files the issues the app repairs), so
the two cannot drift apart.
"""

from __future__ import annotations

from githubkit import GitHub, TokenAuthStrategy
from githubkit.exception import RequestFailed

from flowkit.runtime.filing import FAILURE_LABEL

TIMEOUT_S = 30.0

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


def create_labels(repository: str, labels: tuple[tuple[str, str, str], ...], *, token: str,
                  api_url: str) -> tuple[list[str], list[str]]:
    """Create each (name, colour, description) label in `owner/name`; (created, existing).
    A label that exists is left as it is (its colour may be someone's choice)."""
    owner, _, name = repository.partition("/")
    created: list[str] = []
    existing: list[str] = []
    with GitHub(TokenAuthStrategy(token), base_url=api_url, timeout=TIMEOUT_S,
                http_cache=False, auto_retry=False) as github:
        github.rest.repos.get(owner, name)  # a bad --repo is a 404 here, before any write
        for label, color, description in labels:
            try:
                github.rest.issues.create_label(owner, name, name=label, color=color,
                                                description=description)
            except RequestFailed as error:
                if error.response.status_code != 422:
                    raise
                existing.append(label)
            else:
                created.append(label)
    return created, existing


__all__ = ["FAILURE_LABEL", "INTENT_LABEL", "NEEDS_HUMAN_LABEL", "REPOSITORY_LABELS",
           "WAITING_LABEL", "create_labels"]
