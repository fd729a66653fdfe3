"""A headless run's report, saved beside its journal as `<run dir>/report.md`.

The report is the output of the step named `report` when the command has one (a QA
run writes its report there and posts it on the ticket in a later step), else the
run's final output, the last step's (an implementation run's review). It is read
from the journal, so it is exactly what the run recorded, secrets redacted.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from orchestra_lsp.journal import read_events

REPORT_FILE = "report.md"
REPORT_STEP = "report"


def report_text(events: Iterable[dict[str, Any]]) -> str | None:
    """The report of a run, from its journal events; None when the run left none."""
    named: str | None = None
    final: str | None = None
    for event in events:
        kind = event.get("type")
        if kind == "step_finished" and event.get("step_id") == REPORT_STEP:
            named = str(event.get("output") or "")  # a revised step: its last answer
        elif kind == "run_finished":
            final = str(event.get("output") or "")
    text = named if named is not None else final
    return text if text and text.strip() else None


def save_report(journal_dir: Path) -> Path | None:
    """Write the run's report to `report.md` in its journal folder; its path, or None."""
    events, _ = read_events(journal_dir / "events.jsonl")
    text = report_text(events)
    if text is None:
        return None
    path = journal_dir / REPORT_FILE
    path.write_text(text.rstrip() + "\n", encoding="utf-8")
    return path
