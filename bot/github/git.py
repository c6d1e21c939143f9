"""Repository work for a job: a cached mirror, a worktree on the app's branch, commit, push.

The installation token is given to the one git command that needs it, through git's
environment-variable configuration (`GIT_CONFIG_*`): never in a remote URL, `.git/config`, the
process's arguments, a log line or an exception. The mirror is fetched, not cloned, per job; a
branch that already exists on the remote (an earlier attempt, or a person's commits) is built on,
never overwritten.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from connectors.core.redaction import scrub

BOT_NAME = "flowbot[bot]"
BOT_EMAIL = "flowbot[bot]@users.noreply.github.com"
PUSH_ATTEMPTS = 3
"""Pushes a job tries when the app's own commits keep landing on its branch meanwhile."""
_LOCKS: dict[Path, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


class GitFailed(RuntimeError):
    """A git command failed; the message has git's words with the token scrubbed."""


class PushRejected(GitFailed):
    """The remote refused the push: the branch moved since the job fetched it."""


class OthersCommitsOnBranch(GitFailed):
    """Someone else pushed to the app's branch while the job worked: the job stops rather than
    overwrite their commits."""

    def __init__(self, branch: str, commits: list[str]) -> None:
        self.branch, self.commits = branch, commits
        super().__init__(f"{branch} has commits the job did not start from: "
                         + "; ".join(commits))


class RebaseConflict(GitFailed):
    """The job's commits do not apply on the app's own newer commits on the branch: the rebase
    was aborted and nothing was pushed."""

    def __init__(self, branch: str, files: list[str]) -> None:
        self.branch, self.files = branch, files
        super().__init__(f"the job's commits conflict with {branch} in: " + ", ".join(files))


class RebasedWorkRefused(GitFailed):
    """The job's commits, rebased onto the app's newer commits, failed the check the push was
    given (the gate): nothing was pushed."""

    def __init__(self, branch: str, reason: str) -> None:
        self.branch, self.reason = branch, reason
        super().__init__(f"the job's work rebased onto {branch} fails its check: {reason[:200]}")


BRANCH_PREFIX = "flowbot/"
"""Every branch the app works on starts with this, then the issue's number and a dash."""


def branch_name(number: int, title: str) -> str:
    """The app's deterministic branch for an issue: `flowbot/<n>-<slug>`."""
    return f"{branch_prefix(number)}{slug(title)[:40].strip('-')}"


def branch_prefix(number: int) -> str:
    """What every app branch for issue `number` starts with: `flowbot/<n>-`."""
    return f"{BRANCH_PREFIX}{number}-"


def issue_of_branch(branch: str) -> int | None:
    """The issue number in an app branch's name; None for a branch that is not the app's."""
    number = branch.removeprefix(BRANCH_PREFIX).split("-", 1)[0]
    return int(number) if branch.startswith(BRANCH_PREFIX) and number.isdigit() else None


def slug(title: str) -> str:
    """Lower-case ascii words joined by dashes."""
    words = re.findall(r"[a-z0-9]+", title.lower().encode("ascii", "ignore").decode())
    return "-".join(words) or "flow"


def _run(arguments: list[str], *, token: SecretStr | None = None, cwd: Path | None = None,
         timeout: float = 300) -> str:
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith("GIT_")}
    environment["GIT_TERMINAL_PROMPT"] = "0"
    if token is not None:
        basic = base64.b64encode(f"x-access-token:{token.get_secret_value()}".encode()).decode()
        environment.update({"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "http.extraHeader",
                            "GIT_CONFIG_VALUE_0": f"Authorization: Basic {basic}"})
    completed = subprocess.run(["git", *arguments], cwd=cwd, env=environment,  # noqa: S603, S607
                               capture_output=True, text=True, timeout=timeout, check=False)
    if completed.returncode != 0:
        secrets = [token.get_secret_value()] if token else []
        raise GitFailed(scrub(f"git {_subcommand(arguments)} failed: "
                              f"{completed.stderr.strip()[-800:]}", secrets))
    return completed.stdout.strip()


def _subcommand(arguments: list[str]) -> str:
    """The git command among `arguments` (`fetch` of `--git-dir M fetch …`), for error messages."""
    rest = iter(arguments)
    for argument in rest:
        if argument in ("--git-dir", "-c", "-C"):
            next(rest, None)
        elif not argument.startswith("-"):
            return argument
    return "command"


