"""Checking the tasks themselves, without a model: each must be solvable and must catch its bug.

A task's reference answer must pass the gate and every acceptance test; its planted mistake
(with a test too weak to notice it) must pass the gate too, yet fail an acceptance test — or
the task cannot tell a flow that works from one that only looks as if it does.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from bot.agent.host import CheckoutHost
from bot.agent.tools import GateRun
from bot.demo.world import repository_content
from bot.eval.acceptance import AcceptanceResult, run_acceptance
from bot.eval.task import Task


@dataclass(frozen=True)
class AnswerCheck:
    """The gate's and the acceptance tests' verdicts on one answer to a task."""

    gate: GateRun
    acceptance: AcceptanceResult


@dataclass(frozen=True)
class TaskCheck:
    """A task's reference answer and planted mistake, checked."""

    task: Task
    reference: AnswerCheck
    fool: AnswerCheck

    @property
    def problems(self) -> list[str]:
        """What is wrong with the task, in words; empty when it is sound."""
        found = []
        if not self.reference.gate.passed:
            found.append(f"the reference fails the gate:\n{self.reference.gate.report}")
        accepted = self.reference.acceptance
        if not accepted.ok:
            found.append(f"the reference fails acceptance: {accepted.problem or accepted.failures}")
        if not self.fool.gate.passed:
            found.append(f"the planted mistake fails the gate (it must pass it):\n"
                         f"{self.fool.gate.report}")
        if self.fool.acceptance.ok:
            found.append(f"the acceptance tests miss the planted mistake "
                         f"({self.task.fool.mistake})")
        return found


def answer_check(task: Task, files: dict[str, str], scratch: Path) -> AnswerCheck:
    """Gate and acceptance verdicts on `files` written into the task's flow folder."""
    if scratch.exists():
        shutil.rmtree(scratch)
    root = repository_content(scratch)
    folder = root / task.flow_folder
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "__init__.py").touch()
    gate = CheckoutHost(root, task.flow_folder).run_gate()
    return AnswerCheck(gate, run_acceptance(root, task.flow_folder, task.acceptance))


def check_task(task: Task, scratch: Path) -> TaskCheck:
    """Check the reference and the planted mistake of `task`, in `scratch`."""
    return TaskCheck(task, answer_check(task, task.reference_files(), scratch / "reference"),
                     answer_check(task, task.fool_files(), scratch / "fool"))
