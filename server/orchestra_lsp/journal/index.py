"""The run index: `.orchestra/runs/index.jsonl`, one line per run.json write.

Each line is the run's :class:`RunMeta` as JSON; the last line of a run id wins. Writers
append a whole line with one `write` on an O_APPEND descriptor, so several `orchestra run`
processes and the language server can append at once without interleaving (POSIX keeps
a single append write together on local file systems). The index is a cache of the run
folders, never the record: an unreadable line is skipped, and a run folder the index does
not name (a journal from before the index, a lost append) is read from its run.json and
appended, so a missing or corrupt index is rebuilt rather than trusted. SQLite was
considered; one append-only text file needs no locking and survives a kill mid-write
with at most one unreadable line.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from orchestra_lsp.journal.files import dumps
from orchestra_lsp.journal.ids import is_run_id

logger = logging.getLogger(__name__)

INDEX_FILE = "index.jsonl"


def append_entry(runs: Path, meta: dict[str, Any]) -> None:
    """Append one run's run.json content (a JSON object) as a line of the index.

    Raises OSError when the file cannot be written."""
    line = dumps(meta) + b"\n"
    descriptor = os.open(runs / INDEX_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(descriptor, line)
    finally:
        os.close(descriptor)


def read_entries(runs: Path) -> dict[str, dict[str, Any]]:
    """The latest index line of every run id (raw JSON objects, not yet validated); lines
    that cannot be read are skipped."""
    try:
        data = (runs / INDEX_FILE).read_bytes()
    except FileNotFoundError:
        return {}
    entries: dict[str, dict[str, Any]] = {}
    skipped = 0
    for line in data.splitlines():
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            entry = None
        run_id = entry.get("run_id") if isinstance(entry, dict) else None
        if isinstance(run_id, str) and is_run_id(run_id) and isinstance(entry, dict):
            entries[run_id] = entry
        else:
            skipped += 1
    if skipped:
        logger.warning("%s: skipped %d unreadable line(s)", runs / INDEX_FILE, skipped)
    return entries


def run_folders(runs: Path) -> set[str]:
    """The names of the run folders under `runs` (one directory listing, no stat)."""
    try:
        return {name for name in os.listdir(runs) if is_run_id(name)}
    except FileNotFoundError:
        return set()


def rewrite(runs: Path, entries: dict[str, dict[str, Any]]) -> None:
    """Replace the index with one line per entry (after a prune); atomic."""
    from orchestra_lsp.changes.files import write_atomic

    data = b"".join(dumps(entry) + b"\n" for entry in entries.values())
    write_atomic(runs / INDEX_FILE, data)
