"""The agent loop: the model works through tools until the gate passes, it asks, or it runs out.

The loop owns the conversation and the stopping rules, nothing else: the model writes the spec,
then the code and tests; every gate report goes back to it as a tool result; the loop ends when
`finish` is called with a clean full gate, when the model asks the author questions, when the
gate attempts are used up, when the model refuses, or when the budget (checked by the model
caller) is spent. Only a clean run of the *whole* gate ends a job as passed, whatever a host
reports: the loop itself checks that the run was full and that nothing was written since.

Each assistant turn goes back exactly as it came — thinking blocks with their signatures, text,
tool calls — because today's models refuse a conversation whose earlier thinking was dropped or
changed. An answer cut at `max_tokens` is never carried out (a file half written is worse than
none): its tool calls are answered with an error that says why. The prompt prefix —
instructions, tool definitions, catalog summary — is built once per job and sent byte-identical
on every call with a cache mark at its end; two more marks move along the conversation, on the
latest tool results, so each call reads the one before it from the cache (three of the four
breakpoints a request may carry).
"""

from __future__ import annotations

import copy
import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from anthropic.types import Message

from bot.agent.model import BudgetExhausted
from bot.agent.tools import TOOL_DEFINITIONS, AgentHost, GateRun, ToolOutcome, run_tool

ModelCall = Callable[[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]], Message]
"""Sends one request (system blocks, tools, messages) and returns the model's message. It
records usage and raises BudgetExhausted when the job's budget is spent."""

NUDGE = ("Continue with the tools. When the gate passes, call finish with a summary; if the "
         "request leaves a decision open, call ask_questions.")
CUT = ("Not carried out: your answer reached the output limit (max_tokens) and was cut off, so "
       "this call's input is incomplete. Nothing was written. Write long files in parts: "
       "write_file with a first part, then edit_file to add the rest.")
CACHE_MARK = {"type": "ephemeral"}
MOVING_MARKS = 2


class AgentStatus(enum.StrEnum):
    """How the loop ended."""

    PASSED = "passed"
    """`finish` was called and the whole gate was clean."""
    ASKED = "asked"
    """The model asked the author questions; the job waits for answers."""
    GAVE_UP = "gave_up"
    """The gate attempts (or the turns) were used up without a clean gate."""
    REFUSED = "refused"
    """The model declined the request (`stop_reason: refusal`)."""
    OUT_OF_BUDGET = "out_of_budget"
    """The job's tokens, dollars or time ran out."""


@dataclass
class AgentResult:
    """What the loop produced, for the job to turn into a PR, a comment or a failure."""

    status: AgentStatus
    attempts: int
    """How many times the whole gate ran."""
    turns: int
    summary: str = ""
    questions: list[str] = field(default_factory=list)
    last_gate: GateRun | None = None
    reason: str = ""
    """Why the loop stopped, for a refusal, a spent budget or repeated cut answers."""


@dataclass(frozen=True)
class AgentLimits:
    """How far one job may go."""

    max_gate_attempts: int = 4
    max_turns: int = 40
    max_cut_answers: int = 2
    """Answers in a row cut at max_tokens before the job stops."""


def stable_prefix(instructions: str, catalog_summary: str) -> list[dict[str, Any]]:
    """The system blocks, with one cache mark at their end (it covers the tools before them)."""
    return [{"type": "text", "text": instructions},
            {"type": "text", "text": catalog_summary, "cache_control": CACHE_MARK}]


def assistant_turn(message: Message) -> dict[str, Any]:
    """The model's message as the next request must carry it: every block, unchanged."""
    return {"role": "assistant",
            "content": [block.model_dump(mode="json", exclude_none=True)
                        for block in message.content]}


