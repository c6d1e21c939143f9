"""`bot.github.git` on real git repositories: branch names, a checkout and push over smart HTTP
with an installation token that stays out of every file, and a job's push when its branch moved
meanwhile (the app's own new commits are built on, anyone else's stop the job with the commits
named, nothing of theirs is ever overwritten)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.doubles.github import GitHubSimulator
from bot.github.git import (
    BOT_EMAIL,
    BOT_NAME,
    Checkout,
    GitFailed,
    OthersCommitsOnBranch,
    RebaseConflict,
    RebasedWorkRefused,
    branch_name,
    checkout,
    issue_of_branch,
    slug,
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


def test_an_issue_gets_one_branch_name_that_leads_back_to_it() -> None:
    name = branch_name(42, "Sync PAID Shopify orders → HubSpot deals!")

    assert name == "flowbot/42-sync-paid-shopify-orders-hubspot-deals"
    assert issue_of_branch(name) == 42
    assert issue_of_branch("feature/42-sync") is None
    assert issue_of_branch("flowbot/sync-42") is None
    assert slug("¿¡ — !?") == "flow"


@pytest.fixture
def github(tmp_path: Path, app_key: str) -> Iterator[tuple[GitHubSimulator, str]]:
    """acme/flows on the GitHub simulator; its clone URL (git over smart HTTP, token-checked)."""
    content = tmp_path / "content"
    (content / "flows").mkdir(parents=True)
    (content / "flows" / "README.md").write_text("flows live here\n")
    simulator = GitHubSimulator(tmp_path / "github", private_key_pem=app_key, webhook_secret="s")
    with simulator.serve():
        repository = simulator.create_repository("acme", "flows", content=content)
        yield simulator, simulator.clone_url(repository)


def test_a_checkout_and_push_over_http_leave_the_token_in_no_file(
        github: tuple[GitHubSimulator, str], tmp_path: Path) -> None:
    simulator, url = github
    token = SecretStr(simulator.world.mint_token()[0])
    data = tmp_path / "data"
    work = checkout(data, url, "acme/flows", branch="flowbot/7-sync", default_branch="main",
                    token=token, job_id=7)
    (work.path / "flows" / "sync").mkdir()
    (work.path / "flows" / "sync" / "flow.py").write_text("x = 1\n")

    sha = work.commit("flows/sync", "Add sync", trailers={"Flowbot-Issue": "7"})
    work.push(token)

    pushed = _git("--git-dir", str(simulator.projects / "acme" / "flows.git"), "log", "-1",
                  "--format=%H%n%an%n%B", "flowbot/7-sync").splitlines()
    assert pushed[:3] == [sha, BOT_NAME, "Add sync"]
    assert "Flowbot-Issue: 7" in pushed
    secret = token.get_secret_value().encode()
    files = [path for path in data.rglob("*") if path.is_file()]
    assert files, "the mirror and the worktree are on disk"
    assert [path for path in files if secret in path.read_bytes()] == []


def test_a_second_job_builds_on_the_branch_the_first_pushed(
        github: tuple[GitHubSimulator, str], tmp_path: Path) -> None:
    simulator, url = github
    token = SecretStr(simulator.world.mint_token()[0])
    first = checkout(tmp_path / "data", url, "acme/flows", branch="flowbot/7-sync",
                     default_branch="main", token=token, job_id=1)
    (first.path / "flows" / "first.md").write_text("first\n")
    pushed = first.commit("flows", "First", trailers={})
    first.push(token)
    first.remove()

    second = checkout(tmp_path / "data", url, "acme/flows", branch="flowbot/7-sync",
                      default_branch="main", token=token, job_id=2)

    assert not first.path.exists()
    assert second.base_sha == pushed
    assert (second.path / "flows" / "first.md").read_text() == "first\n"
    assert second.commit("flows", "Nothing new", trailers={}) is None


def test_a_refused_token_is_git_failed_in_gits_words(github: tuple[GitHubSimulator, str],
                                                     tmp_path: Path) -> None:
    _, url = github

    with pytest.raises(GitFailed, match="git fetch failed"):
        checkout(tmp_path / "data", url, "acme/flows", branch="flowbot/7-sync",
                 default_branch="main", token=SecretStr("ghs_" + "0" * 36), job_id=1)


def test_only_the_apps_branches_are_ever_pushed(remote: Path, tmp_path: Path) -> None:
    work = checkout(tmp_path / "data", str(remote), "acme/flows", branch="main",
                    default_branch="main", token=SecretStr("not-a-real-token"), job_id=1)

    with pytest.raises(GitFailed, match="pushes only flowbot/"):
        work.push(SecretStr("not-a-real-token"))
