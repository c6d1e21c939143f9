"""The simulator's objects as GitHub's JSON."""

from __future__ import annotations

from typing import Any

from bot.doubles.github.state import CheckRun, Comment, Issue, RepoLabel, Repository, World, iso
from bot.doubles.github.templates import example, user

WEB = "https://github.example"


def repository_json(world: World, repo: Repository, host: str) -> dict[str, Any]:
    """A full-repository object."""
    owner = world.user(repo.owner)
    return example("full-repository", id=abs(hash(repo.full_name)) % 10**8,
                   name=repo.name, full_name=repo.full_name,
                   owner=user(owner.login, owner.id, host=host),
                   html_url=f"{WEB}/{repo.full_name}", url=f"{host}/repos/{repo.full_name}",
                   default_branch=repo.default_branch, private=True,
                   clone_url=f"{host}/{repo.full_name}.git", has_discussions=False)


def issue_json(world: World, repo: Repository, issue: Issue, host: str) -> dict[str, Any]:
    """An issue object (with `pull_request` when it is one)."""
    author = world.user(issue.author)
    base = f"{host}/repos/{repo.full_name}/issues/{issue.number}"
    data = example(
        "issue", id=issue.number * 7919, node_id=f"I_{issue.number}", url=base,
        repository_url=f"{host}/repos/{repo.full_name}", labels_url=base + "/labels{/name}",
        comments_url=base + "/comments", events_url=base + "/events",
        html_url=f"{WEB}/{repo.full_name}/{'pull' if issue.pull else 'issues'}/{issue.number}",
        number=issue.number, state=issue.state, title=issue.title, body=issue.body,
        user=user(author.login, author.id, bot=author.bot, host=host),
        labels=[label_json(repo, name, host) for name in issue.labels], assignee=None,
        assignees=[], milestone=None, locked=False,
        comments=sum(1 for c in repo.comments.values() if c.number == issue.number),
        closed_at=None, created_at=iso(issue.created), updated_at=iso(issue.updated),
        author_association="OWNER" if issue.author == repo.owner else "CONTRIBUTOR")
    data.pop("closed_by", None)
    if issue.pull is None:
        data.pop("pull_request", None)
    else:
        data["pull_request"] = {"url": f"{host}/repos/{repo.full_name}/pulls/{issue.number}",
                                "html_url": data["html_url"], "diff_url": None,
                                "patch_url": None, "merged_at": iso(issue.pull.merged_at)}
    return data


def label_json(repo: Repository, name: str, host: str) -> dict[str, Any]:
    """A label object (with a description: the pinned description's pull-request-simple does
    not allow a null one, though the label schema does)."""
    return example("label-items", id=abs(hash(name)) % 10**6, node_id=f"L_{name}", name=name,
                   url=f"{host}/repos/{repo.full_name}/labels/{name}",
                   description=f"flowbot: {name}",
                   color="ededed", default=False)


def repo_label_json(repo: Repository, label: RepoLabel, host: str) -> dict[str, Any]:
    """One of a repository's own labels, with its colour and description."""
    return example("label-items", id=abs(hash((repo.full_name, label.name))) % 10**6,
                   node_id=f"L_{label.name}", name=label.name,
                   url=f"{host}/repos/{repo.full_name}/labels/{label.name}",
                   description=label.description, color=label.color, default=False)


def comment_json(world: World, repo: Repository, comment: Comment, host: str) -> dict[str, Any]:
    """An issue-comment object."""
    author = world.user(comment.author)
    return example(
        "issue-comment", id=comment.id, node_id=f"IC_{comment.id}", body=comment.body,
        url=f"{host}/repos/{repo.full_name}/issues/comments/{comment.id}",
        html_url=f"{WEB}/{repo.full_name}/issues/{comment.number}#issuecomment-{comment.id}",
        issue_url=f"{host}/repos/{repo.full_name}/issues/{comment.number}",
        user=user(author.login, author.id, bot=author.bot, host=host),
        created_at=iso(comment.created), updated_at=iso(comment.updated),
        author_association="NONE")


def pull_json(world: World, repo: Repository, issue: Issue, host: str) -> dict[str, Any]:
    """A pull-request object."""
    assert issue.pull is not None
    author = world.user(issue.author)
    template = example("pull-request")
    repo_json = repository_json(world, repo, host)
    head = {**template["head"], "ref": issue.pull.head, "sha": repo.sha(issue.pull.head) or "",
            "label": f"{repo.owner}:{issue.pull.head}", "repo": repo_json,
            "user": repo_json["owner"]}
    base = {**template["base"], "ref": issue.pull.base, "sha": repo.sha(issue.pull.base) or "",
            "label": f"{repo.owner}:{issue.pull.base}", "repo": repo_json,
            "user": repo_json["owner"]}
    api = f"{host}/repos/{repo.full_name}/pulls/{issue.number}"
    return example(
        "pull-request", id=issue.number * 104729, node_id=f"PR_{issue.number}", url=api,
        html_url=f"{WEB}/{repo.full_name}/pull/{issue.number}", number=issue.number,
        state=issue.state, title=issue.title, body=issue.body, draft=issue.pull.draft,
        user=user(author.login, author.id, bot=author.bot, host=host), head=head, base=base,
        # GitHub now sends a pull request's labels with `archived_by` (null unless archived);
        # githubkit's models require it, though the pinned OpenAPI description predates it
        labels=[{**label_json(repo, name, host), "archived_by": None} for name in issue.labels],
        requested_reviewers=[user(login, world.user(login).id, host=host)
                             for login in issue.pull.requested_reviewers],
        requested_teams=[], assignee=None, assignees=[], milestone=None,
        merged=issue.pull.merge_commit is not None, merged_at=iso(issue.pull.merged_at),
        closed_at=iso(issue.pull.merged_at), merge_commit_sha=issue.pull.merge_commit,
        auto_merge=None,
        created_at=iso(issue.created), updated_at=iso(issue.updated))


def check_json(repo: Repository, check: CheckRun, host: str) -> dict[str, Any]:
    """A check-run object."""
    template = example("check-run")
    output = {**template["output"], **check.output}
    output.setdefault("annotations_count", 0)
    return example("check-run", id=check.id, node_id=f"CR_{check.id}", name=check.name,
                   head_sha=check.head_sha, status=check.status, conclusion=check.conclusion,
                   url=f"{host}/repos/{repo.full_name}/check-runs/{check.id}",
                   html_url=f"{WEB}/{repo.full_name}/runs/{check.id}", output=output,
                   pull_requests=[], external_id=str(check.id))
