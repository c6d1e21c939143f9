"""The demo's world for the end-to-end tests: every simulator, the app, the worker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.demo.world import DemoWorld, demo_world


@pytest.fixture
def world(tmp_path: Path) -> Iterator[DemoWorld]:
    """A fresh world per test, torn down after it; every REST exchange between the app and the
    GitHub simulator must conform to GitHub's OpenAPI description."""
    with demo_world(tmp_path / "demo", validate=True, log_level="INFO") as started:
        yield started
        assert started.github.conformance.problems == [], "\n".join(
            started.github.conformance.problems)
        assert started.github.conformance.checked > 0
