"""A small read-only page of the simulated GitHub, for people looking around after the demo."""

from __future__ import annotations

import html
import subprocess

from bot.doubles.github.state import Issue, Repository, World


def _diff(repository: Repository, issue: Issue) -> str:
    if issue.pull is None:
        return ""
    completed = subprocess.run(  # noqa: S603 - fixed git command on our own repository
        ["git", "--git-dir", str(repository.path), "diff",  # noqa: S607
         f"{issue.pull.base}...{issue.pull.head}"], capture_output=True, text=True, check=False)
    return f"<details><summary>diff</summary><pre>{html.escape(completed.stdout)}</pre></details>"


def render_page(world: World) -> str:
    """Every repository's issues and pull requests, with comments and diffs, escaped."""
    parts = ["<!doctype html><meta charset=utf-8><title>GitHub simulator</title>",
             "<style>body{font:14px system-ui;max-width:60em;margin:auto}pre{background:#f6f8fa;"
             "padding:8px;overflow:auto}.c{border-left:3px solid #ddd;padding-left:8px}</style>"]
    for repository in world.repositories.values():
        parts.append(f"<h1>{html.escape(repository.full_name)}</h1>")
        for issue in sorted(repository.issues.values(), key=lambda i: i.number):
            kind = "PR" if issue.pull else "issue"
            labels = ", ".join(issue.labels)
            parts.append(f"<h2>{kind} #{issue.number}: {html.escape(issue.title)}</h2>"
                         f"<p>by {html.escape(issue.author)} · {issue.state}"
                         f"{' · ' + html.escape(labels) if labels else ''}</p>"
                         f"<pre>{html.escape(issue.body)}</pre>{_diff(repository, issue)}")
            for comment in repository.comments.values():
                if comment.number == issue.number:
                    parts.append(f"<div class=c><b>{html.escape(comment.author)}</b>"
                                 f"<pre>{html.escape(comment.body)}</pre></div>")
    return "\n".join(parts)
