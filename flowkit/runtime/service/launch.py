"""Starting a flow's run in a child process with that flow's connector credentials only.

The runner's own process never imports flow code: it reads which connectors a flow uses from
the text of its spec and of `flow.py`'s imports, gives the child exactly those connectors'
settings (as `FLOWBOT_<CONNECTOR>__<SETTING>` variables) and the runtime store's URL, and
nothing else of its environment — not the GitHub App's key, not another flow's credentials.
The child starts in isolated mode (`python -I`) from the runner's data directory, so neither the
checkout nor the current directory can shadow the installed flowkit and connectors.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from connectors.core.shared_throttle import SHARED_THROTTLE_VARIABLE
from flowkit.loading import flow_folder
from flowkit.runtime.connections import ENV_PREFIX, connector_settings
from flowkit.runtime.store import DATABASE_URL_VARIABLE
from flowkit.spec import load_spec

CHILD_MODULE = "flowkit.runtime.service.child"
PASSED_THROUGH = ("PATH", "LANG", "LC_ALL", "TZ", "TMPDIR", "HOME")
"""The only variables of the runner's environment a child sees besides its credentials."""
DEFAULT_TIMEOUT_S = 6 * 3600.0


@dataclass(frozen=True)
class ChildRun:
    """How a child's run of one flow ended."""

    flow: str
    version: str
    returncode: int
    run_id: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    replayed: dict[str, int] = field(default_factory=dict)
    """How the replays of earlier versions' failed packets ended, by outcome."""
    failure_ids: list[int] = field(default_factory=list)
    resolved_ids: list[int] = field(default_factory=list)
    """The failed messages of earlier versions whose packets the replays delivered."""
    cursor: str | None = None
    """Where the next run resumes (ISO 8601 for a time), as the run left it."""
    seconds: float = 0.0
    error: str | None = None
    """Why the run did not finish (the child's one-line reason), None when it did."""


def flow_connectors(root: Path, name: str) -> list[str]:
    """The connectors a flow uses, read without running it: the spec's source and target, and
    every `connectors.<name>` package its flow.py imports."""
    folder = flow_folder(root, name)
    spec = load_spec(folder)
    used = {spec.source.connector, spec.target.connector}
    tree = ast.parse((folder / "flow.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        modules = ([node.module or ""] if isinstance(node, ast.ImportFrom)
                   else [alias.name for alias in node.names] if isinstance(node, ast.Import)
                   else [])
        for module in modules:
            parts = module.split(".")
            if len(parts) >= 2 and parts[0] == "connectors" and parts[1] != "core":
                used.add(parts[1])
    return sorted(used)


def child_environment(connectors: list[str], *, database_url: str,
                      secrets_file: Path | None = None,
                      environ: Mapping[str, str] | None = None,
                      shared_throttle_url: str | None = None) -> dict[str, str]:
    """The environment of a child that runs a flow using `connectors`; with
    `shared_throttle_url`, its connectors keep their throttles' state in that Redis, shared
    with every other run spending from the same vendor account."""
    source = os.environ if environ is None else environ
    child = {name: source[name] for name in PASSED_THROUGH if name in source}
    child[DATABASE_URL_VARIABLE] = database_url
    if shared_throttle_url:
        child[SHARED_THROTTLE_VARIABLE] = shared_throttle_url
    for connector in connectors:
        for setting, value in connector_settings(connector, secrets_file=secrets_file,
                                                 environ=source).items():
            if value is None:
                continue  # left empty in the file: unset, as in a run of this process
            child[f"{ENV_PREFIX}{connector.upper()}__{setting.upper()}"] = _text(value)
    return child


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def run_in_child(root: Path, flow: str, *, version: str, database_url: str, workdir: Path,
                 secrets_file: Path | None = None, environ: Mapping[str, str] | None = None,
                 shared_throttle_url: str | None = None, replay_only: bool = False,
                 timeout_s: float = DEFAULT_TIMEOUT_S) -> ChildRun:
    """Run `flow` of the checkout at `root` once in a child process (replaying first the failed
    packets its code may now deliver); with `replay_only`, only replay. How it ended."""
    environment = child_environment(flow_connectors(root, flow), database_url=database_url,
                                    secrets_file=secrets_file, environ=environ,
                                    shared_throttle_url=shared_throttle_url)
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    try:
        completed = subprocess.run(  # noqa: S603 - our interpreter, our module, no shell
            [sys.executable, "-I", "-m", CHILD_MODULE, str(root), flow,
             *(["--replay-only"] if replay_only else [])], cwd=workdir,
            env=environment, capture_output=True, text=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        return ChildRun(flow, version, -1, seconds=timeout_s,
                        error=f"the run took longer than {timeout_s:.0f} s and was stopped")
    seconds = time.monotonic() - started
    if completed.returncode != 0:
        reason = completed.stderr.strip().splitlines()[-1:] or [f"exit {completed.returncode}"]
        return ChildRun(flow, version, completed.returncode, seconds=seconds,
                        error=reason[0][:2000])
    summary = json.loads(completed.stdout.strip().splitlines()[-1])
    return ChildRun(flow, version, 0, run_id=summary["run_id"], counts=summary["counts"],
                    replayed=summary["replayed"], failure_ids=summary["failure_ids"],
                    resolved_ids=summary["resolved_ids"],
                    cursor=summary["cursor"], seconds=seconds)
