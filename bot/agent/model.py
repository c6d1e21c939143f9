"""Calling Claude through `anthropic`: explicit timeouts, the SDK's retries, usage and cost.

Every call records its model, input, output and cache tokens, latency and cost by the
operator's price table; a per-job budget stops the loop cleanly before a call it cannot afford.
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

DEFAULT_TIMEOUT_S = 120.0
DEFAULT_MAX_RETRIES = 4
PRICES_PER_MTOK: dict[str, tuple[float, float, float, float]] = {
    # model: (input, output, cache write, cache read) in US$ per million tokens — the operator's
    # table (set here as of 2026-11; override through configuration), not a quote from Anthropic
    "claude-sonnet-5-5": (3.0, 15.0, 3.75, 0.30),
    "claude-opus-5-5": (15.0, 75.0, 18.75, 1.50),
    "claude-haiku-5-5": (1.0, 5.0, 1.25, 0.10),
}


class BudgetExhausted(Exception):
    """The job's token budget is spent; the loop stops and says so."""


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


@dataclass
class Usage:
    """The calls of one job, and its budget."""

    token_budget: int
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


def client(api_key: SecretStr, *, base_url: str | None = None,
           timeout: float = DEFAULT_TIMEOUT_S,
           max_retries: int = DEFAULT_MAX_RETRIES) -> anthropic.Anthropic:
    """An anthropic client with explicit timeouts; it retries 429, 529 and 5xx itself."""
    return anthropic.Anthropic(api_key=api_key.get_secret_value(), base_url=base_url,
                               timeout=timeout, max_retries=max_retries)


def _cost(model: str, usage: Any) -> float:
    prices = PRICES_PER_MTOK.get(model)
    if prices is None:
        return 0.0
    cache_write: int = usage.cache_creation_input_tokens or 0
    cache_read: int = usage.cache_read_input_tokens or 0
    return float(usage.input_tokens * prices[0] + usage.output_tokens * prices[1]
                 + cache_write * prices[2] + cache_read * prices[3]) / 1_000_000


@dataclass
class ModelCaller:
    """Sends the loop's requests and keeps the job's account of them."""

    api: anthropic.Anthropic
    model: str
    usage: Usage
    max_tokens: int = 8192
    checkpoint: Callable[[], None] = lambda: None
    """Made before every request; it raises to stop the job (a cancelled job does)."""

    def __call__(self, system: list[dict[str, Any]], tools: list[dict[str, Any]],
                 messages: list[dict[str, Any]]) -> Message:
        """One request; raises BudgetExhausted when the budget is already spent."""
        self.checkpoint()
        if self.usage.tokens >= self.usage.token_budget:
            raise BudgetExhausted(f"the job's budget of {self.usage.token_budget:,} tokens is "
                                  f"spent ({self.usage.tokens:,} used)")
        started = time.perf_counter()
        message = self.api.messages.create(model=self.model, max_tokens=self.max_tokens,
                                           system=system,  # type: ignore[arg-type]
                                           tools=tools,  # type: ignore[arg-type]
                                           messages=messages)  # type: ignore[arg-type]
        usage = message.usage
        self.usage.calls.append(CallRecord(
            model=self.model, input_tokens=usage.input_tokens, output_tokens=usage.output_tokens,
            cache_creation_tokens=usage.cache_creation_input_tokens or 0,
            cache_read_tokens=usage.cache_read_input_tokens or 0,
            latency_s=round(time.perf_counter() - started, 3), cost_usd=_cost(self.model, usage)))
        return message
