"""The demo's world for the end-to-end tests: every simulator, the app, the worker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.demo.world import DemoWorld, demo_world


@pytest.fixture
def world(tmp_path: Path) -> Iterator[DemoWorld]:
    """A fresh world per test, torn down after it."""
    with demo_world(tmp_path / "demo") as started:
        yield started
