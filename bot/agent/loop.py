"""The agent loop: the model works through tools until the gate passes, it asks, or it runs out.

The loop owns the conversation and the stopping rules, nothing else: the model writes the spec,
then the code and tests; every gate report goes back to it as a tool result; the loop ends when
`finish` is called with a clean gate, when the model asks the author questions, when the gate
attempts are used up, or when the budget (checked by the model caller) is spent. The prompt
prefix — instructions, tool definitions, catalog summary — is built once per job and sent
byte-identical on every call, with a cache mark at its end.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from anthropic.types import Message

from bot.agent.tools import TOOL_DEFINITIONS, AgentHost, GateRun, ToolOutcome, run_tool

ModelCall = Callable[[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]], Message]
"""Sends one request (system blocks, tools, messages) and returns the model's message. It
records usage and raises when the job's budget is spent."""

NUDGE = ("Continue with the tools. When the gate passes, call finish with a summary; if the "
         "request leaves a decision open, call ask_questions.")


class AgentStatus(enum.StrEnum):
    """How the loop ended."""

    PASSED = "passed"
    """`finish` was called and the gate was clean."""
    ASKED = "asked"
    """The model asked the author questions; the job waits for answers."""
    GAVE_UP = "gave_up"
    """The gate attempts (or the turns) were used up without a clean gate."""


@dataclass
class AgentResult:
    """What the loop produced, for the job to turn into a PR, a comment or a failure."""

    status: AgentStatus
    attempts: int
    """How many times the gate ran."""
    turns: int
    summary: str = ""
    questions: list[str] = field(default_factory=list)
    last_gate: GateRun | None = None


@dataclass(frozen=True)
class AgentLimits:
    """How far one job may go."""

    max_gate_attempts: int = 4
    max_turns: int = 40


def stable_prefix(instructions: str, catalog_summary: str) -> list[dict[str, Any]]:
    """The system blocks, with one cache mark at their end (it covers the tools before them)."""
    return [{"type": "text", "text": instructions},
            {"type": "text", "text": catalog_summary, "cache_control": {"type": "ephemeral"}}]


def _assistant_content(message: Message) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    for block in message.content:
        if block.type == "text":
            blocks.append({"type": "text", "text": block.text})
        elif block.type == "tool_use":
            blocks.append({"type": "tool_use", "id": block.id, "name": block.name,
                           "input": block.input})
    return blocks


def run_agent(host: AgentHost, call: ModelCall, *, system: list[dict[str, Any]], task: str,
              limits: AgentLimits = AgentLimits()) -> AgentResult:
    """Work on the flow in `host` until one of the stopping rules holds."""
    messages: list[dict[str, Any]] = [{"role": "user", "content": task}]
    attempts = 0
    last_gate: GateRun | None = None
    clean = False  # no file written since the last gate run
    for turn in range(1, limits.max_turns + 1):
        message = call(system, TOOL_DEFINITIONS, messages)
        messages.append({"role": "assistant", "content": _assistant_content(message)})
        uses = [block for block in message.content if block.type == "tool_use"]
        if not uses:
            messages.append({"role": "user", "content": NUDGE})
            continue
        results: list[dict[str, Any]] = []
        ending: AgentResult | None = None
        for use in uses:
            arguments = use.input if isinstance(use.input, dict) else {}
            if use.name == "finish" and last_gate is not None and last_gate.passed and clean:
                outcome = ToolOutcome("PASSED (nothing changed since the last clean gate)",
                                      summary=str(arguments.get("summary", "")))
                ending = AgentResult(AgentStatus.PASSED, attempts, turn,
                                     summary=outcome.summary or "", last_gate=last_gate)
                results.append({"type": "tool_result", "tool_use_id": use.id,
                                "content": outcome.content})
                continue
            outcome = run_tool(host, use.name, arguments)
            if use.name == "write_file":
                clean = False
            if outcome.gate is not None:
                attempts += 1
                last_gate = outcome.gate
                clean = True
            if outcome.questions is not None and ending is None:
                ending = AgentResult(AgentStatus.ASKED, attempts, turn,
                                     questions=outcome.questions, last_gate=last_gate)
            elif use.name == "finish" and outcome.gate is not None and outcome.gate.passed:
                ending = AgentResult(AgentStatus.PASSED, attempts, turn,
                                     summary=outcome.summary or "", last_gate=last_gate)
            content = outcome.content
            if outcome.gate is not None and not outcome.gate.passed:
                left = limits.max_gate_attempts - attempts
                content += f"\n\n(gate attempt {attempts} of {limits.max_gate_attempts}; " \
                           f"{max(left, 0)} left)"
            results.append({"type": "tool_result", "tool_use_id": use.id, "content": content,
                            **({"is_error": True} if outcome.is_error else {})})
        messages.append({"role": "user", "content": results})
        if ending is not None:
            return ending
        if attempts >= limits.max_gate_attempts and not (last_gate and last_gate.passed):
            return AgentResult(AgentStatus.GAVE_UP, attempts, turn, last_gate=last_gate)
    return AgentResult(AgentStatus.GAVE_UP, attempts, limits.max_turns, last_gate=last_gate)
