"""What a job does on GitHub, each step safe to repeat after a crash.

A status comment is found by its marker before one is created; a pull request is found by its
head branch before one is opened; reactions and labels are sets on GitHub's side, so adding one
twice changes nothing. That is what lets a restarted job run again from the top without leaving
a second comment, a second PR or a second reaction behind.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from githubkit.exception import RequestFailed
from githubkit_schemas.latest.models import IssueComment
from githubkit_schemas.latest.types import (
    ReposOwnerRepoCheckRunsCheckRunIdPatchBodyPropOutputType as UpdateOutput,
)
from githubkit_schemas.latest.types import (
    ReposOwnerRepoCheckRunsPostBodyPropOutputPropAnnotationsItemsType as Annotation,
)
from githubkit_schemas.latest.types import (
    ReposOwnerRepoCheckRunsPostBodyPropOutputType as CreateOutput,
)

from bot.github.client import InstallationClient
from bot.github.status_comment import Status, is_status_comment, render_status

Reaction = Literal["eyes", "rocket", "confused", "+1", "-1", "laugh", "heart", "hooray"]
MAX_ANNOTATIONS_PER_REQUEST = 50
"""GitHub takes at most 50 check-run annotations per request."""


@dataclass(frozen=True)
class Repo:
    """A repository by owner and name."""

    owner: str
    name: str

    @property
    def full_name(self) -> str:
        """`owner/name`."""
        return f"{self.owner}/{self.name}"


@dataclass(frozen=True)
class PullRequestRef:
    """The pull request a job opened or found again."""

    number: int
    url: str
    head_sha: str
    created: bool


def upsert_status_comment(gh: InstallationClient, repo: Repo, status: Status) -> int:
    """Edit the job's status comment, or create it if there is none yet; its id."""
    body = render_status(status)
    comments: Iterator[IssueComment] = gh.rest.paginate(
        gh.rest.issues.list_comments, owner=repo.owner, repo=repo.name,
        issue_number=status.number, per_page=100)
    for existing in comments:
        text = existing.body if isinstance(existing.body, str) else None
        if is_status_comment(text, status.job_kind, status.number):
            if existing.body != body:
                gh.rest.issues.update_comment(repo.owner, repo.name, existing.id, body=body)
            return int(existing.id)
    created = gh.rest.issues.create_comment(repo.owner, repo.name, status.number, body=body)
    return int(created.parsed_data.id)


def comment(gh: InstallationClient, repo: Repo, number: int, body: str) -> int:
    """Post a comment; its id."""
    return gh.rest.issues.create_comment(repo.owner, repo.name, number, body=body).parsed_data.id


def react_to_issue(gh: InstallationClient, repo: Repo, number: int, content: Reaction) -> None:
    """Add a reaction to an issue or PR (GitHub keeps one per user and kind)."""
    gh.rest.reactions.create_for_issue(repo.owner, repo.name, number, content=content)


def react_to_comment(gh: InstallationClient, repo: Repo, comment_id: int,
                     content: Reaction) -> None:
    """Add a reaction to an issue comment."""
    gh.rest.reactions.create_for_issue_comment(repo.owner, repo.name, comment_id,
                                               content=content)


def add_labels(gh: InstallationClient, repo: Repo, number: int, labels: Sequence[str]) -> None:
    """Add labels (existing ones stay; adding one twice changes nothing)."""
    if labels:
        gh.rest.issues.add_labels(repo.owner, repo.name, number, labels=list(labels))


def remove_label(gh: InstallationClient, repo: Repo, number: int, label: str) -> None:
    """Remove a label; one that is not there is fine."""
    try:
        gh.rest.issues.remove_label(repo.owner, repo.name, number, label)
    except RequestFailed as error:
        if error.response.status_code != 404:
            raise


def find_open_pull(gh: InstallationClient, repo: Repo, branch: str) -> PullRequestRef | None:
    """The open pull request whose head is the app's `branch`, if there is one."""
    pulls = gh.rest.pulls.list(repo.owner, repo.name, state="open",
                               head=f"{repo.owner}:{branch}").parsed_data
    for pull in pulls:
        if pull.head.ref == branch:
            return PullRequestRef(pull.number, pull.html_url, pull.head.sha, created=False)
    return None


def open_or_update_pull(gh: InstallationClient, repo: Repo, *, branch: str, base: str,
                        title: str, body: str, draft: bool) -> PullRequestRef:
    """Update the branch's open pull request, or open one; never two for one branch."""
    existing = find_open_pull(gh, repo, branch)
    if existing is not None:
        gh.rest.pulls.update(repo.owner, repo.name, existing.number, title=title, body=body)
        return existing
    created = gh.rest.pulls.create(repo.owner, repo.name, head=branch, base=base, title=title,
                                   body=body, draft=draft).parsed_data
    return PullRequestRef(created.number, created.html_url, created.head.sha, created=True)


def request_reviews(gh: InstallationClient, repo: Repo, number: int,
                    reviewers: Sequence[str], *, exclude: Sequence[str] = ()) -> list[str]:
    """Ask these people to review (not the app, and not whoever is excluded); who was asked."""
    wanted = sorted({r for r in reviewers if r and not r.endswith("[bot]")} - set(exclude))
    if wanted:
        gh.rest.pulls.request_reviewers(repo.owner, repo.name, number, reviewers=wanted)
    return wanted


def permission_of(gh: InstallationClient, repo: Repo, username: str) -> str:
    """The user's permission on the repository: admin, maintain, write, triage, read or none."""
    try:
        answer = gh.rest.repos.get_collaborator_permission_level(repo.owner, repo.name, username)
    except RequestFailed as error:
        if error.response.status_code == 404:
            return "none"
        raise
    data = answer.parsed_data
    role = getattr(data, "role_name", None)
    return role if isinstance(role, str) and role in ("maintain", "triage") else data.permission


def create_check_run(gh: InstallationClient, repo: Repo, *, head_sha: str, name: str,
                     success: bool, title: str, summary: str,
                     annotations: Sequence[Annotation]) -> int:
    """A completed check run with its annotations (sent in batches of 50); its id."""
    batches = [list(annotations[i:i + MAX_ANNOTATIONS_PER_REQUEST])
               for i in range(0, len(annotations), MAX_ANNOTATIONS_PER_REQUEST)] or [[]]
    first: CreateOutput = {"title": title, "summary": summary, "annotations": batches[0]}
    created = gh.rest.checks.create(
        repo.owner, repo.name, name=name, head_sha=head_sha, status="completed",
        conclusion="success" if success else "failure", output=first).parsed_data
    for batch in batches[1:]:
        more: UpdateOutput = {"title": title, "summary": summary, "annotations": batch}
        gh.rest.checks.update(repo.owner, repo.name, created.id, output=more)
    return int(created.id)
