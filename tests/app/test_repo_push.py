"""A job's push when its branch moved meanwhile, on real git repositories: the app's own new
commits are built on (rebase, then a fast-forward), anyone else's stop the job with the commits
named, and nothing of theirs is ever overwritten."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.repo import (
    BOT_EMAIL,
    BOT_NAME,
    Checkout,
    OthersCommitsOnBranch,
    RebaseConflict,
    RebasedWorkRefused,
    checkout,
)

BRANCH = "flowbot/1-sync-orders"


def _git(*arguments: str, cwd: Path | None = None) -> str:
    return subprocess.run(["git", *arguments], cwd=cwd, check=True, capture_output=True,
                           text=True).stdout.strip()


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    """A bare repository with main and the app's branch, one commit each."""
    bare, seed = tmp_path / "remote.git", tmp_path / "seed"
    _git("init", "-q", "--bare", "--initial-branch=main", str(bare))
    _git("init", "-q", "--initial-branch=main", str(seed))
    (seed / "README.md").write_text("hello\n")
    _commit(seed, "maintainer", "first")
    _git("push", "-q", str(bare), "main", cwd=seed)
    (seed / "flows" / "sync_orders").mkdir(parents=True)
    (seed / "flows" / "sync_orders" / "flow.py").write_text("x = 1\n")
    _commit(seed, BOT_NAME, "Add flow")
    _git("push", "-q", str(bare), f"main:{BRANCH}", cwd=seed)
    return bare


def _commit(work: Path, author: str, message: str) -> None:
    email = BOT_EMAIL if author == BOT_NAME else f"{author}@example.com"
    _git("add", "-A", cwd=work)
    _git("-c", f"user.name={author}", "-c", f"user.email={email}", "commit", "-q", "-m",
         message, cwd=work)


def _push_meanwhile(remote: Path, tmp_path: Path, author: str, *,
                    file: str = "notes.md", text: str = "") -> str:
    """Someone pushes a commit to the app's branch; its sha."""
    other = tmp_path / f"other-{author}"
    _git("clone", "-q", "--branch", BRANCH, str(remote), str(other))
    (other / "flows" / "sync_orders" / file).write_text(text or f"by {author}\n")
    _commit(other, author, f"Notes by {author}")
    _git("push", "-q", "origin", BRANCH, cwd=other)
    return _git("rev-parse", "HEAD", cwd=other)


def _job_commit(tmp_path: Path, remote: Path) -> Checkout:
    work = checkout(tmp_path / "data", str(remote), "acme/flows", branch=BRANCH,
                    default_branch="main", token=SecretStr("not-a-real-token"), job_id=1)
    (work.path / "flows" / "sync_orders" / "flow.py").write_text("x = 2\n")
    assert work.commit("flows/sync_orders", "Revise sync_orders", trailers={"Flowbot-Job": "1"})
    return work


def test_the_apps_own_commit_meanwhile_is_built_on(remote: Path, tmp_path: Path) -> None:
    work = _job_commit(tmp_path, remote)
    theirs = _push_meanwhile(remote, tmp_path, BOT_NAME)

    work.push(SecretStr("not-a-real-token"))

    log = _git("--git-dir", str(remote), "log", "--format=%H %s", BRANCH).splitlines()
    assert log[0].endswith("Revise sync_orders")
    assert log[1] == f"{theirs} Notes by {BOT_NAME}"


def test_a_persons_commit_meanwhile_stops_the_push_and_stays(remote: Path,
                                                            tmp_path: Path) -> None:
    work = _job_commit(tmp_path, remote)
    theirs = _push_meanwhile(remote, tmp_path, "maintainer")

    with pytest.raises(OthersCommitsOnBranch) as stopped:
        work.push(SecretStr("not-a-real-token"))

    assert stopped.value.commits == [f"{theirs[:7]} by maintainer: Notes by maintainer"]
    assert _git("--git-dir", str(remote), "rev-parse", BRANCH) == theirs


def test_a_conflict_with_the_apps_own_commit_aborts_the_rebase_and_pushes_nothing(
        remote: Path, tmp_path: Path) -> None:
    work = _job_commit(tmp_path, remote)
    theirs = _push_meanwhile(remote, tmp_path, BOT_NAME, file="flow.py", text="x = 3\n")
    mine = _git("rev-parse", "HEAD", cwd=work.path)

    with pytest.raises(RebaseConflict) as stopped:
        work.push(SecretStr("not-a-real-token"))

    assert stopped.value.files == ["flows/sync_orders/flow.py"]
    assert _git("--git-dir", str(remote), "rev-parse", BRANCH) == theirs
    assert _git("rev-parse", "HEAD", cwd=work.path) == mine  # the rebase was aborted
    assert _git("status", "--porcelain", cwd=work.path) == ""


def test_the_rebased_tree_is_checked_before_it_is_pushed(remote: Path, tmp_path: Path) -> None:
    work = _job_commit(tmp_path, remote)
    theirs = _push_meanwhile(remote, tmp_path, BOT_NAME)
    seen: list[str] = []

    def gate() -> str | None:
        seen.append((work.path / "flows" / "sync_orders" / "notes.md").read_text())
        return "FK101 the notes break the flow"

    with pytest.raises(RebasedWorkRefused) as refused:
        work.push(SecretStr("not-a-real-token"), check=gate)

    assert seen == [f"by {BOT_NAME}\n"]  # it ran on the rebased tree, with the newer commit
    assert refused.value.reason == "FK101 the notes break the flow"
    assert _git("--git-dir", str(remote), "rev-parse", BRANCH) == theirs


def test_the_check_is_not_asked_when_nothing_was_rebased(remote: Path, tmp_path: Path) -> None:
    work = _job_commit(tmp_path, remote)
    asked: list[bool] = []

    work.push(SecretStr("not-a-real-token"), check=lambda: asked.append(True) or None)

    assert asked == []
    assert _git("--git-dir", str(remote), "rev-parse", BRANCH) == _git(
        "rev-parse", "HEAD", cwd=work.path)