@dataclass
class Checkout:
    """A job's worktree on the app's branch."""

    path: Path
    branch: str
    mirror: Path
    remote: str
    base_sha: str
    """Where the branch stood when the job began (the remote branch, or the default branch)."""

    def commit(self, folder: str, message: str, *, trailers: dict[str, str]) -> str | None:
        """Commit the flow folder by the app's identity; None when nothing changed."""
        _run(["add", "--", folder], cwd=self.path)
        if not _run(["status", "--porcelain", "--", folder], cwd=self.path):
            return None
        lines = [message, "", *(f"{key}: {value}" for key, value in trailers.items())]
        _run(["-c", f"user.name={BOT_NAME}", "-c",
              f"user.email={BOT_EMAIL}", "commit", "-q", "-m",
              "\n".join(lines)], cwd=self.path)
        return _run(["rev-parse", "HEAD"], cwd=self.path)

    def push(self, token: SecretStr, *, check: Callable[[], str | None] | None = None) -> None:
        """Push the branch; a fast-forward, never a force. If the branch moved meanwhile and
        every new commit on it is the app's own, the job's commits are rebased onto it, `check`
        is asked about the rebased tree (a reason not to push it, or None), and they are pushed
        again. Nothing is pushed when anyone else's commit is there (OthersCommitsOnBranch),
        when the rebase conflicts (RebaseConflict, the rebase aborted), or when `check` objects
        (RebasedWorkRefused)."""
        if not self.branch.startswith(BRANCH_PREFIX):
            raise GitFailed(f"refusing to push {self.branch}: the app pushes only flowbot/*")
        for _ in range(PUSH_ATTEMPTS - 1):
            try:
                self._push(token)
                return
            except PushRejected:
                self._rebase_onto_own_commits(token)
                reason = check() if check is not None else None
                if reason is not None:
                    raise RebasedWorkRefused(self.branch, reason) from None
        self._push(token)

    def _push(self, token: SecretStr) -> None:
        try:
            _run(["push", "-q", self.remote, f"HEAD:refs/heads/{self.branch}"], token=token,
                 cwd=self.path)
        except GitFailed as error:
            if "[rejected]" in str(error) or "non-fast-forward" in str(error) \
                    or "fetch first" in str(error):
                raise PushRejected(str(error)) from None
            raise

    def _rebase_onto_own_commits(self, token: SecretStr) -> None:
        """Fetch the branch; rebase the job's commits onto it when what was added is the
        app's own, else raise OthersCommitsOnBranch."""
        tracking = f"refs/remotes/origin/{self.branch}"
        _run(["--git-dir", str(self.mirror), "fetch", "-q", self.remote,
              f"+refs/heads/{self.branch}:{tracking}"], token=token)
        added = _run(["log", "--format=%H%x00%an%x00%cn%x00%s", f"{self.base_sha}..{tracking}"],
                     cwd=self.path).splitlines()
        others = [f"{sha[:7]} by {author}: {subject}" for sha, author, committer, subject in
                  (line.split("\0", 3) for line in added)
                  if author != BOT_NAME or committer != BOT_NAME]
        if others:
            raise OthersCommitsOnBranch(self.branch, others)
        try:
            _run(["-c", f"user.name={BOT_NAME}", "-c", f"user.email={BOT_EMAIL}", "rebase", "-q",
                  tracking], cwd=self.path)
        except GitFailed:
            files = _run(["diff", "--name-only", "--diff-filter=U"], cwd=self.path).splitlines()
            _run(["rebase", "--abort"], cwd=self.path)
            if not files:
                raise  # not a conflict: git's own words say what went wrong
            raise RebaseConflict(self.branch, files) from None
        self.base_sha = _run(["rev-parse", tracking], cwd=self.path)

    def remove(self) -> None:
        """Remove the worktree."""
        _run(["--git-dir", str(self.mirror), "worktree", "remove", "--force", str(self.path)])


def checkout(data_dir: Path, remote: str, full_name: str, *, branch: str, default_branch: str,
             token: SecretStr, job_id: int) -> Checkout:
    """Fetch the mirror (cloning it once) and make a worktree on `branch`."""
    mirror = data_dir / "mirrors" / f"{full_name}.git"
    with _LOCKS_GUARD:
        lock = _LOCKS.setdefault(mirror, threading.Lock())
    with lock:
        if not mirror.exists():
            mirror.parent.mkdir(parents=True, exist_ok=True)
            _run(["init", "-q", "--bare", str(mirror)])
        _run(["--git-dir", str(mirror), "fetch", "-q", "--prune", remote,
              "+refs/heads/*:refs/remotes/origin/*"], token=token)
    start = f"origin/{branch}" if _has(mirror, branch) else f"origin/{default_branch}"
    path = data_dir / "worktrees" / f"job-{job_id}"
    if path.exists():
        _run(["--git-dir", str(mirror), "worktree", "remove", "--force", str(path)])
        shutil.rmtree(path, ignore_errors=True)
    _run(["--git-dir", str(mirror), "worktree", "prune"])
    _run(["--git-dir", str(mirror), "worktree", "add", "-q", "--force", "-B", f"job-{job_id}",
          str(path), start])
    return Checkout(path, branch, mirror, remote, _run(["rev-parse", "HEAD"], cwd=path))


def _has(mirror: Path, branch: str) -> bool:
    try:
        _run(["--git-dir", str(mirror), "rev-parse", "--verify", f"refs/remotes/origin/{branch}"])
    except GitFailed:
        return False
    return True
