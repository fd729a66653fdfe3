"""The shapes of the journal: run.json on disk, and what readers get back."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from orchestra_lsp.journal.process import ProcessIdentity

RunState = Literal["running", "finished", "failed", "cancelled", "interrupted"]
"""`interrupted`: the run ended without saying how — its process died, or its writer was
closed before a run_finished / run_failed / run_cancelled event."""

#: The event types that end a run, and the state each leaves it in.
TERMINAL_EVENTS: dict[str, RunState] = {
    "run_finished": "finished",
    "run_failed": "failed",
    "run_cancelled": "cancelled",
}

#: The word a person reads for a state, where it is not the state's own (the CLI, the
#: reports): a run a person, a gate or a hook ended is `stopped`, as its live output
#: says; the data (journal, JSON, the protocol) keeps `cancelled`.
STATE_WORDS: dict[str, str] = {"cancelled": "stopped"}


def said(state: str) -> str:
    """`state` (of a run or a batch item) as a person reads it: see `STATE_WORDS`."""
    return STATE_WORDS.get(state, state)


def stopped(reason: object) -> str:
    """A stopped run's line: `stopped`, with the reason when it says more than that a
    person stopped it (the engine's plain reason is the state's own name)."""
    text = str(reason or "")
    return "stopped" if text in ("", "cancelled") else f"stopped: {text}"


RUNS_FOLDER = Path(".orchestra") / "runs"


class RunMeta(BaseModel):
    """run.json: what the run is, who runs it and how it stands; rewritten atomically."""

    run_id: str
    command: str
    arguments: dict[str, Any]
    workspace: str
    started_at: datetime
    finished_at: datetime | None = None
    state: RunState = "running"
    process: ProcessIdentity
    cost_usd: float | None = None
    """Total of the usage events' `cost_usd`, written when the run ends."""
    cache_read_share: float | None = None
    """Of every prompt token the run sent, the share (0 to 1) read from the prompt cache;
    written when the run ends (None without a model call)."""
    models: list[str] = []
    """The models the run's requests named (its usage events'), in order of first use;
    written when the run ends."""


class RunSummary(BaseModel):
    """One line of the run history (`orchestra runs`, `orchestra/runs`)."""

    run_id: str
    command: str
    arguments: dict[str, Any]
    state: RunState
    started_at: datetime
    finished_at: datetime | None
    cost_usd: float | None
    models: list[str] = []
    """The models the run called (see :class:`RunMeta.models`)."""
    pending_proposal: bool
    """A changeset was proposed and not settled: for an interrupted run, it can be
    recovered from :class:`RunRecord.changeset`."""


class RunRecord(BaseModel):
    """Everything the journal knows about one run."""

    summary: RunSummary
    workspace: str
    events: list[dict[str, Any]]
    changeset: dict[str, Any] | None
    skipped_lines: int = 0
    """Lines of events.jsonl that could not be read (a write cut short by a kill)."""
