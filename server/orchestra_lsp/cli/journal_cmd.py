"""`orchestra runs` and `orchestra show RUN`: the journal, read back."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

from rich.markup import escape

from orchestra_lsp.changes import Changeset
from orchestra_lsp.cli.tables import print_table, unwrapped_console
from orchestra_lsp.cli.terminal import diff_text, models_said, result_preview, unified_diff
from orchestra_lsp.cli.words import counted
from orchestra_lsp.durations import for_people
from orchestra_lsp.engine import FileReview
from orchestra_lsp.engine.batch import BATCHES, BatchSummary, list_batches
from orchestra_lsp.engine.undo import Undone, undo_outlook, undone_runs
from orchestra_lsp.journal import RunNotFoundError, RunSummary, list_runs, load_run
from orchestra_lsp.journal.index import run_folders
from orchestra_lsp.journal.models import RUNS_FOLDER, said, stopped
from orchestra_lsp.journal.retention import (
    DEFAULT_KEEP,
    DEFAULT_OLDER_THAN_DAYS,
    prune_runs,
)
from orchestra_lsp.reports import write_page_of_run

#: Runs `orchestra runs` lists unless told otherwise, as `orchestra/runs` does: the
#: newest are read from their folders alone, so the listing costs the same at any history.
DEFAULT_LIMIT = 50


def register_runs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print as JSON")
    shown = parser.add_mutually_exclusive_group()
    shown.add_argument(
        "--limit",
        type=_some,
        default=DEFAULT_LIMIT,
        metavar="N",
        help=f"list the N newest runs (default {DEFAULT_LIMIT})",
    )
    shown.add_argument(
        "--all",
        dest="limit",
        action="store_const",
        const=None,
        help="list every run (reads the whole history)",
    )
    parser.add_argument(
        "--prune",
        action="store_true",
        help="delete old ended runs (finished, failed, cancelled; never running, interrupted "
        "or with a pending review) and print what was removed",
    )
    parser.add_argument(
        "--keep",
        type=_count,
        default=None,  # None: not given (it needs --prune), DEFAULT_KEEP applies
        metavar="N",
        help=f"with --prune: always keep the N newest runs (default {DEFAULT_KEEP})",
    )
    parser.add_argument(
        "--older-than",
        type=_days,
        default=None,  # None: not given (it needs --prune), the default applies
        metavar="DAYS",
        help="with --prune: remove only runs started more than DAYS days ago "
        f"(default {DEFAULT_OLDER_THAN_DAYS:g})",
    )


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {text!r}")
    return value


def _some(text: str) -> int:
    """A count of runs to list: 0 would list none and say there are none."""
    value = _count(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be 1 or more (or --all for every run)")
    return value


def _days(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of days: {text!r}") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number of days, 0 or more: {text!r}")
    return value


def _prune(args: argparse.Namespace) -> int:
    workspace = args.workspace.resolve()
    keep = DEFAULT_KEEP if args.keep is None else args.keep
    days = DEFAULT_OLDER_THAN_DAYS if args.older_than is None else args.older_than
    try:
        removed = prune_runs(workspace, keep=keep, older_than_days=days)
    except OSError as error:
        print(f"orchestra runs --prune: {error}")
        return 1
    if args.json:
        print(json.dumps([s.model_dump(mode="json") for s in removed], indent=2))
    elif not removed:
        print(_nothing_pruned(workspace, args, keep, days))
    else:
        for s in removed:
            print(f"removed {s.run_id} ({s.command}, {said(s.state)})")
        print(f"removed {len(removed)} run(s)")
    return 0


def _nothing_pruned(workspace: Path, args: argparse.Namespace, keep: int, days: float) -> str:
    """Why `--prune` removed nothing, naming the rules that held each run back, the
    defaults among them (`--keep` alone still keeps runs younger than 30 days)."""
    summaries = list_runs(workspace)
    if not summaries:
        return "nothing to prune: no runs yet"
    cutoff = datetime.now(UTC) - timedelta(days=days)
    rest = summaries[keep:]
    young = [s for s in rest if s.started_at.replace(tzinfo=s.started_at.tzinfo or UTC) >= cutoff]
    held = len(rest) - len(young)  # old enough, yet not ended or with a review waiting

    def default(given: object) -> str:
        return ", the default" if given is None else ""

    kept = min(keep, len(summaries))
    newest = "the newest run is" if kept == 1 else f"the newest {kept} are"
    reasons = [f"{newest} kept (--keep {keep}{default(args.keep)})"] if kept else []
    if young:
        reasons.append(
            f"{len(young)} started less than {days:g} days ago "
            f"(--older-than {days:g}{default(args.older_than)})"
        )
    if held:
        verb = "is" if held == 1 else "are"
        reasons.append(f"{held} {verb} running, interrupted or waiting for review")
    return f"nothing to prune: of {counted(len(summaries), 'run')}, " + "; ".join(reasons)


def register_show(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run", help="a run id (or a unique prefix of one), or `last`")
    parser.add_argument("--json", action="store_true", help="print the whole record as JSON")
    parser.add_argument(
        "--html",
        nargs="?",
        const=True,
        type=Path,
        metavar="FILE",
        help="write the run's page (report, timeline, cost, diff) as one self-contained "
        "HTML file; default: report.html in the run's journal folder",
    )


class Recent(NamedTuple):
    """What `orchestra runs` shows: the newest runs, whether older ones exist, how far
    undo runs took each back, and the batches."""

    summaries: list[RunSummary]
    more: bool
    undone: dict[str, Undone]
    batches: list[BatchSummary]


def recent(root: Path, limit: int | None) -> Recent:
    """The `limit` newest runs of `root` (all for None) and what is shown beside them
    (an undo is newer than what it undoes, so it is among them)."""
    summaries = list_runs(root, None if limit is None else limit + 1)
    more = limit is not None and len(summaries) > limit
    summaries = summaries[:limit]
    return Recent(summaries, more, undone_runs(root, summaries), list_batches(root, limit))


def runs(args: argparse.Namespace) -> int:
    if args.prune:
        return _prune(args)
    given = {"--keep": args.keep, "--older-than": args.older_than}
    alone = [option for option, value in given.items() if value is not None]
    if alone:
        print(
            f"orchestra runs: {' and '.join(alone)} only go with --prune (they choose the "
            "runs it removes); add --prune",
            file=sys.stderr,
        )
        return 2
    root = args.workspace.resolve()
    summaries, more, undone, batches = recent(root, args.limit)
    batch_of = {item.run_id: b.batch_id for b in batches for item in b.items if item.run_id}
    if args.json:
        listed = [
            {
                **s.model_dump(mode="json"),
                "undone": undone[s.run_id].model_dump() if s.run_id in undone else None,
                "batch": batch_of.get(s.run_id),
            }
            for s in summaries
        ]
        print(json.dumps(listed, indent=2))
        return 0
    if not summaries and not batches:
        print("no runs yet (they are recorded under .orchestra/runs/)")
        return 0
    rows = [
        [
            s.run_id,
            _command_line(s),
            said(s.state) + (", review pending" if s.pending_proposal else ""),
            s.started_at.strftime("%m-%d %H:%M"),
            "" if s.cost_usd is None else f"${s.cost_usd:.4f}",
            undone[s.run_id].label() if s.run_id in undone else "",
        ]
        for s in summaries
    ]
    print_table(
        "Runs",
        ["run", "command", "state", "started", "cost", "undone"],
        rows,
        short=("started", "cost"),
    )
    if more:
        unwrapped_console().print(
            f"the newest {counted(len(summaries), 'run')}; older ones: orchestra runs --all "
            "(or --limit N)"
        )
    if batches:
        _print_batches(root, batches)
    return 0


def _command_line(summary: RunSummary) -> str:
    """The command and its argument values, each once: a review run's name already
    holds the run it reviews (`review of RUN`), which is also its `run` argument."""
    words = summary.command.split()
    values = [str(v) for v in summary.arguments.values() if str(v) not in words]
    return " ".join([summary.command, *values])


def _print_batches(root: Path, batches: list[BatchSummary]) -> None:
    """The batches (`orchestra batch`), their items by state, and how to see one."""
    rows = [
        [
            b.batch_id,
            f"{b.command} over {b.argument}" + (f" (shard {b.shard})" if b.shard else ""),
            b.progress(),
            b.started_at.strftime("%m-%d %H:%M"),
            f"${b.cost_usd:.4f}",
        ]
        for b in batches
    ]
    print()
    print_table(
        "Batches", ["batch", "command", "items", "started", "cost"], rows, short=("started", "cost")
    )
    folder = root / RUNS_FOLDER / BATCHES
    with contextlib.suppress(ValueError):
        folder = folder.relative_to(Path.cwd())
    unwrapped_console().print(
        f"see one: orchestra batch-report {escape(str(folder))}/BATCH (add --html FILE for a page)"
    )


def find_run(args: argparse.Namespace) -> str | None:
    """The run `args.run` names (`last`, or a unique prefix of an id), from the names of
    the run folders: no other run's record is read."""
    root = args.workspace.resolve()
    if args.run == "last":
        newest = list_runs(root, 1)
        return newest[0].run_id if newest else None
    matches = [name for name in run_folders(root / RUNS_FOLDER) if name.startswith(args.run)]
    return matches[0] if len(matches) == 1 else None


