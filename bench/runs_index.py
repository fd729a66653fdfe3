"""How long listing the run history takes with 10,000 past runs (issue 17).

Goal: under 20 ms for the listing `orchestra/runs` returns (its default `limit`, 50) and
for what `orchestra runs` gathers by default (the newest 50, how far undo runs took each
back, the batches; `journal_cmd.recent`), the table's printing aside. Creates 10,000
ended runs (run.json, events.jsonl and the index line the journal writer appends), plus a
few whose process died, then prints the median of 3 wall-clock timings of `list_runs` —
limited and whole (`orchestra runs --all`, through the index) —
beside the old full scan (every folder's run.json read and summarised), measured in the
same run on the same files.

    .venv/bin/python bench/runs_index.py
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from orchestra_lsp.cli.journal_cmd import DEFAULT_LIMIT, recent
from orchestra_lsp.journal import RunSummary, list_runs
from orchestra_lsp.journal.ids import is_run_id, new_run_id
from orchestra_lsp.journal.index import append_entry
from orchestra_lsp.journal.models import RUNS_FOLDER
from orchestra_lsp.journal.process import current_process
from orchestra_lsp.journal.reader import _read_meta, _summarise

RUNS = 10_000
DEAD = 5
LIMIT = 50
REPEATS = 3
GOAL_MS = 20.0


def make_runs(workspace: Path) -> None:
    runs = workspace / RUNS_FOLDER
    runs.mkdir(parents=True)
    dead_process = current_process().model_dump(mode="json")
    dead_process["pid"] = 2**22 + 7  # above the default pid_max: no such process
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(RUNS + DEAD):
        started = start + timedelta(minutes=n)
        run_id = new_run_id(started)
        meta = {
            "run_id": run_id,
            "command": "implement-ticket",
            "arguments": {"ticket": f"SHOP-{n}"},
            "workspace": str(workspace),
            "started_at": started.isoformat(),
            "finished_at": None if n >= RUNS else (started + timedelta(seconds=40)).isoformat(),
            "state": "running" if n >= RUNS else "finished",
            "process": dead_process,
            "cost_usd": None if n >= RUNS else 0.12,
        }
        folder = runs / run_id
        folder.mkdir()
        (folder / "run.json").write_text(json.dumps(meta), encoding="utf-8")
        events = [{"type": "usage", "cost_usd": 0.12, "ts": started.isoformat()}]
        (folder / "events.jsonl").write_text(
            "".join(json.dumps(e) + "\n" for e in events), encoding="utf-8"
        )
        append_entry(runs, meta)


def full_scan(workspace: Path) -> list[RunSummary]:
    """The listing as it was before the index: every run folder read."""
    folder = workspace / RUNS_FOLDER
    summaries = []
    for directory in folder.iterdir():
        meta = _read_meta(directory) if is_run_id(directory.name) else None
        if meta is not None:
            summaries.append(_summarise(directory, meta, events=None))
    summaries.sort(key=lambda s: (s.started_at, s.run_id), reverse=True)
    return summaries


def median_ms(action: Callable[[], object]) -> float:
    timings = []
    for _ in range(REPEATS):
        began = time.perf_counter()
        action()
        timings.append((time.perf_counter() - began) * 1000)
    return statistics.median(timings)


def main() -> int:
    with tempfile.TemporaryDirectory() as temporary:
        workspace = Path(temporary)
        make_runs(workspace)
        old = full_scan(workspace)
        new = list_runs(workspace)
        if [s.run_id for s in new] != [s.run_id for s in old] or new != old:
            print("FAIL: the index lists other runs than the full scan")
            return 1
        if list_runs(workspace, LIMIT) != old[:LIMIT]:
            print("FAIL: the newest runs differ from the full scan's")
            return 1
        if [s.state for s in new[:DEAD]] != ["interrupted"] * DEAD:
            print("FAIL: runs whose process died are not reported as interrupted")
            return 1
        shown = recent(workspace, DEFAULT_LIMIT)
        if shown.summaries != old[:DEFAULT_LIMIT] or not shown.more:
            print("FAIL: orchestra runs would show other runs than the newest")
            return 1
        limited = median_ms(lambda: list_runs(workspace, LIMIT))
        cli = median_ms(lambda: recent(workspace, DEFAULT_LIMIT))
        whole = median_ms(lambda: list_runs(workspace))
        scan = median_ms(lambda: full_scan(workspace))
    print(f"{RUNS + DEAD} runs, median of {REPEATS}:")
    print(f"  newest {LIMIT} (orchestra/runs default):        {limited:8.1f} ms")
    print(f"  orchestra runs (default: newest {DEFAULT_LIMIT}):       {cli:8.1f} ms")
    print(f"  index, all runs (orchestra runs --all):      {whole:8.1f} ms")
    print(f"  old full scan, all runs (the peer):          {scan:8.1f} ms")
    held = True
    for name, figure in ((f"orchestra/runs, newest {LIMIT}", limited), ("orchestra runs", cli)):
        verdict = "PASS" if figure < GOAL_MS else "FAIL"
        held = held and verdict == "PASS"
        print(f"  goal: {name} < {GOAL_MS:g} ms at {RUNS} runs ({figure:.1f} ms): {verdict}")
    return 0 if held else 1


if __name__ == "__main__":
    sys.exit(main())
