"""Scripted models for testing the harness offline — not a model, and never reported as one.

Each answers every request from the conversation so far (how many turns it has had), through
the Messages API simulator:

- `correct` writes the task's reference answer, runs the gate and finishes;
- `never` keeps writing a flow that imports a connector that does not exist;
- `fools-gate` writes the reference with the task's planted mistake and a test too weak to see
  it: the gate passes, the acceptance tests must not.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.doubles.messages import Reply, tool_reply
from bot.doubles.messages.script import Policy
from bot.eval.task import Task

MADE_UP_IMPORT = "\nfrom connectors.crm_of_the_future import Everything  # noqa: F401\n"


def _turns_taken(request: dict[str, Any]) -> int:
    return sum(1 for message in request.get("messages", []) if message.get("role") == "assistant")


def _writes(task: Task, files: dict[str, str]) -> list[Reply]:
    """Writing `files`, the spec first (the write tool refuses code before a valid spec)."""
    order = sorted(files, key=lambda name: (name != "spec.yaml", name))
    return [tool_reply("write_file", {"path": f"{task.flow_folder}/{name}",
                                      "content": files[name]}) for name in order]


def _planned(plan: list[Reply], then: Callable[[int], Reply]) -> Policy:
    """Answer with the plan's turns in order, then with `then(turns past the plan)`."""
    def answer(request: dict[str, Any]) -> Reply:
        turn = _turns_taken(request)
        return plan[turn] if turn < len(plan) else then(turn - len(plan))
    return answer


def correct(task: Task) -> Policy:
    """Writes the reference answer, runs the gate, finishes."""
    finish = tool_reply("finish", {"summary": f"Scripted reference answer to {task.id}."})
    return _planned([*_writes(task, task.reference_files()), tool_reply("run_gate", {})],
                    lambda _: finish)


def never(task: Task) -> Policy:
    """Never gets it right: the flow imports a connector that does not exist, every time."""
    files = task.reference_files()
    broken = {**files, "flow.py": files["flow.py"] + MADE_UP_IMPORT}
    rewrite = _writes(task, {"flow.py": broken["flow.py"]})[0]
    return _planned([*_writes(task, broken)],
                    lambda turn: tool_reply("run_gate", {}) if turn % 2 == 0 else rewrite)


def fools_gate(task: Task) -> Policy:
    """Passes the gate with the planted mistake and a weak test."""
    finish = tool_reply("finish", {"summary": f"Scripted answer to {task.id} with a planted "
                                              f"mistake: {task.fool.mistake}."})
    return _planned([*_writes(task, task.fool_files()), tool_reply("run_gate", {})],
                    lambda _: finish)


SCRIPTED: dict[str, Callable[[Task], Policy]] = {
    "correct": correct, "never": never, "fools-gate": fools_gate}
"""The scripted models by name, for `flowbot eval --scripted NAME` and the harness's tests."""
