"""Reading the journal back: the run history and one run's full record.

A run whose run.json still says `running` but whose process is gone (killed, crashed,
machine rebooted) is reported as `interrupted`; its pending changeset is still in
changeset.json and comes back with :func:`load_run`. A line of events.jsonl that cannot
be parsed — the last one, when the process was killed mid-write — is skipped and counted.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from orchestra_lsp.journal import index
from orchestra_lsp.journal.files import fsync_directory
from orchestra_lsp.journal.ids import is_run_id
from orchestra_lsp.journal.models import RUNS_FOLDER, RunMeta, RunRecord, RunState, RunSummary
from orchestra_lsp.journal.process import is_alive
from orchestra_lsp.journal.writer import CHANGESET_FILE, EVENTS_FILE, RUN_FILE

logger = logging.getLogger(__name__)


class RunNotFoundError(LookupError):
    """No readable run with this id in the workspace's journal."""


def list_runs(workspace: Path, limit: int | None = None) -> list[RunSummary]:
    """Every readable run of the workspace, newest first; at most `limit` of them.

    Reads the run index (`index.jsonl`, see :mod:`.index`) and one listing of the runs
    folder; a folder the index lacks is read from its run.json and added to the index.
    Liveness (`running` → `interrupted`), cost of unfinished runs and pending proposals
    are worked out for the returned runs only."""
    folder = workspace / RUNS_FOLDER
    if limit is not None:
        return _newest(folder, limit)
    if not folder.is_dir():
        return []
    folders = index.run_folders(folder)
    entries = index.read_entries(folder)
    for run_id in sorted(folders - entries.keys()):
        meta = _read_meta(folder / run_id)
        if meta is None:
            continue
        entries[run_id] = meta.model_dump(mode="json")
        try:
            index.append_entry(folder, entries[run_id])
        except OSError as error:
            logger.warning("%s: cannot update the run index (%s)", folder, error)
    ordered = sorted(
        (entry for run_id, entry in entries.items() if run_id in folders),
        key=lambda entry: (str(entry.get("started_at", "")), entry["run_id"]),
        reverse=True,
    )
    summaries: list[RunSummary] = []
    for entry in ordered:
        if limit is not None and len(summaries) >= limit:
            break
        directory = folder / entry["run_id"]
        meta = _entry_meta(entry)
        if meta is None or meta.state == "running":
            # The index may lag run.json (an append lost to a kill): ask the run itself.
            meta = _read_meta(directory)
        if meta is not None:
            summaries.append(_summarise(directory, meta, events=None))
    summaries.sort(key=lambda summary: (summary.started_at, summary.run_id), reverse=True)
    return summaries


def _newest(folder: Path, limit: int) -> list[RunSummary]:
    """The newest `limit` runs without reading the others: run ids start with their
    start time (`YYYYMMDD-HHMMSS-`), so the newest folders are the last names in order;
    one second's worth more is read so runs started in the same second sort by time.
    Only the names read are checked to be run ids: one sort of the listing is the cost
    of the rest of the history."""
    try:
        names = sorted(os.listdir(folder), reverse=True)
    except (FileNotFoundError, NotADirectoryError):
        return []
    summaries: list[RunSummary] = []
    boundary: str | None = None  # the start second of the last of the first `limit`
    for name in names:
        if len(summaries) >= limit and (boundary is None or name[:15] != boundary):
            break  # an unreadable run.json does not shorten the page
        if not is_run_id(name):
            continue
        if (meta := _read_meta(folder / name)) is not None:
            summaries.append(_summarise(folder / name, meta, events=None))
            if len(summaries) == limit:
                boundary = name[:15]
    summaries.sort(key=lambda summary: (summary.started_at, summary.run_id), reverse=True)
    return summaries[:limit]


def _entry_meta(entry: dict[str, Any]) -> RunMeta | None:
    try:
        return RunMeta.model_validate(entry)
    except ValidationError:
        return None