def no_run(args: argparse.Namespace) -> str:
    """What to say when `find_run` found none: that there are no runs at all, if so."""
    if not list_runs(args.workspace.resolve(), 1):
        return "orchestra: no runs yet in this workspace; start one with `orchestra run`"
    return f"orchestra: no single run matches {args.run!r}; see `orchestra runs`"


def show(args: argparse.Namespace) -> int:
    run_id = find_run(args)
    if run_id is None:
        print(no_run(args))
        return 2
    try:
        record = load_run(args.workspace.resolve(), run_id)
    except RunNotFoundError as error:
        print(f"orchestra: {error}")
        return 2
    if args.json:
        print(record.model_dump_json(indent=2))
        return 0
    if args.html:
        target = None if args.html is True else args.html
        print(write_page_of_run(args.workspace, run_id, target))
        return 0
    console = unwrapped_console()
    s = record.summary
    console.print(f"[bold]{s.run_id}[/] {escape(s.command)} {escape(json.dumps(s.arguments))}")
    cost = "" if s.cost_usd is None else f" · cost ${s.cost_usd:.4f}"
    models = f" · {models_said(s.models)}" if s.models else ""
    console.print(
        f"state {said(s.state)} · started {s.started_at:%Y-%m-%d %H:%M:%S}{cost}" + escape(models)
    )
    for event in record.events:
        line = _describe(event)
        if line:
            console.print(line)
    if record.skipped_lines:
        console.print(f"[yellow]{record.skipped_lines} unreadable line(s) skipped[/]")
    if record.changeset:
        console.print("\n[bold]Pending proposal[/] (not applied):")
        for change in Changeset.model_validate(record.changeset).files.values():
            review = FileReview(
                path=change.path,
                base_text=change.base_text,
                proposed_text=change.proposed_text,
                base_version=change.base_version,
                hunks=change.hunks(),
            )
            console.print(diff_text(unified_diff(review)), soft_wrap=True)
    root = args.workspace.resolve()
    undone = undone_runs(root, list_runs(root)).get(s.run_id)
    if undone is not None:
        console.print(f"\n[bold]Undone[/] {escape(undone.label())}")
    outlook = undo_outlook(root, s.run_id) if s.state != "running" else []
    if outlook:
        console.print(f"\n[bold]If undone now[/] (orchestra undo {s.run_id}):")
        for line in outlook:
            console.print(f"  {escape(line)}")
    return 0


