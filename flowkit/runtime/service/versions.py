"""The versions the runner runs: each commit of the default branch, gated before it is deployed.

A bare mirror of the repository is fetched (on a push to the default branch, or on a poll); a
new head is checked out in a folder of its own (`versions/<commit>`) and put through the gate's
stages for every flow. A clean version becomes current; one with findings is refused and its
findings kept (`flowbot runs versions` shows them) while the previous version stays current. A
run holds the version it started on until it ends, so a merge never changes code under a run in
progress; versions no run holds and that are no longer current are removed.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import structlog
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from flowkit.runtime.store import Deployment, VersionState
from flowkit.validator import flow_folders, validate_flow

log = structlog.get_logger("flowbot.runner")
GIT_TIMEOUT_S = 300.0
Gate = Callable[[Path], list[str]]
"""Checks a checkout; what is wrong with it, one line per flow (empty when it may run)."""


@dataclass(frozen=True)
class Version:
    """A deployed commit and the folder its checkout lives in."""

    commit: str
    path: Path


@dataclass(frozen=True)
class Refreshed:
    """What a look for a new version found."""

    current: Version | None
    """The version new runs start on."""
    deployed: Version | None
    """The version this look put through the gate and deployed, None when it deployed none."""


class GitFailed(RuntimeError):
    """A git command failed; the message never holds the token."""


def gate_stages(last_stage: int) -> Gate:
    """The gate up to `last_stage` (4: the static stages; 5 adds types and tests in the
    sandbox) over every flow of a checkout."""
    def gate(root: Path) -> list[str]:
        problems = []
        for folder in flow_folders(root):
            report = validate_flow(folder, root=root, last_stage=last_stage)
            if not report.clean:
                problems.append(report.as_text())
        return problems

    return gate


class Versions:
    """The default branch of one repository, as versions the runner may run."""

    def __init__(self, data_dir: Path, remote: str, branch: str, sessions: sessionmaker[Session],
                 *, gate: Gate, token: Callable[[], SecretStr | None] = lambda: None) -> None:
        self.root = data_dir / "runner"
        self.mirror = self.root / "mirror.git"
        self.remote = remote
        self.branch = branch
        self.sessions = sessions
        self.gate = gate
        self.token = token
        self._lock = threading.Lock()
        self._held: Counter[str] = Counter()
        self._current: Version | None = None

    def current(self) -> Version | None:
        """The version new runs start on: the newest deployed one in the store — on a fleet
        sharing the store, perhaps deployed by another runner (which took the refresh), and
        then checked out here first; the newest checked out here if that cannot be fetched."""
        with self._lock:
            with self.sessions() as session:
                newest = session.scalars(select(Deployment.commit).where(
                    Deployment.state == VersionState.DEPLOYED.value)
                    .order_by(Deployment.checked_at.desc()).limit(1)).first()
            if newest is not None and not self._folder(newest).is_dir():
                try:
                    if not self._has(newest):
                        self._fetch()
                    self._check_out(newest)
                except GitFailed as error:  # the local newest serves until the next run
                    log.warning("cannot check out the fleet's newest version", commit=newest,
                                error=str(error))
            self._current = self._newest_deployed()
            return self._current

    def _has(self, commit: str) -> bool:
        if not self.mirror.exists():
            return False
        probe = ["git", "--git-dir", str(self.mirror), "cat-file", "-e", f"{commit}^{{commit}}"]
        return subprocess.run(probe, capture_output=True, check=False,  # noqa: S603
                              timeout=GIT_TIMEOUT_S).returncode == 0

    def update(self) -> Version | None:
        """Fetch the default branch; check out, gate and deploy its head if it is new. The
        current version after."""
        return self.refresh().current

    def refresh(self) -> Refreshed:
        """`update`, saying also which version this call deployed, if any (only the runner
        whose gate decided a commit deploys it; another that meets it just checks it out)."""
        with self._lock:
            self._fetch()
            head = self._git("--git-dir", str(self.mirror), "rev-parse",
                             f"refs/remotes/origin/{self.branch}")
            with self.sessions() as session:
                known = session.get(Deployment, head)
            deployed = None
            if known is None:
                if self._decide(head):
                    deployed = Version(head, self._folder(head))
            elif known.state == VersionState.DEPLOYED.value:
                self._check_out(head)  # deployed by another runner of the fleet (shared store)
            self._current = self._newest_deployed()
            self._prune()
            return Refreshed(self._current, deployed)

    @contextmanager
    def hold(self) -> Iterator[Version]:
        """The current version, kept on disk until the block ends (a run in progress)."""
        version = self.current()
        if version is None:
            raise LookupError("no version is deployed yet: the default branch has not been "
                              "fetched, or every commit so far failed the gate")
        with self._lock:
            self._held[version.commit] += 1
        try:
            yield version
        finally:
            with self._lock:
                self._held[version.commit] -= 1
                self._prune()

    # -- inside the lock ------------------------------------------------------------------------

    def _check_out(self, commit: str) -> Path:
        path = self._folder(commit)
        if not path.exists():
            self._git("--git-dir", str(self.mirror), "worktree", "prune")
            self._git("--git-dir", str(self.mirror), "worktree", "add", "-q", "--detach",
                      str(path), commit)
        return path

    def _decide(self, commit: str) -> bool:
        """Gate `commit` and record the decision; whether this call deployed it."""
        problems = self.gate(self._check_out(commit))
        state = VersionState.REFUSED if problems else VersionState.DEPLOYED
        decided_here = True
        try:
            with self.sessions.begin() as session:
                session.add(Deployment(commit=commit, state=state.value,
                                       findings="\n".join(problems)[:50_000]))
        except IntegrityError:  # another runner of the fleet decided it a moment ago: theirs
            decided_here = False
            with self.sessions() as session:
                known = session.get(Deployment, commit)
            state = VersionState(known.state) if known else VersionState.REFUSED
        if state is VersionState.REFUSED:
            self._remove(commit)
        return decided_here and state is VersionState.DEPLOYED

    def _newest_deployed(self) -> Version | None:
        with self.sessions() as session:
            commits = session.scalars(select(Deployment.commit).where(
                Deployment.state == VersionState.DEPLOYED.value)
                .order_by(Deployment.checked_at.desc())).all()
        for commit in commits:
            if self._folder(commit).is_dir():
                return Version(commit, self._folder(commit))
        return None

    def _prune(self) -> None:
        keep = {self._current.commit} if self._current else set()
        keep |= {commit for commit, count in self._held.items() if count > 0}
        versions = self.root / "versions"
        for folder in versions.iterdir() if versions.is_dir() else []:
            if folder.name not in keep:
                self._remove(folder.name)

    def _remove(self, commit: str) -> None:
        path = self._folder(commit)
        if self.mirror.exists():
            subprocess.run(["git", "--git-dir", str(self.mirror), "worktree", "remove",  # noqa: S603, S607
                            "--force", str(path)], capture_output=True, check=False,
                           timeout=GIT_TIMEOUT_S)
        shutil.rmtree(path, ignore_errors=True)

    def _folder(self, commit: str) -> Path:
        return self.root / "versions" / commit

    def _fetch(self) -> None:
        if not self.mirror.exists():
            self.mirror.parent.mkdir(parents=True, exist_ok=True)
            self._git("init", "-q", "--bare", str(self.mirror))
        self._git("--git-dir", str(self.mirror), "fetch", "-q", "--prune", self.remote,
                  f"+refs/heads/{self.branch}:refs/remotes/origin/{self.branch}",
                  token=self.token())

    def _git(self, *arguments: str, token: SecretStr | None = None) -> str:
        environment = {key: value for key, value in os.environ.items()
                       if not key.startswith("GIT_")}
        environment["GIT_TERMINAL_PROMPT"] = "0"
        if token is not None:
            basic = base64.b64encode(f"x-access-token:{token.get_secret_value()}".encode())
            environment |= {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "http.extraHeader",
                            "GIT_CONFIG_VALUE_0": f"Authorization: Basic {basic.decode()}"}
        completed = subprocess.run(["git", *arguments], env=environment,  # noqa: S603, S607
                                   capture_output=True, text=True, timeout=GIT_TIMEOUT_S,
                                   check=False)
        if completed.returncode != 0:
            message = completed.stderr.strip()[-800:]
            if token is not None:
                message = message.replace(token.get_secret_value(), "***")
            raise GitFailed(f"git {arguments[0] if arguments[0] != '--git-dir' else arguments[2]}"
                            f" failed: {message}")
        return completed.stdout.strip()
