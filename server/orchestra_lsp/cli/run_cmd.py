"""`orchestra run COMMAND [ARGS...]`: a command run headless, gates in the terminal."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

from orchestra_lsp.cli.journal_cmd import find_run, no_run
from orchestra_lsp.cli.tables import unwrapped_console
from orchestra_lsp.cli.terminal import TerminalFrontEnd
from orchestra_lsp.engine import Engine, RunHandle, RunRequest, RunRequestError, bind_arguments
from orchestra_lsp.engine.gate_answers import parse_gate_answers
from orchestra_lsp.journal import list_runs
from orchestra_lsp.reports import write_page_of_run


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("command", help="the command to run (see `orchestra commands`)")
    parser.add_argument("arguments", nargs="*", help="its arguments, in order or as name=value")
    parser.add_argument(
        "--yes", "-y", action="store_true", help="let every gate pass by policy (for CI)"
    )
    parser.add_argument(
        "--apply", action="store_true", help="with --yes: write accepted changes to disk"
    )
    parser.add_argument(
        "--patch", type=Path, metavar="FILE", help="also write accepted changes as a patch"
    )
    parser.add_argument(
        "--html",
        type=Path,
        metavar="FILE",
        help="when the run ends, write its page (report, timeline, cost, diff) to FILE",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="do not stream model text")
    add_gate_option(parser)


def add_gate_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--gate",
        action="append",
        default=[],
        metavar="STEP=ANSWER",
        help="answer a step's gate in advance, for unattended runs: STEP=approve, "
        "STEP=stop, STEP=review:accept-all or STEP=review:reject-all (repeatable)",
    )


def register_review(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "run",
        help="the run whose proposal waits for review: its id (or a unique prefix), or "
        "`last` (the newest run with one)",
    )


def review(args: argparse.Namespace) -> int:
    """Review, in the terminal, the proposal an interrupted run left pending. Without
    a terminal nobody can decide: refuse (exit 2) and keep the proposal."""
    runs = list_runs(args.workspace.resolve())
    if args.run == "last":
        waiting = [s.run_id for s in runs if s.pending_proposal]
        run_id = waiting[0] if waiting else None
        if run_id is None:
            print("orchestra: no run has a proposal waiting for review", file=sys.stderr)
            return 2
    else:
        run_id = find_run(args)
    if run_id is None:
        print(no_run(args), file=sys.stderr)
        return 2
    if not any(s.run_id == run_id and s.pending_proposal for s in runs):
        print(
            f"orchestra: run {run_id} has no proposal waiting for review (see `orchestra "
            f"show {run_id}`)",
            file=sys.stderr,
        )
        return 2
    frontend = _frontend(args)
    if not frontend.interactive:
        print(
            f"orchestra: reviewing run {run_id} needs a person, and there is no terminal to "
            "ask in; its proposal stays pending (see it with `orchestra show "
            f"{run_id}`, review it in a terminal or in the editor)",
            file=sys.stderr,
        )
        return 2
    return _drive(
        lambda engine: engine.recover(run_id, frontend),
        args,
        frontend,
        resumable=False,
        origin=run_id,
    )


def register_resume(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run", help="the run to continue: its id (or a unique prefix), or `last`")
    parser.add_argument(
        "--from",
        dest="from_step",
        metavar="STEP",
        help="run again from this step: a top-level step or a group's, by its path "
        "(`build/review`, as `orchestra commands --json` lists them); default: the first "
        "step that did not complete",
    )
    parser.add_argument("--yes", "-y", action="store_true", help="let every gate pass by policy")
    parser.add_argument(
        "--apply", action="store_true", help="with --yes: write accepted changes to disk"
    )
    add_gate_option(parser)
    parser.add_argument("--quiet", "-q", action="store_true", help="do not stream model text")


def resume(args: argparse.Namespace) -> int:
    """Continue a failed, stopped or interrupted run in a new run that reuses the
    outputs of the steps it completed; exit codes as `orchestra run`."""
    if args.apply and not args.yes:
        print("orchestra: --apply goes with --yes (it writes what --yes accepts)", file=sys.stderr)
        return 2
    run_id = find_run(args)
    if run_id is None:
        print(no_run(args), file=sys.stderr)
        return 2
    frontend = _frontend(args, show_text=not args.quiet)

    def start(engine: Engine) -> RunHandle:
        return engine.resume(
            run_id,
            frontend,
            from_step=args.from_step,
            yes=args.yes,
            apply=args.apply,
            gates=parse_gate_answers(args.gate),
        )

    return _drive(start, args, frontend)


def register_undo(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "run",
        help="the run to take back: its id (or a unique prefix), or `last` (see `orchestra runs`)",
    )
    parser.add_argument("--file", metavar="PATH", help="only this workspace-relative file")
    parser.add_argument("--step", metavar="STEP", help="only what this step of the run landed")
    parser.add_argument(
        "--yes", "-y", action="store_true", help="accept every hunk that can be taken back"
    )
    parser.add_argument("--apply", action="store_true", help="with --yes: write the undo to disk")


def undo(args: argparse.Namespace) -> int:
    """Take back what a run landed: a run of its own whose proposal (the landed hunks
    reversed onto the files as they are now) is reviewed like any other."""
    if args.apply and not args.yes:
        print(
            "orchestra: --apply goes with --yes; without --yes you review each hunk and "
            "what you accept is written",
            file=sys.stderr,
        )
        return 2
    run_id = find_run(args)  # `last`, or an id's first characters, as `show` takes
    if run_id is None:
        print(no_run(args), file=sys.stderr)
        return 2
    frontend = _frontend(args)
    file = None if args.file is None else _workspace_relative(args.workspace, args.file)

    def start(engine: Engine) -> RunHandle:
        return engine.undo(
            run_id, frontend, step=args.step, file=file, yes=args.yes, apply=args.apply
        )

    return _drive(start, args, frontend, resumable=False)


def run(args: argparse.Namespace) -> int:
    if args.apply and not args.yes:
        print(
            "orchestra: --apply writes the changes --yes accepts without review; without "
            "--yes you review each change and what you accept is written. Add --yes, or "
            "leave out --apply.",
            file=sys.stderr,
        )
        return 2
    frontend = _frontend(args, patch=args.patch, show_text=not args.quiet)
    if args.patch is not None:
        args.patch.write_text("", encoding="utf-8")

    def start(engine: Engine) -> RunHandle:
        command = engine.command(args.command)
        arguments = bind_arguments(command, args.arguments) if command is not None else {}
        request = RunRequest(command=args.command, arguments=arguments)
        gates = parse_gate_answers(args.gate)
        return engine.start(request, frontend, yes=args.yes, apply=args.apply, gates=gates)

    code = _drive(start, args, frontend, args.html)
    if args.patch is not None and code != 2:
        frontend.console.print(f"[dim]patch: {args.patch}[/]")
    return code


def _workspace_relative(workspace: Path, name: str) -> str:
    """`name` as the journal spells paths (workspace-relative POSIX), whether given
    relative to the current folder (`./src/a.py`) or absolute."""
    root = workspace.resolve()
    path = Path(name)
    absolute = path if path.is_absolute() else Path.cwd() / path
    try:
        return Path(os.path.normpath(absolute)).relative_to(root).as_posix()
    except ValueError:
        return PurePosixPath(name).as_posix()  # outside: the undo says it landed nothing


def _frontend(args: argparse.Namespace, **options: Any) -> TerminalFrontEnd:
    return TerminalFrontEnd(
        console=unwrapped_console(),
        root=args.workspace.resolve(),
        interactive=sys.stdin.isatty() and sys.stdout.isatty(),
        **options,
    )


def _drive(
    start: Callable[[Engine], RunHandle],
    args: argparse.Namespace,
    frontend: TerminalFrontEnd,
    html: Path | None = None,
    *,
    resumable: bool = True,
    origin: str | None = None,
) -> int:
    """Start a run on a fresh engine, wait for it, and turn its end into an exit code:
    0 finished, 1 failed, 2 could not start, 3 stopped, 130 interrupted (Ctrl-C: see
    `_interrupted`; `origin`: the run whose proposal this one reviews)."""

    async def go() -> int:
        # Ctrl-C cancels this task through the loop's own signal handling, whose wakeup
        # descriptor wakes the loop whichever thread the signal reached (asyncio.run's
        # handler alone leaves an idle loop asleep when another thread took it); a ^C
        # more while the first one's cleanup runs changes nothing, and one typed in the
        # editor of an approve gate is the editor's.
        loop = asyncio.get_running_loop()
        me = asyncio.current_task()
        assert me is not None
        stopping: list[bool] = []

        def interrupt() -> None:
            if not stopping and not frontend.editing:
                stopping.append(True)
                me.cancel()

        loop.add_signal_handler(signal.SIGINT, interrupt)
        engine = Engine(args.workspace)
        try:
            await engine.prepare(getattr(args, "command", ""))  # an MCP prompt's name
            engine.warm_up()  # nothing else waits on this loop: before the run, not in it
            handle = start(engine)
            result = await handle.wait()
        finally:
            await engine.aclose()
            loop.remove_signal_handler(signal.SIGINT)
        frontend.console.print(f"[dim]journal: {handle.journal_dir}[/]")
        if html is not None:
            page = write_page_of_run(args.workspace, handle.journal_dir.name, html)
            frontend.console.print(f"[dim]page: {page}[/]")
        return {"finished": 0, "cancelled": 3}.get(result.state, 1)

    try:
        return asyncio.run(go())
    except RunRequestError as error:
        print(f"orchestra: {error}", file=sys.stderr)
        return 2
    except (KeyboardInterrupt, asyncio.CancelledError):
        # Stopping already: a ^C more (people press it twice) changes nothing now.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        # After the terminal's `^C`, not on the prompt's line.
        start_of_line = "\n" if sys.stderr.isatty() else ""
        hint = _interrupted(args.workspace, frontend.run_id, resumable, origin)
        print(f"{start_of_line}orchestra: interrupted{hint}", file=sys.stderr)
        return 130


def _interrupted(workspace: Path, run_id: str | None, resumable: bool, origin: str | None) -> str:
    """What Ctrl-C left behind and the command that goes on from there: the run ended
    `interrupted`, decided nothing, and kept whatever proposal it had (in `origin`'s
    journal when it reviewed that run's)."""
    if run_id is None:
        return ""  # nothing started
    pending = {s.run_id for s in list_runs(workspace.resolve()) if s.pending_proposal}
    resume = f"continue the run with `orchestra resume {run_id}`" if resumable else ""
    kept = next((r for r in (origin, run_id) if r in pending), None)
    if kept is None:
        return f"; {resume}" if resume else ""
    review = f"review it with `orchestra review {kept}`"
    return f"; nothing was decided and the proposal is kept: {review}" + (
        f", or {resume}" if resume else ""
    )
