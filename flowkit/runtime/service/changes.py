"""Whether a flow's code changed since a commit: which failed packets a new version may fix.

A failed message remembers the commit it failed on. When a later version changes the flow's
folder (a repair merged), its failed packets are worth replaying there; when the folder is the
same, the packet would fail the same way again. The runtime runs the installed connectors and
flowkit, never a checkout's, so only the flow's own folder counts.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

GIT_TIMEOUT_S = 60.0
_COMMIT = re.compile(r"[0-9a-f]{7,64}")


def flow_changed_since(checkout: Path, folder: Path, commit: str) -> bool:
    """Whether `folder` (a flow's, inside the git checkout at `checkout`) differs between
    `commit` and the checkout's HEAD; True when git cannot tell (an unknown commit), since a
    replay never writes a packet twice and at worst fails again."""
    if not _COMMIT.fullmatch(commit):
        return True  # not a commit (a run outside git records `unknown`)
    try:
        relative = folder.resolve().relative_to(checkout.resolve())
        completed = subprocess.run(  # noqa: S603 - fixed git command, our own paths
            ["git", "-C", str(checkout), "diff", "--quiet", commit, "HEAD", "--",  # noqa: S607
             str(relative)], capture_output=True, timeout=GIT_TIMEOUT_S, check=False)
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return True
    return completed.returncode != 0
