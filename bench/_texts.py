"""The file both edit benchmarks measure: 10,000 lines with 200 scattered changes."""

from __future__ import annotations

import random


def make_texts(lines: int = 10_000, hunks: int = 200, seed: int = 7) -> tuple[str, str]:
    """A realistic file (with non-ASCII and astral characters) and a copy with `hunks`
    scattered edits: replaced, inserted and deleted lines in turn."""
    rng = random.Random(seed)
    base = [
        f"    value_{i} = compute({i}, {rng.randint(0, 999)})  # ✓ línea 😀\n" for i in range(lines)
    ]
    proposed = list(base)
    step = lines // hunks
    for k in range(hunks):
        at = k * step + rng.randint(0, step - 3)
        kind = k % 3
        if kind == 0:
            proposed[at] = f"    value_{at} = changed({k})\n"
        elif kind == 1:
            proposed[at] = proposed[at] + f"    extra_{k} = 1\n"
        else:
            proposed[at] = ""
    return "".join(base), "".join(proposed)
