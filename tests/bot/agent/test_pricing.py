"""Cost by the price table: cache reads and writes at their own rates, long prompts by tier."""

from __future__ import annotations

import pytest

from bot.agent.pricing import DEFAULT_PRICES, TokenCounts, cost_usd


def test_sonnet_prices_cache_reads_at_their_own_rate() -> None:
    counts = TokenCounts(input_tokens=1_000_000, output_tokens=1_000_000,
                         cache_write_tokens=1_000_000, cache_read_tokens=1_000_000)

    assert cost_usd(DEFAULT_PRICES["claude-sonnet-5-5"], counts) == pytest.approx(
        2.0 + 10.0 + 2.5 + 0.10)


@pytest.mark.parametrize(("prompt_tokens", "expected"), [
    (100_000, 100_000 * 0.10 / 1e6 + 1_000 * 0.50 / 1e6),
    (100_001, 100_001 * 0.50 / 1e6 + 1_000 * 2.50 / 1e6),
])
def test_haiku_prices_a_long_prompt_at_the_higher_tier_on_every_token(
        prompt_tokens: int, expected: float) -> None:
    counts = TokenCounts(input_tokens=prompt_tokens, output_tokens=1_000,
                         cache_write_tokens=0, cache_read_tokens=0)

    assert cost_usd(DEFAULT_PRICES["claude-haiku-5-5"], counts) == pytest.approx(expected)


def test_cache_reads_count_toward_the_tier() -> None:
    counts = TokenCounts(input_tokens=10, output_tokens=0, cache_write_tokens=0,
                         cache_read_tokens=100_000)

    assert cost_usd(DEFAULT_PRICES["claude-haiku-5-5"], counts) == pytest.approx(
        (10 * 0.50 + 100_000 * 0.05) / 1e6)
