"""The simulated GitHub's world: users, the app, repositories backed by real bare git
repositories, issues, pull requests, comments, labels, reactions, check runs, tokens."""

from __future__ import annotations

import itertools
import secrets
import subprocess
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any


def now() -> datetime:
    """Now, to the second, in UTC."""
    return datetime.now(UTC).replace(microsecond=0)


def iso(moment: datetime | None) -> str | None:
    """GitHub's timestamp format."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


@dataclass
class User:
    """A person or a bot."""

    login: str
    id: int
    bot: bool = False


@dataclass
class Comment:
    """A comment on an issue or pull request."""

    id: int
    number: int
    body: str
    author: str
    created: datetime = field(default_factory=now)
    updated: datetime = field(default_factory=now)


@dataclass
class Issue:
    """An issue, or the issue side of a pull request."""

    number: int
    title: str
    body: str
    author: str
    labels: list[str] = field(default_factory=list)
    state: str = "open"
    created: datetime = field(default_factory=now)
    updated: datetime = field(default_factory=now)
    pull: Pull | None = None
    reactions: set[tuple[str, str]] = field(default_factory=set)
    """(login, content) pairs: GitHub keeps one reaction of a kind per user."""


@dataclass
class Pull:
    """A pull request's own fields."""

    head: str
    base: str
    draft: bool = False
    requested_reviewers: list[str] = field(default_factory=list)
    merge_commit: str | None = None
    """The base branch's commit after the merge; None while unmerged."""
    merged_at: datetime | None = None


@dataclass
class ReviewComment:
    """An inline comment of a review."""

    id: int
    path: str
    line: int
    body: str


@dataclass
class Review:
    """A pull request review."""

    id: int
    number: int
    author: str
    state: str
    """As webhooks spell it (`changes_requested`); the REST API spells it in capitals."""
    body: str
    comments: list[ReviewComment] = field(default_factory=list)
    submitted: datetime = field(default_factory=now)


@dataclass
class CheckRun:
    """A check run on a commit."""

    id: int
    name: str
    head_sha: str
    status: str
    conclusion: str | None
    output: dict[str, object]

    def amend(self, body: dict[str, Any]) -> None:
        """Apply `PATCH …/check-runs/{id}`: the fields given replace theirs, except the output's
        annotations, which GitHub appends to those already there."""
        self.status = body.get("status", self.status)
        self.conclusion = body.get("conclusion", self.conclusion)
        output = dict(body.get("output") or {})
        earlier = self.output.get("annotations")
        annotations = [*(earlier if isinstance(earlier, list) else []),
                       *output.pop("annotations", [])]
        self.output.update(output)
        self.output["annotations"] = annotations


@dataclass(frozen=True)
class RepoLabel:
    """A label defined in a repository (`POST /repos/{owner}/{repo}/labels`)."""

    name: str
    color: str
    description: str | None


@dataclass
class Repository:
    """A repository and the bare git repository that holds its code."""

    owner: str
    name: str
    path: Path
    default_branch: str = "main"
    issues: dict[int, Issue] = field(default_factory=dict)
    comments: dict[int, Comment] = field(default_factory=dict)
    checks: dict[int, CheckRun] = field(default_factory=dict)
    reviews: dict[int, Review] = field(default_factory=dict)
    permissions: dict[str, str] = field(default_factory=dict)
    labels: dict[str, RepoLabel] = field(default_factory=dict)
    """The repository's own labels, by name (an issue's labels are names on the issue)."""

    @property
    def full_name(self) -> str:
        """owner/name."""
        return f"{self.owner}/{self.name}"

    def sha(self, ref: str) -> str | None:
        """The commit a branch points at, from the bare repository."""
        completed = subprocess.run(  # noqa: S603 - fixed git command, our own paths
            ["git", "--git-dir", str(self.path), "rev-parse", "--verify",  # noqa: S607
             f"refs/heads/{ref}^{{commit}}"], capture_output=True, text=True, check=False)
        return completed.stdout.strip() if completed.returncode == 0 else None


@dataclass
class World:
    """Everything the simulator knows; one lock guards it."""

    app_id: int
    app_slug: str
    installation_id: int = 1
    permissions: dict[str, str] = field(default_factory=dict)
    """The app's permissions (flowbot's app.yml by default, a conversion's manifest after)."""
    events: list[str] = field(default_factory=list)
    users: dict[str, User] = field(default_factory=dict)
    repositories: dict[str, Repository] = field(default_factory=dict)
    tokens: dict[str, datetime] = field(default_factory=dict)
    """Installation tokens and when they expire."""
    lock: threading.RLock = field(default_factory=threading.RLock)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))

    def next_id(self) -> int:
        """A fresh id for a comment, check run or reaction."""
        return next(self.ids)

    def user(self, login: str, *, bot: bool = False) -> User:
        """The user called `login`, created on first mention."""
        with self.lock:
            if login not in self.users:
                self.users[login] = User(login, 10_000 + len(self.users), bot)
            return self.users[login]

    def mint_token(self) -> tuple[str, datetime]:
        """A new installation token, valid for an hour (as at GitHub)."""
        token = "ghs_" + secrets.token_hex(18)
        expires = now() + timedelta(hours=1)
        with self.lock:
            self.tokens[token] = expires
        return token, expires

    def token_valid(self, token: str) -> bool:
        """Whether `token` is a live installation token."""
        with self.lock:
            expires = self.tokens.get(token)
        return expires is not None and expires > now()

    def repository(self, owner: str, name: str) -> Repository | None:
        """A repository by owner and name."""
        return self.repositories.get(f"{owner}/{name}")

    def next_number(self, repository: Repository) -> int:
        """The next issue or pull request number of a repository."""
        return max(repository.issues, default=0) + 1
