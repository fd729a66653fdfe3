"""Pruning the journal: removing old run folders a person no longer needs.

Nothing is removed on its own; `orchestra runs --prune` applies the retention below. Only
runs that ended (`finished`, `failed`, `cancelled`) without a pending proposal go: a
running or interrupted run, or one whose changeset still waits for review, is kept.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from orchestra_lsp.journal import index
from orchestra_lsp.journal.models import RUNS_FOLDER, RunSummary
from orchestra_lsp.journal.reader import list_runs

DEFAULT_KEEP = 200
"""Runs kept by default: the newest 200, whatever their age."""
DEFAULT_OLDER_THAN_DAYS = 30.0
"""Of the rest, only runs started more than 30 days ago are removed by default."""

ENDED = ("finished", "failed", "cancelled")


def prune_runs(
    workspace: Path,
    keep: int = DEFAULT_KEEP,
    older_than_days: float = DEFAULT_OLDER_THAN_DAYS,
    now: datetime | None = None,
) -> list[RunSummary]:
    """Remove the ended runs that are outside the newest `keep` runs and started more than
    `older_than_days` days before `now`; returns the removed runs, newest first.

    Raises ValueError for a negative `keep` or `older_than_days`, OSError when a folder
    cannot be removed (the runs removed before it stay removed and out of the index)."""
    if keep < 0 or older_than_days < 0:
        raise ValueError("--keep and --older-than must not be negative")
    cutoff = (now or datetime.now(UTC)) - timedelta(days=older_than_days)
    runs = workspace / RUNS_FOLDER
    removed: list[RunSummary] = []
    try:
        for summary in list_runs(workspace)[keep:]:
            if (
                summary.state in ENDED
                and not summary.pending_proposal
                and _aware(summary.started_at) < cutoff
            ):
                shutil.rmtree(runs / summary.run_id)
                removed.append(summary)
    finally:
        if removed:
            entries = index.read_entries(runs)
            for summary in removed:
                entries.pop(summary.run_id, None)
            index.rewrite(runs, entries)
    return removed


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
