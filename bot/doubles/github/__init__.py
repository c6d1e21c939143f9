"""A GitHub for tests and the demo: REST, git over smart HTTP, signed webhooks.

`GitHubSimulator` holds repositories backed by real bare git repositories, serves the part of
GitHub's REST API the app uses (answers built from GitHub's own OpenAPI examples), git fetch and
push behind `git http-backend` with installation tokens, and acts as people do — opening issues,
labelling, commenting — sending the signed webhooks GitHub would.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml
from cryptography.hazmat.primitives import serialization

from bot.doubles.github.render import (
    comment_json,
    issue_json,
    label_json,
    pull_json,
    repository_json,
)
from bot.doubles.github.server import build_app
from bot.doubles.github.state import (
    Comment,
    Issue,
    Pull,
    Repository,
    Review,
    ReviewComment,
    World,
    iso,
    now,
)
from bot.doubles.github.templates import user
from bot.resources import manifest_path
from connectors.core.serving import serve_on_loopback


@dataclass(frozen=True)
class SentDelivery:
    """A webhook the simulator sent, and how the app answered."""

    id: str
    event: str
    body: bytes
    status: int


class GitHubSimulator:
    """The simulated GitHub; see the module docstring."""

    def __init__(self, projects: Path, *, private_key_pem: str, webhook_secret: str,
                 app_id: int | None = None, app_slug: str = "flowbot",
                 validate: bool = False) -> None:
        """`app_id` defaults to a fresh random one: githubkit caches installation tokens per
        app and installation in the process, so two simulators must not share an app id."""
        self.projects = projects
        self.world = World(app_id=app_id or secrets.randbelow(10**8) + 10**6, app_slug=app_slug)
        manifest = yaml.safe_load(manifest_path().read_text(encoding="utf-8"))
        self.world.permissions = dict(manifest["default_permissions"])
        self.world.events = list(manifest["default_events"])
        key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
        self.public_key = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        self.webhook_secret = webhook_secret
        self.webhook_url: str | None = None
        self.base_url = "http://github.invalid"
        self.deliveries: list[SentDelivery] = []
        self.app: Any = build_app(self)
        self.conformance: Any = None
        """With `validate`, every REST exchange checked against GitHub's OpenAPI description
        (`conformance.problems`); needs the dev dependency openapi-core."""
        if validate:
            from bot.doubles.github.conformance import Conformance, ValidatingApp

            self.conformance = Conformance()
            self.app = ValidatingApp(self.app, self.conformance)

    @property
    def bot_login(self) -> str:
        """The app's bot user."""
        return f"{self.world.app_slug}[bot]"

    @contextmanager
    def serve(self) -> Iterator[str]:
        """Serve on loopback; yields the API's base URL (git lives under it too)."""
        with serve_on_loopback(self.app) as base_url:
            self.base_url = base_url
            yield base_url

    # -- repositories -------------------------------------------------------------------------

    def create_repository(self, owner: str, name: str, *, content: Path | None = None,
                          permissions: dict[str, str] | None = None) -> Repository:
        """A repository; with `content`, its first commit on main holds those files."""
        path = self.projects / owner / f"{name}.git"
        path.parent.mkdir(parents=True, exist_ok=True)
        _git("init", "--bare", "--initial-branch=main", str(path))
        repository = Repository(owner, name, path, permissions=dict(permissions or {}))
        self.world.repositories[repository.full_name] = repository
        self.world.user(owner)
        if content is not None:
            work = self.projects / ".seed" / owner / name
            _git("init", "--initial-branch=main", str(work))
            shutil.copytree(content, work, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns(".git", "__pycache__", ".venv"))
            _git("-C", str(work), "add", "-A")
            _git("-C", str(work), "-c", f"user.name={owner}", "-c",
                 f"user.email={owner}@users.noreply.github.example", "commit", "-q", "-m",
                 "Initial commit")
            _git("-C", str(work), "push", "-q", str(path), "main")
        return repository

    def clone_url(self, repository: Repository) -> str:
        """Where git fetches and pushes this repository."""
        return f"{self.base_url}/{repository.full_name}.git"

    def after_push(self, repository: Repository) -> None:
        """A push moved branches: pull requests on them were updated."""
        with self.world.lock:
            for issue in repository.issues.values():
                if issue.pull is not None:
                    issue.updated = now()

    def merge(self, repository: Repository, number: int) -> str:
        """A person merges a pull request: its base branch moves to the head when that is a
        fast-forward (else a merge commit is made, refusing conflicts), the pull request is
        closed as merged, and the issues its body closes with a keyword (`Fixes #N`,
        `Closes #N`, `Resolves #N`) are closed, as GitHub does for a merge into the default
        branch. No webhook is sent: the app acts on none of these. The base's new commit."""
        pull = repository.issues[number]
        if pull.pull is None or pull.state != "open":
            raise ValueError(f"#{number} is not an open pull request")
        head, base = repository.sha(pull.pull.head), repository.sha(pull.pull.base)
        if head is None or base is None:
            raise ValueError(f"#{number}: its head or base branch is gone")
        git = ["git", "--git-dir", str(repository.path)]
        fast_forward = subprocess.run([*git, "merge-base", "--is-ancestor", base, head],  # noqa: S603
                                      capture_output=True, check=False).returncode == 0
        merged = head if fast_forward else _merge_commit(git, base, head, pull.title)
        _git("--git-dir", str(repository.path), "update-ref", f"refs/heads/{pull.pull.base}",
             merged, base)
        closes = {int(found) for found in _CLOSING.findall(pull.body)}
        with self.world.lock:
            pull.pull.merge_commit, pull.pull.merged_at = merged, now()
            pull.state, pull.updated = "closed", now()
            if pull.pull.base == repository.default_branch:
                for closed in closes & set(repository.issues):
                    if repository.issues[closed].pull is None:
                        repository.issues[closed].state = "closed"
                        repository.issues[closed].updated = now()
        return merged

    # -- records (no webhook) -----------------------------------------------------------------

    def add_issue(self, repository: Repository, title: str, body: str, *, author: str,
                  labels: list[str] | None = None, pull: Pull | None = None) -> Issue:
        """Store an issue or a pull request."""
        with self.world.lock:
            issue = Issue(self.world.next_number(repository), title, body, author,
                          list(labels or []), pull=pull)
            repository.issues[issue.number] = issue
        self.world.user(author, bot=author.endswith("[bot]"))
        return issue

    def add_comment(self, repository: Repository, number: int, body: str, *,
                    author: str) -> Comment:
        """Store a comment."""
        with self.world.lock:
            comment = Comment(self.world.next_id(), number, body, author)
            repository.comments[comment.id] = comment
        return comment

    # -- people acting, with the webhooks GitHub sends ----------------------------------------

    def open_issue(self, repository: Repository, title: str, body: str, *, author: str,
                   labels: list[str] | None = None) -> Issue:
        """A person opens an issue (an issue form applies its labels at once)."""
        issue = self.add_issue(repository, title, body, author=author, labels=labels)
        self.send("issues", {"action": "opened", **self._issue_payload(repository, issue),
                             "sender": self._user(author)})
        return issue

    def announce_issue(self, repository: Repository, issue: Issue) -> None:
        """The webhook GitHub sends for an issue opened through the API."""
        self.send("issues", {"action": "opened", **self._issue_payload(repository, issue),
                             "sender": self._user(issue.author)})

    def add_label(self, repository: Repository, number: int, label: str, *,
                  author: str) -> None:
        """A person adds a label."""
        issue = repository.issues[number]
        if label not in issue.labels:
            issue.labels.append(label)
        self.send("issues", {"action": "labeled", **self._issue_payload(repository, issue),
                             "label": label_json(repository, label, self.base_url),
                             "sender": self._user(author)})

    def comment(self, repository: Repository, number: int, body: str, *,
                author: str) -> Comment:
        """A person comments on an issue or pull request."""
        comment = self.add_comment(repository, number, body, author=author)
        issue = repository.issues[number]
        self.send("issue_comment", {
            "action": "created", **self._issue_payload(repository, issue),
            "comment": comment_json(self.world, repository, comment, self.base_url),
            "sender": self._user(author)})
        return comment

    def review(self, repository: Repository, number: int, body: str, *, author: str,
               comments: list[tuple[str, int, str]]) -> Review:
        """A person requests changes on a pull request, with inline comments (path, line,
        text)."""
        with self.world.lock:
            review = Review(self.world.next_id(), number, author, "changes_requested", body,
                            [ReviewComment(self.world.next_id(), path, line, text)
                             for path, line, text in comments])
            repository.reviews[review.id] = review
        issue = repository.issues[number]
        person = self._user(author)
        self.send("pull_request_review", {
            "action": "submitted",
            "review": {"id": review.id, "node_id": f"PRR_{review.id}", "user": person,
                       "body": body, "state": "changes_requested",
                       "submitted_at": iso(review.submitted), "commit_id": repository.sha(
                           issue.pull.head) if issue.pull else None},
            "pull_request": pull_json(self.world, repository, issue, self.base_url),
            "repository": repository_json(self.world, repository, self.base_url),
            "installation": {"id": self.world.installation_id, "node_id": "IN_1"},
            "sender": person})
        return review

    def _user(self, login: str) -> dict[str, Any]:
        person = self.world.user(login, bot=login.endswith("[bot]"))
        return user(person.login, person.id, bot=person.bot, host=self.base_url)

    def _issue_payload(self, repository: Repository, issue: Issue) -> dict[str, Any]:
        return {"issue": issue_json(self.world, repository, issue, self.base_url),
                "repository": repository_json(self.world, repository, self.base_url),
                "installation": {"id": self.world.installation_id, "node_id": "IN_1"}}

    def send(self, event: str, payload: dict[str, Any], *, delivery: str | None = None) -> int:
        """Sign and deliver a webhook to the app, as GitHub does; the app's status code."""
        body = json.dumps(payload).encode()
        identifier = delivery or str(uuid.uuid4())
        digest = hmac.new(self.webhook_secret.encode(), body, hashlib.sha256).hexdigest()
        status = 0
        if self.webhook_url is not None:
            response = httpx.post(self.webhook_url, content=body, timeout=10, headers={
                "X-GitHub-Event": event, "X-GitHub-Delivery": identifier,
                "X-Hub-Signature-256": f"sha256={digest}", "X-GitHub-Hook-ID": "1",
                "X-GitHub-Hook-Installation-Target-Type": "integration",
                "X-GitHub-Hook-Installation-Target-ID": str(self.world.app_id),
                "Content-Type": "application/json", "User-Agent": "GitHub-Hookshot/sim"})
            status = response.status_code
        self.deliveries.append(SentDelivery(identifier, event, body, status))
        return status

    def redeliver(self, delivery: SentDelivery) -> int:
        """Send a delivery again with the same X-GitHub-Delivery (a manual redelivery)."""
        return self.send(delivery.event, json.loads(delivery.body), delivery=delivery.id)


_CLOSING = re.compile(r"\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s+#(\d+)\b", re.IGNORECASE)
"""GitHub's closing keywords followed by an issue of the same repository."""


def _git(*arguments: str) -> None:
    subprocess.run(["git", *arguments], check=True, capture_output=True)  # noqa: S603, S607


def _merge_commit(git: list[str], base: str, head: str, title: str) -> str:
    """A merge commit of `head` into `base`, made in the bare repository (no work tree)."""
    tree = subprocess.run([*git, "merge-tree", "--write-tree", base, head],  # noqa: S603
                          capture_output=True, text=True, check=False)
    if tree.returncode != 0:
        raise ValueError("the pull request has conflicts with its base; it cannot be merged")
    identity = ["-c", "user.name=GitHub", "-c", "user.email=noreply@github.example"]
    made = subprocess.run([git[0], *identity, *git[1:], "commit-tree",  # noqa: S603
                           tree.stdout.split()[0], "-p", base, "-p", head, "-m",
                           f"Merge: {title}"], capture_output=True, text=True, check=True)
    return made.stdout.strip()


__all__ = ["GitHubSimulator", "SentDelivery"]
