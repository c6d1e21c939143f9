"""Pushing a job's work, or saying on GitHub why it was not pushed.

`Checkout.push` rebases onto the app's own commits when the branch moved meanwhile; when someone
else pushed, it stops (`OthersCommitsOnBranch`), and the job says so where people look — never
a silent failure, never a force-push over a person's commit.
"""

from __future__ import annotations

from pydantic import SecretStr

from bot.github_api import InstallationClient
from bot.issue_ops import Repo, comment
from bot.repo import Checkout, OthersCommitsOnBranch


def push_or_explain(work: Checkout, token: SecretStr, gh: InstallationClient, repo: Repo,
                    number: int) -> bool:
    """Push the job's branch; False, after a comment on issue or pull request `number` that
    names the commits found, when someone else pushed to it meanwhile."""
    try:
        work.push(token)
    except OthersCommitsOnBranch as error:
        listed = "\n".join(f"- {line}" for line in error.commits[:20])
        comment(gh, repo, number, f"Someone pushed to `{error.branch}` while I worked:\n\n"
                f"{listed}\n\nI did not overwrite those commits, and nothing of this job was "
                "pushed. Comment `/retry` to run the job again on top of them, or `/revise "
                "<what to change>` on the pull request.")
        return False
    return True
