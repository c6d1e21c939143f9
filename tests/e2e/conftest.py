"""The demo's world for the end-to-end tests: every simulator, the app, the worker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.demo.world import DemoWorld, demo_world


@pytest.fixture
def world(tmp_path: Path) -> Iterator[DemoWorld]:
    """A fresh world per test, torn down after it; every REST exchange between the app and the
    GitHub simulator must conform to GitHub's OpenAPI description, and every request to the
    Messages API simulator must hold its protocol (thinking passed back unchanged…)."""
    with demo_world(tmp_path / "demo", validate=True, log_level="INFO") as started:
        yield started
        assert started.github.conformance.problems == [], "\n".join(
            started.github.conformance.problems)
        assert started.github.conformance.checked > 0
        if started.model is not None:  # the scripted model's requests kept today's protocol
            assert started.model.violations == [], "\n".join(started.model.violations)
