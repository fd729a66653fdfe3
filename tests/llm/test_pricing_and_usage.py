"""Prices per model family and usage arithmetic."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orchestra_lsp.llm import Usage, cost_usd, price_for

MILLION = Usage(
    input_tokens=1_000_000,
    output_tokens=1_000_000,
    cache_read_tokens=1_000_000,
    cache_write_tokens=1_000_000,
)


@pytest.mark.parametrize(
    ("model", "input_price", "output_price", "write_price", "read_price"),
    [
        ("claude-sonnet-4-6", 3, 15, 3.75, 0.30),
        ("claude-sonnet-4-5-20250929", 3, 15, 3.75, 0.30),
        ("claude-3-7-sonnet-20250219", 3, 15, 3.75, 0.30),
        ("claude-sonnet-5", 2, 10, 2.5, 0.20),
        ("claude-sonnet-5-5[1m]", 2, 10, 2.5, 0.10),
        ("claude-opus-4-20250514", 15, 75, 18.75, 1.50),
        ("claude-opus-4-1@20250805", 15, 75, 18.75, 1.50),
        ("claude-3-opus-20240229", 15, 75, 18.75, 1.50),
        ("claude-opus-4-5-20251101", 5, 25, 6.25, 0.50),
        ("anthropic.claude-opus-5-v1:0", 5, 25, 6.25, 0.50),
        ("claude-opus-5-5", 4, 20, 5, 0.20),
        ("claude-haiku-4-5-20251001", 1, 5, 1.25, 0.10),
        ("claude-3-5-haiku-20241022", 0.80, 4, 1, 0.08),
        ("claude-3-haiku-20240307", 0.25, 1.25, 0.30, 0.03),
        ("claude-haiku-5-5", 0.10, 0.50, 0.125, 0.01),
        ("claude-fable-5-1", 10, 50, 12.5, 0.25),
    ],
)
def test_known_models_are_priced_by_family_and_version(
    model: str, input_price: float, output_price: float, write_price: float, read_price: float
) -> None:
    prices, estimated = price_for(model)
    assert not estimated
    assert (prices.input, prices.output, prices.cache_write, prices.cache_read) == pytest.approx(
        (input_price, output_price, write_price, read_price)
    )
    assert cost_usd(model, MILLION) == pytest.approx(
        input_price + output_price + write_price + read_price
    )


def test_unknown_model_is_priced_as_sonnet_and_flagged() -> None:
    prices, estimated = price_for("my-gateway-model")
    assert estimated
    assert prices == price_for("claude-sonnet-4-6")[0]


def test_cost_of_a_typical_turn() -> None:
    usage = Usage(input_tokens=1200, output_tokens=300, cache_read_tokens=10_000)
    assert cost_usd("claude-sonnet-4-6", usage) == pytest.approx(
        (1200 * 3 + 300 * 15 + 10_000 * 0.3) / 1e6
    )


def test_usage_adds_up() -> None:
    total = Usage(input_tokens=1, output_tokens=2) + Usage(
        cache_read_tokens=3, cache_write_tokens=4, input_tokens=5
    )
    assert total == Usage(
        input_tokens=6, output_tokens=2, cache_read_tokens=3, cache_write_tokens=4
    )
    assert sum([Usage(output_tokens=1)] * 3, Usage()) == Usage(output_tokens=3)


@given(st.text())
def test_any_model_name_gets_a_price(model: str) -> None:
    prices, _ = price_for(model)
    assert min(prices.input, prices.output, prices.cache_write, prices.cache_read) > 0