def load_run(workspace: Path, run_id: str) -> RunRecord:
    """The run's summary, events and pending changeset; raises RunNotFoundError."""
    if not is_run_id(run_id):
        raise RunNotFoundError(f"no run {run_id!r} in {workspace / RUNS_FOLDER}")
    return load_run_folder(workspace / RUNS_FOLDER / run_id)


def load_run_folder(directory: Path) -> RunRecord:
    """The run kept in `directory` (a run's folder, wherever it was copied: a CI
    artifact, say); raises RunNotFoundError when it holds no readable run.json."""
    meta = _read_meta(directory)
    if meta is None:
        raise RunNotFoundError(f"no run in {directory}")
    events, skipped = read_events(directory / EVENTS_FILE)
    return RunRecord(
        summary=_summarise(directory, meta, events=events),
        workspace=meta.workspace,
        events=events,
        changeset=_read_changeset(directory / CHANGESET_FILE),
        skipped_lines=skipped,
    )


def settle_pending(workspace: Path, run_id: str) -> None:
    """The run's pending changeset was reviewed elsewhere (a recovery run, whose own
    journal records the decisions): it is pending no more."""
    if not is_run_id(run_id):
        raise RunNotFoundError(f"no run {run_id!r}")
    directory = workspace / RUNS_FOLDER / run_id
    (directory / CHANGESET_FILE).unlink(missing_ok=True)
    fsync_directory(directory)


def read_events(path: Path) -> tuple[list[dict[str, Any]], int]:
    """The events of an events.jsonl file and the number of unreadable lines skipped."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return [], 0
    events: list[dict[str, Any]] = []
    skipped = 0
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            event = None
        if isinstance(event, dict):
            events.append(event)
        else:
            skipped += 1
    if skipped:
        logger.warning("%s: skipped %d unreadable line(s)", path, skipped)
    return events, skipped


def _summarise(directory: Path, meta: RunMeta, events: list[dict[str, Any]] | None) -> RunSummary:
    """The summary of a run; reads its events only when run.json cannot say it all (a run
    that did not end cleanly has no final cost or end time there)."""
    state: RunState = meta.state
    if state == "running" and not is_alive(meta.process):
        state = "interrupted"
    cost, finished_at, models = meta.cost_usd, meta.finished_at, meta.models
    if meta.state in ("running", "interrupted"):
        if events is None:
            events, _ = read_events(directory / EVENTS_FILE)
        cost = _total_cost(events)
        models = _models(events)
        if state == "interrupted":
            finished_at = finished_at or _last_time(events)
    return RunSummary(
        run_id=meta.run_id,
        command=meta.command,
        arguments=meta.arguments,
        state=state,
        started_at=meta.started_at,
        finished_at=finished_at,
        cost_usd=cost,
        models=models,
        pending_proposal=(directory / CHANGESET_FILE).is_file(),
    )


def _total_cost(events: list[dict[str, Any]]) -> float | None:
    costs = [
        event["cost_usd"]
        for event in events
        if event.get("type") == "usage"
        and isinstance(event.get("cost_usd"), int | float)
        and not isinstance(event.get("cost_usd"), bool)
    ]
    return float(sum(costs)) if costs else None


def _models(events: list[dict[str, Any]]) -> list[str]:
    """The models the usage events name, in order of first use."""
    named = [e.get("model") for e in events if e.get("type") == "usage"]
    return list(dict.fromkeys(m for m in named if isinstance(m, str)))


def _last_time(events: list[dict[str, Any]]) -> datetime | None:
    for event in reversed(events):
        try:
            return datetime.fromisoformat(event["ts"])
        except (KeyError, TypeError, ValueError):
            continue
    return None


def _read_meta(directory: Path) -> RunMeta | None:
    try:
        return RunMeta.model_validate_json((directory / RUN_FILE).read_bytes())
    except (OSError, ValidationError) as error:
        logger.debug("%s: not a readable run (%s)", directory, error)
        return None


def _read_changeset(path: Path) -> dict[str, Any] | None:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        logger.warning("%s: unreadable changeset (%s)", path, error)
        return None
    return value if isinstance(value, dict) else None
