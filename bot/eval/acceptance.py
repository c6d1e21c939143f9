"""Running a task's acceptance tests against a flow, inside the sandbox.

The flow is model-written code, so it runs only in the sandbox, exactly as the gate runs the
flow's own tests: the checkout read-only, no network, no secrets, limits on time and memory.
The acceptance tests are copied into a folder of the checkout the model never wrote to, next to
a conftest that hands them the flow.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from flowkit.sandbox import Outcome, SandboxLimits, run_sandboxed

FOLDER = "_eval_acceptance"
LIMITS = SandboxLimits(wall_seconds=120.0, cpu_seconds=120)
CONFTEST = '''"""The flow under test, for the acceptance tests."""

from pathlib import Path

import pytest

from flowkit import Flow
from flowkit.loading import load_flow


@pytest.fixture
def flow() -> Flow:
    return load_flow(Path(__file__).resolve().parents[1] / {folder!r})
'''
_COUNT = re.compile(r"(\d+) (passed|failed|error|errors)\b")
_FAILED = re.compile(r"^(?:FAILED|ERROR) \S+?::(?P<test>\w+)(?: - (?P<why>.*))?$", re.MULTILINE)
_WHY = re.compile(r"^\S*test_acceptance\.py:(?P<line>\d+): (?P<why>.+)$", re.MULTILINE)


@dataclass(frozen=True)
class AcceptanceResult:
    """How the acceptance tests went."""

    passed: int
    failed: int
    failures: list[str] = field(default_factory=list)
    """`test name: why`, one per failed test."""
    problem: str = ""
    """Set when the tests could not run at all (a timeout, no flow to load)."""

    @property
    def ok(self) -> bool:
        """Every acceptance test passed."""
        return self.passed > 0 and self.failed == 0 and not self.problem


def run_acceptance(checkout: Path, flow_folder: str, tests: str) -> AcceptanceResult:
    """Run `tests` (the source of an acceptance module) against `checkout/flow_folder`."""
    if not (checkout / flow_folder / "flow.py").is_file():
        return AcceptanceResult(0, 0, problem=f"there is no {flow_folder}/flow.py to test")
    folder = checkout / FOLDER
    folder.mkdir(exist_ok=True)
    (folder / "conftest.py").write_text(CONFTEST.format(folder=flow_folder), encoding="utf-8")
    (folder / "test_acceptance.py").write_text(tests, encoding="utf-8")
    result = run_sandboxed(
        [sys.executable, "-m", "pytest", FOLDER, "-q", "-rfE", "-p", "no:cacheprovider",
         "-o", "addopts=", "--no-header", "--tb=line", "--rootdir", str(checkout)],
        workdir=checkout, readonly_paths=[checkout, Path(sys.prefix)],
        env={"PYTHONPATH": str(checkout), "PYTHONDONTWRITEBYTECODE": "1"}, limits=LIMITS)
    counts = {kind.rstrip("s"): int(number) for number, kind in _COUNT.findall(result.stdout)}
    reasons = [f"line {match['line']}: {match['why'].strip()}"
               for match in _WHY.finditer(result.stdout)]
    failures = [f"{match['test']}: "
                f"{(match['why'] or (reasons[index] if index < len(reasons) else '')).strip()}"
                for index, match in enumerate(_FAILED.finditer(result.stdout))]
    passed, failed = counts.get("passed", 0), counts.get("failed", 0) + counts.get("error", 0)
    problem = ""
    if result.outcome is not Outcome.OK and not failed:
        problem = f"{result.describe()}: {(result.stdout + result.stderr).strip()[-600:]}"
    return AcceptanceResult(passed, failed, failures, problem)
