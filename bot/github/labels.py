"""Creating the labels flowbot reads and sets in a repository (for `flowbot init --repo`)."""

from __future__ import annotations

from githubkit import GitHub, TokenAuthStrategy
from githubkit.exception import RequestFailed

TIMEOUT_S = 30.0


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
