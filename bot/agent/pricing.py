"""What a model call costs: the operator's price table, with prompt-length tiers.

The defaults are Anthropic's published prices as read on 2026-12-05 (model pages and pricing):
Claude Sonnet 5.5 $2 in / $10 out, 5-minute cache write $2.50, cache read $0.10 (cut from $0.20
on 2026-10-07); Claude Opus 5.5 $4 / $20, $5, $0.20; Claude Haiku 5.5 $0.10 / $0.50, $0.125,
$0.01 for prompts up to 100,000 tokens and $0.50 / $2.50, $0.625, $0.05 above, on every token of
such a request. Operators override or extend the table (`FLOWBOT_MODEL_PRICES`); a model with no
price is a configuration error at start, never a call reported as free.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class Rates(BaseModel):
    """US$ per million tokens."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    input: float = Field(ge=0)
    output: float = Field(ge=0)
    cache_write: float = Field(ge=0)
    """A 5-minute cache write (the app's breakpoints use the default lifetime)."""
    cache_read: float = Field(ge=0)


class ModelPrices(BaseModel):
    """One model's rates, and the higher rates of prompts above a length, if it has them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rates: Rates
    long_prompt_rates: Rates | None = None
    long_prompt_above: int | None = Field(default=None, gt=0)
    """Prompt tokens (input, cache writes and reads) above which `long_prompt_rates` apply."""

    def rates_for(self, prompt_tokens: int) -> Rates:
        """The rates of a request whose prompt has `prompt_tokens` tokens."""
        if self.long_prompt_rates is not None and self.long_prompt_above is not None \
                and prompt_tokens > self.long_prompt_above:
            return self.long_prompt_rates
        return self.rates


DEFAULT_PRICES: dict[str, ModelPrices] = {
    "claude-sonnet-5-5": ModelPrices(rates=Rates(input=2.0, output=10.0, cache_write=2.5,
                                                 cache_read=0.10)),
    "claude-opus-5-5": ModelPrices(rates=Rates(input=4.0, output=20.0, cache_write=5.0,
                                               cache_read=0.20)),
    "claude-haiku-5-5": ModelPrices(
        rates=Rates(input=0.10, output=0.50, cache_write=0.125, cache_read=0.01),
        long_prompt_rates=Rates(input=0.50, output=2.50, cache_write=0.625, cache_read=0.05),
        long_prompt_above=100_000),
}


class PriceTableError(ValueError):
    """A price table override that does not validate; the message says where."""


def price_table(overrides: dict[str, Any] | None) -> dict[str, ModelPrices]:
    """The default table with the operator's entries (`model: {rates: {...}, ...}`) over it."""
    table = dict(DEFAULT_PRICES)
    for model, entry in (overrides or {}).items():
        try:
            table[str(model)] = ModelPrices.model_validate(entry)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise PriceTableError(f"the price of {model}: {where or 'entry'}: {first['msg']} "
                                  "(give rates: {input, output, cache_write, cache_read} in "
                                  "US$ per million tokens)") from None
    return table


@dataclass(frozen=True)
class TokenCounts:
    """The usage of one call."""

    input_tokens: int
    output_tokens: int
    cache_write_tokens: int
    cache_read_tokens: int

    @property
    def prompt_tokens(self) -> int:
        """Every input token of the request, cached or not."""
        return self.input_tokens + self.cache_write_tokens + self.cache_read_tokens


def cost_usd(prices: ModelPrices, counts: TokenCounts) -> float:
    """What a call with `counts` costs, cache reads and writes at their own rates."""
    rates = prices.rates_for(counts.prompt_tokens)
    return (counts.input_tokens * rates.input + counts.output_tokens * rates.output
            + counts.cache_write_tokens * rates.cache_write
            + counts.cache_read_tokens * rates.cache_read) / 1_000_000
