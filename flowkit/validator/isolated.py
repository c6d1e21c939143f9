"""Starting the gate as the app's own installed code, never a checkout's.

The gate reads a checkout as data: stages 1–4 parse its flow's text, stage 5 binds the flow's
files read-only into the sandbox. So the gate process itself must not be able to pick up code
from the checkout: it runs `python -I -m flowkit.validator` (isolated mode: the working directory
is not on sys.path, PYTHON* variables and the user's site-packages are ignored) from a working
directory outside any checkout, with an environment of a few named, non-secret variables — the
caller's secrets (the app's private key, webhook secret, model key) are not passed on.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from flowkit.sandbox import BWRAP_VARIABLE, OPT_OUT_VARIABLE
from flowkit.validator.mypy_cache import CACHE_VARIABLE

PASSED_VARIABLES = ("PATH", "LANG", "LC_ALL", "TMPDIR", BWRAP_VARIABLE, OPT_OUT_VARIABLE,
                    CACHE_VARIABLE)
"""What the gate process inherits from its caller: where tools are, the locale, where temporary
files go, and the gate's own switches. Nothing else, so no secret."""

NEUTRAL_DIRECTORY = Path("/")
"""The gate's working directory: not a checkout, and not writable by a collaborator."""


def gate_environment() -> dict[str, str]:
    """The gate process's environment: PASSED_VARIABLES of this process, when set."""
    return {name: os.environ[name] for name in PASSED_VARIABLES if name in os.environ}


def run_installed_gate(arguments: list[str], *, timeout: float) -> subprocess.CompletedProcess[str]:
    """Run `python -m flowkit.validator ARGUMENTS` with this installation's code only.

    Raises subprocess.TimeoutExpired after `timeout` seconds.
    """
    return subprocess.run(  # noqa: S603 - this installation's own module, isolated
        [sys.executable, "-I", "-m", "flowkit.validator", *arguments],
        cwd=NEUTRAL_DIRECTORY, env=gate_environment(), capture_output=True, text=True,
        timeout=timeout, check=False)
