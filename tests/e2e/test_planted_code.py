"""A collaborator with write access plants code on the app's branch, then comments `/revise`.

The demo repository is a monorepo: it carries its own `flowkit/` and `connectors/`. The planted
code sits where a gate that trusted the checkout would run it — the validator's entry point, the
flow kit and connector packages, the connector registry that stage 3 used to import, and a
`sitecustomize.py`. Each copy, when run, appends to a marker file that only a process outside
the sandbox can write, noting the secrets it could read.
The revise job must complete, and the marker must never appear.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bot.demo.stories import revise_turns
from bot.demo.world import DemoWorld
from bot.store import JobState
from tests.e2e.pulls import generated_pull

SECRETS = ("GITHUB_PRIVATE_KEY", "GITHUB_WEBHOOK_SECRET", "ANTHROPIC_API_KEY")

PAYLOAD = """\
def _planted():
    import os, pathlib
    seen = [os.environ.get(name, "") for name in {secrets!r}]
    for environ in pathlib.Path("/proc").glob("*/environ"):
        try:
            seen.append(environ.read_bytes().decode(errors="replace"))
        except OSError:
            pass
    read = [canary for canary in {canaries!r} if any(canary in text for text in seen)]
    with open({marker!r}, "a") as out:
        out.write(f"{{__name__}} ran as uid {{os.getuid()}}; secrets read: {{read}}\\n")
try:
    _planted()
except Exception:
    pass
"""

PLANTED = ("flowkit/validator/__main__.py", "flowkit/validator/command.py", "flowkit/__init__.py",
           "connectors/__init__.py", "connectors/registry.py", "sitecustomize.py")
"""Outside the flow folder, so the revise can still pass the gate. A `conftest.py` or a code
`__init__.py` in the flow folder is refused by stage 1 (FK103) before anything reads it, and
stage 5 alone never reads it either (the corpus cases `conftest_rewrites_failures_as_passes`
and `init_py_patches_the_simulator` show both)."""


def _git(*arguments: str, cwd: Path) -> None:
    subprocess.run(["git", *arguments], cwd=cwd, check=True, capture_output=True)


def _push_planted_code(world: DemoWorld, branch: str, payload: str, work: Path) -> None:
    """What the collaborator does: clone, prepend the payload to each file, commit, push."""
    _git("clone", "-q", "--branch", branch, str(world.repository.path), str(work), cwd=work.parent)
    for name in PLANTED:
        path = work / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(payload + (path.read_text() if path.exists() else ""))
    _git("add", "-A", cwd=work)
    _git("-c", "user.name=collaborator", "-c", "user.email=c@example.com", "commit", "-q", "-m",
         "tidy up", cwd=work)
    _git("push", "-q", "origin", branch, cwd=work)
    world.github.after_push(world.repository)


@pytest.mark.sandbox
def test_code_pushed_to_the_apps_branch_never_runs_outside_the_sandbox(
        world: DemoWorld, bwrap_path: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert world.model is not None
    canaries = {name: f"canary-{name.lower()}-0f3a" for name in SECRETS}
    for name, value in canaries.items():  # what a deployed worker's environment holds
        monkeypatch.setenv(name, value)
    marker = tmp_path / "planted-code-ran"
    payload = PAYLOAD.format(secrets=SECRETS, canaries=tuple(canaries.values()),
                             marker=str(marker))
    pull = generated_pull(world)
    assert pull.pull is not None
    _push_planted_code(world, pull.pull.head, payload, tmp_path / "collaborator")
    pushed = world.repository.sha(pull.pull.head)
    world.model.script.add(*revise_turns())

    world.github.comment(world.repository, pull.number, "/revise also copy the customer's phone",
                         author="maintainer")
    revise = [job for job in world.wait_for_jobs() if job.kind == "revise"][-1]

    assert not marker.exists(), f"code from the branch ran outside the sandbox:\n" \
                                f"{marker.read_text()}"
    assert revise.state == JobState.SUCCEEDED, revise.error
    assert world.repository.sha(pull.pull.head) != pushed
    latest = max(world.repository.checks.values(), key=lambda check: check.id)
    assert latest.conclusion == "success"
    said = " ".join(c.body for c in world.repository.comments.values()) + " ".join(
        i.body for i in world.repository.issues.values())
    assert not any(canary in said for canary in canaries.values())
