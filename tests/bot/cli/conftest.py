"""The `flowbot` command as an operator runs it: the installed script, in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.doubles.github import GitHubSimulator

FLOWBOT = Path(sys.executable).parent / "flowbot"
Flowbot = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def flowbot(tmp_path: Path) -> Flowbot:
    """Run `flowbot ARGS…` in `tmp_path` with only the given variables beside PATH and HOME."""

    def run(*arguments: str, env: dict[str, str] | None = None,
            cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        environment = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), **(env or {})}
        return subprocess.run([str(FLOWBOT), *arguments], cwd=cwd or tmp_path, env=environment,
                              capture_output=True, text=True, timeout=120, check=False)

    return run


@pytest.fixture
def github(tmp_path: Path, app_key: str) -> Iterator[GitHubSimulator]:
    """The GitHub simulator, every exchange checked against GitHub's OpenAPI description, with
    an empty repository acme/integrations."""
    simulator = GitHubSimulator(tmp_path / "github", private_key_pem=app_key,
                                webhook_secret="secret", validate=True)
    with simulator.serve():
        simulator.create_repository("acme", "integrations")
        yield simulator
    assert simulator.conformance.problems == []
