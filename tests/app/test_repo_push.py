"""A job's push when its branch moved meanwhile, on real git repositories: the app's own new
commits are built on (rebase, then a fast-forward), anyone else's stop the job with the commits
named, and nothing of theirs is ever overwritten."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.repo import BOT_EMAIL, BOT_NAME, Checkout, OthersCommitsOnBranch, checkout

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


def _push_meanwhile(remote: Path, tmp_path: Path, author: str) -> str:
    """Someone pushes a commit to the app's branch; its sha."""
    other = tmp_path / f"other-{author}"
    _git("clone", "-q", "--branch", BRANCH, str(remote), str(other))
    (other / "flows" / "sync_orders" / "notes.md").write_text(f"by {author}\n")
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
