"""The page of a batch: one self-contained HTML page with a row per item (its state,
verdicts and cost) linking each item's own run page, written beside it.

Item run pages are written where their journals are (`report.html` in each run's
folder); links are relative to the batch page, so the folder can be moved whole (a CI
artifact). An item whose journal is not here (a shard run elsewhere) is named, not
linked."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

from orchestra_lsp.journal import RunNotFoundError, load_run_folder
from orchestra_lsp.redaction import Redactor
from orchestra_lsp.reports.page import (
    PAGE_FILE,
    environment,
    workspace_redactor,
    write_page_of_run,
    write_run_page,
)

if TYPE_CHECKING:  # the engine imports reports, not the other way round at import time
    from orchestra_lsp.engine.batch import BatchSummary

BAR_PX = 120.0
"""Width of the dearest item's cost bar, in CSS pixels."""


class ItemRow(BaseModel):
    item: str
    state: str
    error: str | None
    verdicts: str
    cost_usd: float
    bar: float
    """Cost bar width in CSS pixels (BAR_PX for the dearest item)."""
    run_id: str | None
    page: str | None
    """The item's run page, relative to the batch page (None: not written here)."""
    branch: str | None


def write_batch_page(
    workspace: Path,
    summary: BatchSummary,
    target: Path,
    runs_folders: list[Path],
) -> Path:
    """Write each item's run page (from the first of `runs_folders` holding its
    journal, each a `.orchestra/runs` folder) and the batch page at `target`; return
    `target`. The workspace's secrets are redacted as in the journal."""
    from orchestra_lsp.engine.batch import format_verdicts

    target = target.resolve()
    redactor = workspace_redactor(workspace)
    target.parent.mkdir(parents=True, exist_ok=True)
    dearest = max((item.cost_usd for item in summary.items), default=0.0)
    rows: list[ItemRow] = []
    for item in summary.items:
        page = _item_page(workspace, item.run_id, runs_folders, redactor) if item.run_id else None
        rows.append(
            ItemRow(
                item=item.item,
                state=item.state,
                error=item.error,
                verdicts=format_verdicts(item.verdicts),
                cost_usd=item.cost_usd,
                bar=BAR_PX * item.cost_usd / dearest if dearest > 0 else 0.0,
                run_id=item.run_id,
                page=Path(os.path.relpath(page, target.parent)).as_posix() if page else None,
                branch=item.branch,
            )
        )
    html = (
        environment()
        .get_template("batch.html.j2")
        .render(
            batch=summary,
            rows=rows,
            finished=sum(1 for item in summary.items if item.state == "finished"),
        )
    )
    target.write_text(redactor.redact_text(html), encoding="utf-8")
    return target


def _item_page(
    workspace: Path, run_id: str, runs_folders: list[Path], redactor: Redactor
) -> Path | None:
    """The item's run page, written beside its journal; None when no folder has it."""
    for runs in runs_folders:
        folder = runs / run_id
        if not (folder / "events.jsonl").is_file():
            continue
        if runs.resolve() == (workspace / ".orchestra" / "runs").resolve():
            try:
                return write_page_of_run(workspace, run_id)
            except RunNotFoundError:
                return None
        return _page_elsewhere(folder, redactor)
    return None


def _page_elsewhere(folder: Path, redactor: Redactor) -> Path | None:
    """The page of a run whose journal was brought here (a shard's CI artifact)."""
    try:
        record = load_run_folder(folder)
    except RunNotFoundError:
        return None
    return write_run_page(record, folder, folder / PAGE_FILE, redactor)
