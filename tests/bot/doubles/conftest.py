"""A GitHub simulator with one repository holding this project's flows, served on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.doubles.github import GitHubSimulator

SECRET = "github-sim-webhook-secret"
REPOSITORY = Path(__file__).resolve().parents[3]


@pytest.fixture
def github(tmp_path: Path, app_key: str) -> Iterator[GitHubSimulator]:
    """The simulator, serving, with acme/flows seeded from this repository's flows folder."""
    simulator = GitHubSimulator(tmp_path / "github", private_key_pem=app_key,
                                webhook_secret=SECRET)
    with simulator.serve():
        simulator.create_repository("acme", "flows", content=REPOSITORY / "flows",
                                    permissions={"maintainer": "write", "stranger": "read"})
        yield simulator
