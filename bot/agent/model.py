"""Calling Claude through `anthropic`: explicit timeouts, the SDK's retries, usage and cost.

Every call records its model, input, output and cache tokens, latency and cost by the
operator's price table (`pricing.py`); a per-job budget — tokens, dollars and a wall-clock
deadline — stops the loop cleanly before a call it cannot afford. Requests set thinking and
effort explicitly and stream: the SDK refuses a non-streaming request whose `max_tokens` could
take longer than ten minutes, and whole-file writes plus thinking need that many.
`ANTHROPIC_BASE_URL` points the client at any endpoint that speaks the Messages API (the tests
and the demo use the local simulator).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import anthropic
from anthropic.types import Message
from pydantic import SecretStr

from bot.agent.pricing import ModelPrices, TokenCounts, cost_usd

DEFAULT_TIMEOUT_S = 600.0
DEFAULT_MAX_RETRIES = 4
DEFAULT_MAX_TOKENS = 32_000


class BudgetExhausted(Exception):
    """The job's budget (tokens, dollars or time) is spent; the loop stops and says so."""


@dataclass(frozen=True)
class CallRecord:
    """One model call, as recorded on the job."""

    model: str
    input_tokens: int
    output_tokens: int
    cache_creation_tokens: int
    cache_read_tokens: int
    latency_s: float
    cost_usd: float
    stop_reason: str = "end_turn"


@dataclass(frozen=True)
class Thinking:
    """How the model thinks on a job: `thinking.type` and the effort level."""

    type: str = "adaptive"
    effort: str = "high"

    def request(self) -> dict[str, Any]:
        """The request fields that say so."""
        return {"thinking": {"type": self.type}, "output_config": {"effort": self.effort}}


@dataclass
class Usage:
    """The calls of one job, and its budget."""

    token_budget: int
    dollar_budget: float = float("inf")
    deadline: float | None = None
    """`time.monotonic()` after which no further call starts."""
    calls: list[CallRecord] = field(default_factory=list)

    @property
    def tokens(self) -> int:
        """Tokens spent so far (input of every kind, and output)."""
        return sum(c.input_tokens + c.output_tokens + c.cache_creation_tokens
                   + c.cache_read_tokens for c in self.calls)

    @property
    def cost_usd(self) -> float:
        """Cost so far by the price table."""
        return sum(call.cost_usd for call in self.calls)

    def check(self) -> None:
        """Raise BudgetExhausted when no further call may start."""
        if self.tokens >= self.token_budget:
            raise BudgetExhausted(f"the job's budget of {self.token_budget:,} tokens is spent "
                                  f"({self.tokens:,} used)")
        if self.cost_usd >= self.dollar_budget:
            raise BudgetExhausted(f"the job's budget of US${self.dollar_budget:.4f} is spent "
                                  f"(US${self.cost_usd:.4f} used)")
        if self.deadline is not None and time.monotonic() >= self.deadline:
            raise BudgetExhausted("the job's time is up (its wall-clock deadline passed)")


def client(api_key: SecretStr, *, base_url: str | None = None,
           timeout: float = DEFAULT_TIMEOUT_S,
           max_retries: int = DEFAULT_MAX_RETRIES) -> anthropic.Anthropic:
    """An anthropic client with explicit timeouts; it retries 429, 529 and 5xx itself."""
    return anthropic.Anthropic(api_key=api_key.get_secret_value(), base_url=base_url,
                               timeout=timeout, max_retries=max_retries)


@dataclass
class ModelCaller:
    """Sends the loop's requests and keeps the job's account of them."""

    api: anthropic.Anthropic
    model: str
    usage: Usage
    prices: ModelPrices
    thinking: Thinking = field(default_factory=Thinking)
    max_tokens: int = DEFAULT_MAX_TOKENS
    checkpoint: Callable[[], None] = lambda: None
    """Made before every request; it raises to stop the job (a cancelled job does)."""

    def __call__(self, system: list[dict[str, Any]], tools: list[dict[str, Any]],
                 messages: list[dict[str, Any]]) -> Message:
        """One request, streamed; raises BudgetExhausted when the budget is already spent."""
        self.checkpoint()
        self.usage.check()
        started = time.perf_counter()
        with self.api.messages.stream(model=self.model, max_tokens=self.max_tokens,
                                      system=system,  # type: ignore[arg-type]
                                      tools=tools,  # type: ignore[arg-type]
                                      messages=messages,  # type: ignore[arg-type]
                                      **self.thinking.request()) as stream:
            message = stream.get_final_message()
        usage = message.usage
        counts = TokenCounts(usage.input_tokens, usage.output_tokens,
                             usage.cache_creation_input_tokens or 0,
                             usage.cache_read_input_tokens or 0)
        self.usage.calls.append(CallRecord(
            model=self.model, input_tokens=counts.input_tokens,
            output_tokens=counts.output_tokens, cache_creation_tokens=counts.cache_write_tokens,
            cache_read_tokens=counts.cache_read_tokens,
            latency_s=round(time.perf_counter() - started, 3),
            cost_usd=cost_usd(self.prices, counts), stop_reason=message.stop_reason or ""))
        return message