def with_moving_marks(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The conversation with a cache mark on the last block of each of the latest user turns
    (copies: the conversation itself stays unmarked)."""
    marked = list(messages)
    left = MOVING_MARKS
    for index in range(len(marked) - 1, -1, -1):
        message = marked[index]
        if left == 0:
            break
        if message["role"] != "user" or not isinstance(message["content"], list) \
                or not message["content"]:
            continue
        content = copy.copy(message["content"])
        content[-1] = {**content[-1], "cache_control": CACHE_MARK}
        marked[index] = {**message, "content": content}
        left -= 1
    return marked


def _text(text: str) -> list[dict[str, Any]]:
    return [{"type": "text", "text": text}]


def run_agent(host: AgentHost, call: ModelCall, *, system: list[dict[str, Any]], task: str,
              limits: AgentLimits = AgentLimits()) -> AgentResult:
    """Work on the flow in `host` until one of the stopping rules holds."""
    state = _Conversation(host, limits, [{"role": "user", "content": _text(task)}])
    for turn in range(1, limits.max_turns + 1):
        try:
            message = call(system, TOOL_DEFINITIONS, with_moving_marks(state.messages))
        except BudgetExhausted as spent:
            return state.result(AgentStatus.OUT_OF_BUDGET, turn - 1, reason=str(spent))
        ending = state.take(message, turn)
        if ending is not None:
            return ending
    return state.result(AgentStatus.GAVE_UP, limits.max_turns,
                        reason=f"the job's {limits.max_turns} turns were used up")


@dataclass
class _Conversation:
    """The messages so far and what the gate has said."""

    host: AgentHost
    limits: AgentLimits
    messages: list[dict[str, Any]]
    attempts: int = 0
    last_gate: GateRun | None = None
    clean: bool = False
    """A whole-gate run passed and nothing was written since."""
    cut_answers: int = 0

    def result(self, status: AgentStatus, turns: int, **details: Any) -> AgentResult:
        return AgentResult(status, self.attempts, turns, last_gate=self.last_gate, **details)

    def take(self, message: Message, turn: int) -> AgentResult | None:
        """Add the model's answer and the tools' results; the result if the loop ends."""
        self.messages.append(assistant_turn(message))
        uses = [block for block in message.content if block.type == "tool_use"]
        if message.stop_reason == "refusal":
            details = message.stop_details
            why = details.explanation if details is not None and details.explanation else ""
            return self.result(AgentStatus.REFUSED, turn,
                               reason=why or "the model declined the request")
        if message.stop_reason == "max_tokens":
            self.cut_answers += 1
            if self.cut_answers > self.limits.max_cut_answers:
                return self.result(AgentStatus.GAVE_UP, turn, reason=(
                    f"{self.cut_answers} answers in a row reached the output limit"))
            self.messages.append({"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": use.id, "content": CUT, "is_error": True}
                for use in uses] or _text(CUT)})
            return None
        self.cut_answers = 0
        if not uses:  # end_turn without a tool, or pause_turn: ask it to go on
            self.messages.append({"role": "user", "content": _text(NUDGE)})
            return None
        results: list[dict[str, Any]] = []
        ending: AgentResult | None = None
        for use in uses:
            arguments = use.input if isinstance(use.input, dict) else {}
            outcome, ends = self._run(use.name, arguments, turn)
            ending = ending or ends
            results.append({"type": "tool_result", "tool_use_id": use.id,
                            "content": outcome.content,
                            **({"is_error": True} if outcome.is_error else {})})
        self.messages.append({"role": "user", "content": results})
        if ending is not None:
            return ending
        if self.attempts >= self.limits.max_gate_attempts and not self.clean:
            return self.result(AgentStatus.GAVE_UP, turn, reason=(
                f"the gate still fails after {self.attempts} attempt(s)"))
        return None

    def _run(self, name: str, arguments: dict[str, Any],
             turn: int) -> tuple[ToolOutcome, AgentResult | None]:
        if name == "finish" and self.clean:
            outcome = ToolOutcome("PASSED (nothing changed since the last clean gate)",
                                  summary=str(arguments.get("summary", "")))
            return outcome, self.result(AgentStatus.PASSED, turn, summary=outcome.summary or "")
        outcome = run_tool(self.host, name, arguments)
        if outcome.wrote:
            self.clean = False
        gate = outcome.gate
        if gate is not None and gate.full:
            self.attempts += 1
            self.last_gate = gate
            self.clean = gate.passed
            if not gate.passed:
                left = max(self.limits.max_gate_attempts - self.attempts, 0)
                outcome.content += (f"\n\n(gate attempt {self.attempts} of "
                                    f"{self.limits.max_gate_attempts}; {left} left)")
        if name == "finish" and gate is not None and not gate.full:
            outcome.content += ("\n\n(not a run of the whole gate: only a clean full run ends "
                                "the job)")
            outcome.is_error = True
        if outcome.questions is not None:
            return outcome, self.result(AgentStatus.ASKED, turn, questions=outcome.questions)
        if name == "finish" and self.clean:
            return outcome, self.result(AgentStatus.PASSED, turn, summary=outcome.summary or "")
        return outcome, None