def _duration(value: object) -> str:
    """A journal's `duration_ms` for people; a line written by hand may hold anything."""
    return for_people(value) if isinstance(value, int | float) else "?"


def _tool_line(event: dict[str, Any]) -> str:
    """A finished tool call as the run's output said it: its time and its result's start."""
    summary = event.get("summary")
    preview = result_preview(summary) if isinstance(summary, str) else ""
    return (
        f"  {event.get('tool')} · {_duration(event.get('duration_ms'))}"
        + (" · error" if event.get("is_error") else "")
        + (f" · {preview}" if preview else "")
    )


def _describe(event: dict[str, Any]) -> str:
    kind = event.get("type")
    when = str(event.get("ts", ""))[11:19]
    text: str | None = {
        "step_started": f"step {event.get('step_id')} · agent {event.get('agent')}"
        + (f" · model {event.get('model')}" if event.get("model") else ""),
        "tool_call_finished": _tool_line(event),
        "permission_decided": f"  permission {event.get('verdict')} {event.get('tool')} "
        f"({event.get('by')}: {event.get('reason')})",
        "gate_decided": f"  gate {event.get('gate')}: {event.get('decision')} by {event.get('by')}"
        + (f" --gate {event.get('preset')}" if event.get("preset") else "")
        + (f" — {event.get('feedback')}" if event.get("feedback") else "")
        + (f", edited: {str(event.get('output', ''))[:200]}" if event.get("edited") else ""),
        "proposal_decided": f"  {event.get('path')}: {event.get('outcome')} "
        f"({len(event.get('accepted') or [])} hunk(s) accepted, "
        f"{len(event.get('rejected') or [])} rejected)",
        "step_finished": f"  output: {str(event.get('output', ''))[:200]}",
        "notice": f"  {event.get('level')}: {event.get('message')}",
        "run_finished": "finished",
        "run_failed": f"failed: {event.get('error')}",
        "run_cancelled": stopped(event.get("reason")),
    }.get(str(kind))
    return f"[dim]{when}[/] {escape(text)}" if text else ""
