"""What a model call costs, in USD, from a per-family price table.

Prices are USD per million tokens, from Anthropic's pricing pages (checked against
the model overview pages for the 5.x models); cache writes are the 5-minute rate,
which is what an ``{"type": "ephemeral"}`` breakpoint buys. A model id is read as a
family and a version (``claude-sonnet-4-5-20250929`` -> sonnet 4.5,
``claude-3-5-haiku-20241022`` -> haiku 3.5) and priced by the newest table row at or
below that version. An id that names no known family is priced as Sonnet, and
flagged as an estimate.
"""

from __future__ import annotations

import functools
import re

from pydantic import BaseModel, ConfigDict

from .models import Usage

PER_TOKEN = 1_000_000


class Prices(BaseModel):
    """USD per million tokens for one model family and version range."""

    model_config = ConfigDict(frozen=True)

    input: float
    output: float
    cache_write: float
    cache_read: float


_TABLE: dict[str, list[tuple[tuple[int, int], Prices]]] = {
    # Each family's rows, newest version first: a row applies from its version on.
    "fable": [
        ((5, 1), Prices(input=10, output=50, cache_write=12.5, cache_read=0.25)),
        ((0, 0), Prices(input=10, output=50, cache_write=12.5, cache_read=1.0)),
    ],
    "opus": [
        ((5, 5), Prices(input=4, output=20, cache_write=5, cache_read=0.20)),
        ((4, 5), Prices(input=5, output=25, cache_write=6.25, cache_read=0.50)),
        ((0, 0), Prices(input=15, output=75, cache_write=18.75, cache_read=1.50)),
    ],
    "sonnet": [
        # Sonnet 5.5 cache reads were cut from 0.20 to 0.10 on 2026-10-07.
        ((5, 5), Prices(input=2, output=10, cache_write=2.5, cache_read=0.10)),
        ((5, 0), Prices(input=2, output=10, cache_write=2.5, cache_read=0.20)),
        ((0, 0), Prices(input=3, output=15, cache_write=3.75, cache_read=0.30)),
    ],
    "haiku": [
        # Haiku 5.5's rate for prompts up to 100k tokens; longer prompts cost 5x.
        ((5, 5), Prices(input=0.10, output=0.50, cache_write=0.125, cache_read=0.01)),
        ((4, 0), Prices(input=1, output=5, cache_write=1.25, cache_read=0.10)),
        ((3, 5), Prices(input=0.80, output=4, cache_write=1, cache_read=0.08)),
        ((0, 0), Prices(input=0.25, output=1.25, cache_write=0.30, cache_read=0.03)),
    ],
}
_TABLE["mythos"] = _TABLE["fable"]

# An unknown model is priced as Sonnet 4.x: the higher of the Sonnet prices, so that a
# budget cap errs on the safe side.
FALLBACK = ("sonnet", (4, 0))

# "claude-3-5-haiku-20241022", "claude-3-opus-20240229": the version before the family.
_LEGACY = re.compile(r"claude-(\d)(?:-(\d))?-(opus|sonnet|haiku)")
# "opus-4-1-20250805", "sonnet-5", "haiku-4-5@20251001": family, major, optional minor,
# each one or two digits (so a date is never read as a version).
_MODERN = re.compile(r"(fable|mythos|opus|sonnet|haiku)-(\d{1,2})(?!\d)(?:-(\d{1,2})(?!\d))?")


def family_version(model: str) -> tuple[str, tuple[int, int]] | None:
    """(family, (major, minor)) read from a lower-case model id; None when it names none."""
    if match := _LEGACY.search(model):
        major, minor, family = match.groups()
        return family, (int(major), int(minor or 0))
    if match := _MODERN.search(model):
        family, major, minor = match.groups()
        return family, (int(major), int(minor or 0))
    return None


@functools.lru_cache(maxsize=64)  # priced on every turn; a handful of model ids
def price_for(model: str) -> tuple[Prices, bool]:
    """The prices for ``model``, and whether they are a guess (unknown family: Sonnet's)."""
    found = family_version(model.lower())
    family, version = found or FALLBACK
    rows = _TABLE[family]
    prices = next((p for since, p in rows if version >= since), rows[-1][1])
    return prices, found is None


def cost_usd(model: str, usage: Usage) -> float:
    """The cost of ``usage`` on ``model`` in USD (priced as Sonnet when the model is unknown)."""
    prices, _ = price_for(model)
    return (
        usage.input_tokens * prices.input
        + usage.output_tokens * prices.output
        + usage.cache_write_tokens * prices.cache_write
        + usage.cache_read_tokens * prices.cache_read
    ) / PER_TOKEN
