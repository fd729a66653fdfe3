"""`orchestra batch COMMAND --each …` and `orchestra batch-report DIR…`.

The batch itself (items, shards, worktrees, the manifest, merging shards) lives in
`engine/batch.py`; this module reads the command line, shows each item's progress as
prefixed lines, and prints the summary.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from orchestra_lsp.cli.console import TerminalConsole
from orchestra_lsp.cli.run_cmd import add_gate_option
from orchestra_lsp.cli.tables import unwrapped_console
from orchestra_lsp.engine import (
    Engine,
    Event,
    RunRequestError,
    bind_arguments,
)
from orchestra_lsp.engine import events as ev
from orchestra_lsp.engine.batch import (
    BatchError,
    BatchItem,
    BatchOptions,
    BatchPlan,
    BatchRunner,
    BatchSummary,
    ItemResult,
    Unattended,
    format_verdicts,
    make_plan,
    merge_batches,
    parse_shard,
    parse_tool_call,
    tool_items,
    values_of,
)
from orchestra_lsp.engine.gate_answers import parse_gate_answers
from orchestra_lsp.journal.models import RUNS_FOLDER, said
from orchestra_lsp.reports import write_batch_page


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("command", help="the command to run once per item")
    parser.add_argument(
        "arguments", nargs="*", help="arguments every item shares, in order or as name=value"
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--each",
        metavar="NAME=V1,V2|NAME=@FILE",
        help="the items: values of argument NAME, comma-separated, or one a line in FILE",
    )
    source.add_argument(
        "--each-from",
        metavar="'[NAME=]mcp__SERVER__TOOL {JSON}'",
        help="the items: what an MCP tool call of the workspace lists",
    )
    parser.add_argument(
        "--parallel", "-j", type=int, default=1, metavar="N", help="items at a time (default 1)"
    )
    parser.add_argument("--yes", "-y", action="store_true", help="let every gate pass by policy")
    parser.add_argument(
        "--apply", action="store_true", help="with --yes: write accepted changes (in worktrees)"
    )
    add_gate_option(parser)
    parser.add_argument("--plan", action="store_true", help="list the items and run nothing")
    parser.add_argument(
        "--shard", metavar="K/N", help="run only shard K of N (item i goes to shard i mod N + 1)"
    )
    _output_options(parser)


def register_report(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "places",
        nargs="+",
        type=Path,
        metavar="DIR",
        help="folders holding batch journals (a workspace, .orchestra/runs, CI artifacts)",
    )
    _output_options(parser)


def _output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument(
        "--report", type=Path, metavar="FILE", help="also write the summary as Markdown to FILE"
    )
    parser.add_argument(
        "--html",
        type=Path,
        metavar="FILE",
        help="also write the summary as one HTML page to FILE, each item linking its run's page",
    )


def run(args: argparse.Namespace) -> int:
    """Exit 0 when every item finished, 1 when any did not, 2 on bad input."""
    console = TerminalConsole(stderr=True, highlight=False) if args.json else unwrapped_console()
    try:
        if args.parallel < 1:
            raise BatchError("--parallel takes a number of items, 1 or more")
        if args.apply and not args.yes:
            raise BatchError("--apply goes with --yes (it writes what --yes accepts)")
        shard = parse_shard(args.shard) if args.shard else None
        options = BatchOptions(
            parallel=args.parallel,
            yes=args.yes,
            apply=args.apply,
            gates=parse_gate_answers(args.gate),
            shard=shard,
        )
        runner = asyncio.run(_prepare(args, options, console))
        if runner is None:
            return 0
        summary = asyncio.run(runner.run())
    except RunRequestError as error:
        print(f"orchestra: {error}", file=sys.stderr)
        return 2
    console.print(f"[dim]batch summary: {runner.folder / 'summary.md'}[/]", soft_wrap=True)
    return _finish(summary, args, console, [runner.root / RUNS_FOLDER])


async def _prepare(
    args: argparse.Namespace, options: BatchOptions, console: Console
) -> BatchRunner | None:
    """The plan (printed and None with --plan), else a runner ready to go."""
    engine = Engine(args.workspace)
    try:
        await engine.prepare(args.command)
        command = engine.command(args.command)
        if command is None:
            raise BatchError(engine.no_command(args.command))
        fixed = bind_arguments(command, args.arguments)
        name: str | None
        if args.each is not None:
            name, values = values_of(args.each, Path.cwd())
        else:
            name, tool, arguments = parse_tool_call(args.each_from)
            values = await tool_items(engine, tool, arguments)
        plan = make_plan(command, name, values, fixed)
        if args.plan:
            _print_plan(plan, options, args.json)
            return None
        engine.check_credentials(command)  # before any worktree is made
        runner = BatchRunner(
            args.workspace,
            plan,
            lambda item: ItemProgress(console, item.name),
            options,
            on_done=lambda result: _item_done(console, result),
        )
        runner.prepare(engine.workspace, command)
        where = "each in its own git worktree" if runner.isolate else "in the workspace"
        console.print(
            f"[bold]▶ batch {runner.batch_id}[/] · {command.name} over {len(runner.summary.items)}"
            f" item(s) {where}, {options.parallel} at a time"
            + (f" · shard {runner.summary.shard}" if runner.summary.shard else ""),
            soft_wrap=True,
        )
        return runner
    finally:
        await engine.aclose()


def _print_plan(plan: BatchPlan, options: BatchOptions, as_json: bool) -> None:
    items = plan.shard(*options.shard) if options.shard else plan.items
    shown = plan.model_copy(update={"items": items})
    if as_json:
        print(shown.model_dump_json(indent=2))
        return
    for item in items:
        print(item.name)


def report(args: argparse.Namespace) -> int:
    """`batch-report`: exit 0 when every planned item finished, 1 otherwise, 2 when
    nothing could be read."""
    console = TerminalConsole(stderr=True, highlight=False) if args.json else unwrapped_console()
    try:
        summary = merge_batches(args.places)
    except BatchError as error:
        print(f"orchestra: {error}", file=sys.stderr)
        return 2
    console.print(
        f"[dim]merged {len(summary.sources)} batch manifest(s): {', '.join(summary.sources)}[/]",
        soft_wrap=True,
    )
    # Each shard's runs folder holds its manifest as batches/ID/batch.json.
    runs = list(dict.fromkeys(Path(source).parent.parent.parent for source in summary.sources))
    return _finish(summary, args, console, runs, relative_reports=False)


def _finish(
    summary: BatchSummary,
    args: argparse.Namespace,
    console: Console,
    runs: list[Path],
    *,
    relative_reports: bool = True,
) -> int:
    """Write the reports asked for and print the summary. `runs`: the runs folders
    holding the items' journals (item report paths are relative to the first when
    `relative_reports`)."""
    if args.report is not None:
        args.report.write_text(summary.markdown(), encoding="utf-8")
        console.print(f"[dim]report: {args.report}[/]", soft_wrap=True)
    if args.html is not None:
        page = write_batch_page(args.workspace, summary, args.html, runs)
        console.print(f"[dim]page: {page}[/]", soft_wrap=True)
    if args.json:
        print(json.dumps(summary.model_dump(mode="json"), indent=2))
    else:
        print_summary(summary, console, runs[0] if relative_reports and runs else None)
    return 0 if summary.ok else 1


def print_summary(summary: BatchSummary, console: Console, runs: Path | None) -> None:
    """The summary as a table that fits an 80-column terminal (report paths under
    `runs` when they are relative); each item's report and branch follow the table,
    one a line, whole, so that they can be copied."""
    table = Table(title=f"{summary.command} over {summary.argument}", expand=False)
    for column in ("item", "state", "verdicts", "cost"):
        table.add_column(column, overflow="fold")
    places: list[tuple[str, str, str]] = []
    for item in summary.items:
        state = said(item.state) + (
            f": {item.error}" if item.error and item.state != "finished" else ""
        )
        cells = (item.item, state, format_verdicts(item.verdicts), f"${item.cost_usd:.4f}")
        table.add_row(*(escape(cell) for cell in cells))
        if item.report:
            report = str(runs / item.report) if runs is not None else item.report
            places.append((item.item, "report", report))
        if item.branch:
            places.append((item.item, "edits on branch", item.branch))
    console.print(table)
    for name, what, where in places:
        console.print(f"{escape(name)}: {what} {escape(where)}", soft_wrap=True)
    failed = sum(1 for item in summary.items if item.state != "finished")
    console.print(
        f"{len(summary.items) - failed} of {len(summary.items)} item(s) finished · "
        f"cost ${summary.cost_usd:.4f}"
    )


def _item_done(console: Console, result: ItemResult) -> None:
    mark = {"finished": "[green]✔[/]", "failed": "[red]✘[/]"}.get(result.state, "[yellow]■[/]")
    why = f": {escape(result.error)}" if result.error and result.state != "finished" else ""
    console.print(
        f"{mark} [bold]{escape(result.item)}[/] {said(result.state)}{why} · ${result.cost_usd:.4f}",
        soft_wrap=True,
    )


class ItemProgress(Unattended):
    """One item's front end: its events as lines prefixed with the item, and nobody
    at the gates (a gate not answered by --gate or --yes stops the item)."""

    def __init__(self, console: Console, item: str) -> None:
        self.console = console
        self.prefix = f"[bold][{escape(item)}][/]"

    def _say(self, text: str) -> None:
        self.console.print(f"{self.prefix} {text}", soft_wrap=True, highlight=False)

    def said(self, message: str) -> None:
        self._say(f"[yellow]{escape(message)}[/]")

    def emit(self, event: Event) -> None:
        match event:
            case ev.RunStarted():
                self._say(f"run {event.run_id} · steps: {' → '.join(event.steps)}")
            case ev.StepStarted() if event.parent_step is None:
                self._say(f"● step {escape(event.step_id)} · agent {event.agent}")
            case ev.GateDecided():
                self._say(
                    f"gate {event.gate} of {escape(event.step_id)}: {event.decision} by {event.by}"
                )
            case ev.ProposalDecided():
                self._say(f"{escape(event.path)}: {event.outcome}")
            case ev.Notice() if event.level != "info":
                self._say(f"{event.level}: {escape(event.message)}")
            case _:
                pass


__all__ = [
    "BatchItem",
    "ItemProgress",
    "print_summary",
    "register",
    "register_report",
    "report",
    "run",
]
