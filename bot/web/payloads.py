"""The parts of webhook payloads flowbot acts on, validated before anything is stored.

githubkit's webhook models describe GitHub's newest payloads and refuse older shapes that GitHub
still sends (the pinned @octokit/webhooks-examples lack `archived_at` on labels, for one). A
receiver that refused those would lose real requests, so the fields flowbot routes on are checked
here, strictly, and githubkit's full parse is kept as a drift signal in the logs.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

_ID = Field(gt=0, lt=2**63)
"""GitHub's ids and numbers: positive, and within the 64-bit integers a database column holds."""


class _Open(BaseModel):
    """Accepts the fields it does not name (GitHub adds fields) without keeping them: keeping
    them made checking a 12 KB payload cost 14 us instead of 2.5."""

    model_config = ConfigDict(extra="ignore")


class _Account(_Open):
    login: str
    type: str | None = None


class _Label(_Open):
    name: str


class _Repository(_Open):
    full_name: str


class _Installation(_Open):
    id: int = _ID


class _Envelope(_Open):
    action: str | None = None
    sender: _Account | None = None
    repository: _Repository | None = None
    installation: _Installation | None = None


class _Numbered(_Open):
    number: int = _ID
    user: _Account | None = None


class _Issue(_Numbered):
    labels: list[_Label] | None = None
    pull_request: dict[str, Any] | None = None


class _Comment(_Open):
    id: int = _ID
    body: str | None = None


class _Review(_Open):
    id: int = _ID
    state: str
    body: str | None = None


class _IssuesEvent(_Envelope):
    issue: _Issue
    label: _Label | None = None


class _CommentEvent(_Envelope):
    issue: _Issue
    comment: _Comment


class _ReviewEvent(_Envelope):
    review: _Review
    pull_request: _Numbered


class _ReviewCommentEvent(_Envelope):
    comment: _Comment
    pull_request: _Numbered


class _InstallationEvent(_Envelope):
    repositories: list[_Repository] | None = None
    repositories_added: list[_Repository] | None = None
    repositories_removed: list[_Repository] | None = None


_MODELS: dict[str, type[_Envelope]] = {
    "issues": _IssuesEvent, "issue_comment": _CommentEvent,
    "pull_request_review": _ReviewEvent, "pull_request_review_comment": _ReviewCommentEvent,
    "installation": _InstallationEvent, "installation_repositories": _InstallationEvent,
}
KNOWN_EVENTS = frozenset({*_MODELS, "ping"})
"""The events the app subscribes to (and GitHub's ping): the only names its metrics carry."""


class PayloadInvalid(ValueError):
    """A payload without the fields flowbot needs, or with the wrong types."""


def check_payload(event: str, payload: Any) -> None:
    """Raise PayloadInvalid when the payload cannot be what `event` says it is."""
    if not isinstance(payload, dict):
        raise PayloadInvalid("the payload is not a JSON object")
    try:
        _MODELS.get(event, _Envelope).model_validate(payload)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise PayloadInvalid(f"{where}: {first['msg']}") from None
