"""Running the eval: each task's issue is filed, the generate job answers, acceptance judges.

A task is solved when the generate job opened a pull request whose gate passed and the task's
acceptance tests pass on the flow at that pull request's head. Tasks run one after another in
one local world, each on its own issue and branch, so the tokens, cost and wall time of a task
are its own job's.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from git import Repo as GitRepo
from sqlalchemy import select

from bot.demo.world import DemoWorld
from bot.doubles.github.state import Issue
from bot.doubles.messages.script import Policy
from bot.eval.acceptance import AcceptanceResult, run_acceptance
from bot.eval.task import Task
from bot.github.git import branch_prefix
from bot.store import LIVE, Job, JobState

AUTHOR = "maintainer"
LABEL = "integration-request"
TIMED_OUT = "timed out: the job ran past the eval's limit"


@dataclass(frozen=True)
class TaskResult:
    """How one task went."""

    task: str
    solved: bool
    outcome: str
    """In words: solved, or why not (no pull request, the gate failed, acceptance failed…)."""
    gate_passed: bool
    attempts: int
    input_tokens: int
    output_tokens: int
    cost_usd: float
    wall_s: float
    acceptance_passed: int = 0
    acceptance_failed: int = 0
    failures: list[str] = field(default_factory=list)
    pull_number: int | None = None
    first_request_tokens: int = 0
    """Input tokens of the job's first request: the cached prefix and the task."""
    cached_share: float = 0.0
    """The share of the job's input tokens read from the prompt cache."""


@dataclass(frozen=True)
class EvalReport:
    """Every task's result, and who answered."""

    model: str
    scripted: str | None
    """The scripted model's name, when no real model answered."""
    results: list[TaskResult]

    @property
    def pass_at_1(self) -> float:
        """The share of tasks solved at the first (and only) try."""
        return sum(r.solved for r in self.results) / len(self.results) if self.results else 0.0

    def to_json(self) -> dict[str, Any]:
        """The report as one JSON object."""
        return {"model": self.model, "scripted": self.scripted,
                "tasks": [asdict(result) for result in self.results],
                "solved": sum(r.solved for r in self.results), "total": len(self.results),
                "pass_at_1": round(self.pass_at_1, 4),
                "tokens": sum(r.input_tokens + r.output_tokens for r in self.results),
                "first_request_tokens": max((r.first_request_tokens for r in self.results),
                                            default=0),
                "cached_share": round(sum(r.cached_share * r.input_tokens for r in self.results)
                                      / max(1, sum(r.input_tokens for r in self.results)), 3),
                "cost_usd": round(sum(r.cost_usd for r in self.results), 6),
                "wall_s": round(sum(r.wall_s for r in self.results), 2)}


def _pull_for(world: DemoWorld, issue: Issue) -> Issue | None:
    prefix = branch_prefix(issue.number)
    for candidate in world.repository.issues.values():
        if candidate.pull is not None and candidate.pull.head.startswith(prefix):
            return candidate
    return None


def _job_for(world: DemoWorld, issue: Issue, timeout: float) -> Job:
    """The issue's generate job once it has ended; one still running after `timeout` seconds
    is cancelled (it stops at its next model call) so that the next task can start."""
    try:
        jobs = world.wait_for_jobs(timeout)
    except TimeoutError:
        with world.service.sessions.begin() as session:
            for job in session.scalars(select(Job).where(
                    Job.number == issue.number, Job.state.in_(LIVE))):
                job.state = JobState.CANCELLED.value
                job.error = f"{TIMED_OUT} ({timeout:.0f} s)"
        jobs = world.wait_for_jobs(timeout)
    found = [job for job in jobs if job.kind == "generate" and job.number == issue.number]
    if not found:
        raise RuntimeError(f"no generate job started for issue #{issue.number}; is the "
                           f"{LABEL} label wired to the app?")
    return found[-1]


def _judge(world: DemoWorld, task: Task, pull: Issue, scratch: Path) -> AcceptanceResult:
    """The acceptance tests on a fresh clone of the pull request's head."""
    assert pull.pull is not None
    checkout = scratch / task.id
    GitRepo.clone_from(str(world.repository.path), checkout, branch=pull.pull.head, depth=1)
    return run_acceptance(checkout, task.flow_folder, task.acceptance)


def _outcome(job: Job, pull: Issue | None, gate_passed: bool,
             acceptance: AcceptanceResult | None) -> str:
    if job.state == JobState.CANCELLED and (job.error or "").startswith(TIMED_OUT):
        return job.error or TIMED_OUT
    if job.state == JobState.WAITING:
        return "asked questions instead of answering"
    if pull is None:
        return f"no pull request ({job.error or job.state})"
    if not gate_passed:
        return "the gate still failed after the last attempt"
    if acceptance is None or acceptance.problem:
        return f"acceptance could not run: {acceptance.problem if acceptance else '?'}"
    if not acceptance.ok:
        return f"acceptance failed ({acceptance.failed} of " \
               f"{acceptance.passed + acceptance.failed} tests)"
    return "solved"


def run_task(world: DemoWorld, task: Task, scratch: Path, *, policy: Policy | None = None,
             timeout: float = 900.0) -> TaskResult:
    """File the task's issue, wait for the generate job, judge its pull request."""
    if world.model is not None:
        world.model.script.play(policy)
    refused_before = len(world.model.violations) if world.model is not None else 0
    started = time.monotonic()
    issue = world.github.open_issue(world.repository, task.title, task.body, author=AUTHOR,
                                    labels=[LABEL])
    job = _job_for(world, issue, timeout)
    wall = time.monotonic() - started
    work: dict[str, Any] = job.work or {}
    pull = _pull_for(world, issue)
    gate_passed = bool(work.get("gate_passed")) and pull is not None and pull.pull is not None \
        and not pull.pull.draft
    acceptance = _judge(world, task, pull, scratch) if pull is not None and gate_passed else None
    outcome = _outcome(job, pull, gate_passed, acceptance)
    refused = world.model.violations[refused_before:] if world.model is not None else []
    if refused:  # the scripted model's API refused a request: the protocol was broken
        outcome = f"the Messages API refused a request: {refused[0]}"
    return TaskResult(
        task=task.id, solved=outcome == "solved", outcome=outcome, gate_passed=gate_passed,
        attempts=int(work.get("attempts", 0)), input_tokens=int(work.get("input_tokens", 0)),
        output_tokens=int(work.get("output_tokens", 0)),
        cost_usd=float(work.get("cost_usd", 0.0)), wall_s=round(wall, 2),
        acceptance_passed=acceptance.passed if acceptance else 0,
        acceptance_failed=acceptance.failed if acceptance else 0,
        failures=acceptance.failures if acceptance else [],
        pull_number=pull.number if pull else None,
        first_request_tokens=int(work.get("first_request_tokens", 0)),
        cached_share=float(work.get("cached_share", 0.0)))


def run_eval(world: DemoWorld, tasks: list[Task], scratch: Path, *,
             policy_for: Callable[[Task], Policy] | None = None, timeout: float = 900.0,
             progress: Callable[[Task, TaskResult], None] | None = None) -> list[TaskResult]:
    """Every task in turn; `policy_for` gives the scripted model its answer to each task."""
    results = []
    for task in tasks:
        result = run_task(world, task, scratch,
                          policy=policy_for(task) if policy_for else None, timeout=timeout)
        results.append(result)
        if progress is not None:
            progress(task, result)
    return results
