"""What the simulated model answers: a script of turns, consumed one per request."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

_ids = itertools.count(1)


@dataclass(frozen=True)
class Reply:
    """A message to answer with."""

    content: list[dict[str, Any]]
    stop_reason: str = "end_turn"
    """`end_turn` and `tool_use` follow from the content; a test may choose `max_tokens` (the
    answer is cut), `refusal` or `pause_turn`."""
    thinking: str = ""
    """What the model thought first: the simulator issues it as a signed thinking block when
    the request's model thinks (its text shown only with `display: summarized`)."""


@dataclass(frozen=True)
class Error:
    """An error to answer with: 429 rate_limit_error, 529 overloaded_error, 500 api_error."""

    status: int
    retry_after: float | None = None


Turn = Reply | Error | Callable[[dict[str, Any]], Reply | Error]
"""One answer, or a function of the request body that decides it."""


def text_reply(text: str) -> Reply:
    """A plain text answer."""
    return Reply([{"type": "text", "text": text}])


def tool_reply(name: str, tool_input: dict[str, Any], *, thought: str = "") -> Reply:
    """An answer that calls one tool; `thought` is what the model thinks before it (on today's
    models text between tool calls comes back as thinking)."""
    block = {"type": "tool_use", "id": f"toolu_sim{next(_ids):06d}", "name": name,
             "input": tool_input}
    return Reply([block], stop_reason="tool_use", thinking=thought or f"Calling {name}.")


def refusal_reply(explanation: str = "The request could not be completed.") -> Reply:
    """The model declines (`stop_reason: refusal`)."""
    return Reply([{"type": "text", "text": explanation}], stop_reason="refusal",
                 thinking="Declining.")


Policy = Callable[[dict[str, Any]], Reply | Error]
"""A scripted model that answers every request from the conversation so far."""


@dataclass
class Script:
    """Turns consumed in order, then the policy if there is one; running out of both is an
    error the test sees."""

    turns: list[Turn] = field(default_factory=list)
    policy: Policy | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, *turns: Turn) -> Script:
        """Append turns."""
        with self._lock:
            self.turns.extend(turns)
        return self

    def play(self, policy: Policy | None) -> None:
        """Forget the turns left and answer from `policy` from now on."""
        with self._lock:
            self.turns.clear()
            self.policy = policy

    def next_turn(self) -> Turn | None:
        """The next turn, or None when the script is used up."""
        with self._lock:
            return self.turns.pop(0) if self.turns else self.policy
