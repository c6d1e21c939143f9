"""The sandbox that flow code and flow tests run in: bubblewrap, rlimits, a wall clock.

`run_sandboxed` runs one command with no network, the checkout and the virtualenv
read-only, a private /tmp, an allowlisted environment, limits on CPU time, memory,
processes, file size and wall-clock time, and its output captured and truncated. Module by
module: `limits` (what is limited), `env` (what the environment holds), `bwrap` (what the
sandbox sees), `availability` (bubblewrap or the operator's opt-out), `runner` (starting,
timing, killing), `output` (bounded capture), `result` (the outcome), `errors`.
"""

from .availability import BWRAP_VARIABLE, OPT_OUT_VALUE, OPT_OUT_VARIABLE
from .env import BASE_ENVIRONMENT
from .errors import SandboxConfigError, SandboxError, SandboxUnavailable
from .limits import SandboxLimits
from .result import Outcome, SandboxResult
from .runner import run_sandboxed

__all__ = [
    "BASE_ENVIRONMENT",
    "BWRAP_VARIABLE",
    "OPT_OUT_VALUE",
    "OPT_OUT_VARIABLE",
    "Outcome",
    "SandboxConfigError",
    "SandboxError",
    "SandboxLimits",
    "SandboxResult",
    "SandboxUnavailable",
    "run_sandboxed",
]
