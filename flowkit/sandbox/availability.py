"""Whether the sandbox can run here: finding bubblewrap, and the operator's explicit opt-out.

Without bubblewrap the sandbox refuses, unless the operator sets `OPT_OUT_VARIABLE` to
exactly `OPT_OUT_VALUE`; any other value refuses too, so a casual `=1` cannot switch the
isolation off. The opt-out only ever applies when bubblewrap is missing or cannot build a
sandbox on this machine; it never weakens a sandbox that works.
"""

import os
import shutil
from pathlib import Path

from .errors import SandboxUnavailable

BWRAP_VARIABLE = "FLOWBOT_BWRAP"
"""Names the bubblewrap binary to use instead of the `bwrap` found on PATH."""

OPT_OUT_VARIABLE = "FLOWBOT_UNSAFE_NO_SANDBOX"
OPT_OUT_VALUE = "I_UNDERSTAND_THIS_RUNS_UNTRUSTED_CODE_ON_THE_HOST"


def find_bwrap(explicit: str | os.PathLike[str] | None) -> tuple[str | None, str]:
    """Return (path of an executable bwrap, or None; where it was looked for).

    Looks at `explicit` if given, else at $FLOWBOT_BWRAP if set, else for `bwrap` on PATH.
    """
    if explicit is not None:
        candidate = os.fspath(explicit)
        where = f"the path given ({candidate})"
    elif os.environ.get(BWRAP_VARIABLE):
        candidate = os.environ[BWRAP_VARIABLE]
        where = f"${BWRAP_VARIABLE} ({candidate})"
    else:
        return shutil.which("bwrap"), "`bwrap` on PATH"
    if Path(candidate).is_file() and os.access(candidate, os.X_OK):
        return candidate, where
    return None, where


def unsafe_opt_out(problem: str) -> str:
    """Return why the run goes ahead unsandboxed, or raise SandboxUnavailable.

    `problem` says what is wrong with bubblewrap. The run goes ahead only when the operator
    set the opt-out to its exact value; the returned reason is meant for the result, the
    logs and the pull request.
    """
    value = os.environ.get(OPT_OUT_VARIABLE)
    if value == OPT_OUT_VALUE:
        return f"{problem}; the operator set {OPT_OUT_VARIABLE}"
    wrong = (
        f" ({OPT_OUT_VARIABLE} is set, but not to the exact value below, so it is ignored.)"
        if value is not None
        else ""
    )
    raise SandboxUnavailable(
        f"refusing to run untrusted code: {problem}. Install bubblewrap 0.8 or later "
        f"(`apt-get install bubblewrap`) or point ${BWRAP_VARIABLE} at it. To run WITHOUT the "
        "sandbox (no filesystem, network or process isolation; only resource limits, an "
        f"allowlisted environment and a wall clock), set {OPT_OUT_VARIABLE}={OPT_OUT_VALUE}."
        + wrong
    )
