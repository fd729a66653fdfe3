"""A stopped run reads `stopped` wherever a person reads it; the engine's plain reason
(`cancelled`, the state's own data name) is not repeated after it, a reason that says
more is."""

from __future__ import annotations

import pytest

from orchestra_lsp.journal.models import stopped


@pytest.mark.parametrize(
    ("reason", "line"),
    [
        ("cancelled", "stopped"),
        ("", "stopped"),
        (None, "stopped"),
        ("the gate 'design' was rejected", "stopped: the gate 'design' was rejected"),
        ("max_cost_usd 0.5 reached", "stopped: max_cost_usd 0.5 reached"),
    ],
)
def test_a_stopped_runs_line(reason: str | None, line: str) -> None:
    assert stopped(reason) == line
