"""Pushing a job's work, or saying on GitHub why it was not pushed.

`Checkout.push` rebases onto the app's own commits when the branch moved meanwhile. The rebased
tree is not the one the gate passed, so the gate runs again on it before it is pushed (the
simpler honest choice than restarting the model's turn on the new head: the model's work is
kept, and is pushed only if the gate still passes with the newer commits under it). When
someone else pushed, when the rebase conflicts, or when the gate fails on the rebased tree, the
job pushes nothing and says so where people look — never a silent failure, never a force-push
over a person's commit.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import SecretStr

from bot.agent.tools import GateRun
from bot.github.client import InstallationClient
from bot.github.git import Checkout, OthersCommitsOnBranch, RebaseConflict, RebasedWorkRefused
from bot.github.issues import Repo, comment

AGAIN = ("Comment `/retry` to run the job again on top of them, or `/revise <what to change>` "
         "on the pull request.")


def push_or_explain(work: Checkout, token: SecretStr, gh: InstallationClient, repo: Repo,
                    number: int, *, gate: Callable[[], GateRun] | None = None) -> bool:
    """Push the job's branch; False, after a comment on issue or pull request `number` that
    says why nothing was pushed and what to do. `gate` runs on the tree rebased onto the app's
    own newer commits, before it is pushed; None when the job's work makes no claim that the
    gate passes (a draft whose gate still fails)."""
    def check() -> str | None:
        assert gate is not None
        run = gate()
        return None if run.passed else run.report

    try:
        work.push(token, check=check if gate is not None else None)
    except (OthersCommitsOnBranch, RebaseConflict, RebasedWorkRefused) as error:
        comment(gh, repo, number, f"{_why_nothing_was_pushed(error)}\n\n{AGAIN}")
        return False
    return True


def _why_nothing_was_pushed(
        error: OthersCommitsOnBranch | RebaseConflict | RebasedWorkRefused) -> str:
    if isinstance(error, OthersCommitsOnBranch):
        listed = "\n".join(f"- {line}" for line in error.commits[:20])
        return (f"Someone pushed to `{error.branch}` while I worked:\n\n{listed}\n\nI did not "
                "overwrite those commits, and nothing of this job was pushed.")
    moved = f"flowbot pushed newer commits to `{error.branch}` while I worked"
    if isinstance(error, RebaseConflict):
        files = "\n".join(f"- `{name}`" for name in error.files[:20])
        return (f"{moved}, and this job's changes conflict with them in:\n\n{files}\n\nI "
                "stopped the rebase; nothing of this job was pushed.")
    return (f"{moved}. With this job's changes on top of them the gate fails, so nothing of this "
            f"job was pushed. The gate's report:\n\n```text\n{error.reason[:3000]}\n```")
