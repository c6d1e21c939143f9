"""Decide what a missing server program means: a skip on a laptop, a failure in CI.

CI must never go green by skipping the tests it exists to run, so when the `CI`
environment variable is set (anything but empty, "0" or "false") a missing program
fails the test; elsewhere it skips, and the reason says `make test` installs it.
"""

import os
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from .errors import MissingBinaryError


def in_ci(environ: Mapping[str, str]) -> bool:
    """Return whether `environ` says we run in CI (GitHub and most CIs set CI=true)."""
    return environ.get("CI", "").strip().lower() not in ("", "0", "false")


def require(find: Callable[[], Path], environ: Mapping[str, str] = os.environ) -> Path:
    """Return what `find` finds; if it raises MissingBinaryError, fail in CI, else skip."""
    try:
        return find()
    except MissingBinaryError as exc:
        missing = str(exc)  # fail or skip outside the handler: no "during handling" noise
    if in_ci(environ):
        pytest.fail(f"{missing} (CI is set: a missing server fails, it never skips)", pytrace=False)
    pytest.skip(missing)
