"""`orchestra run COMMAND [ARGS...]`: a command run headless, gates in the terminal."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from rich.console import Console

from orchestra_lsp.cli.terminal import TerminalFrontEnd
from orchestra_lsp.engine import Engine, RunRequest, RunRequestError, bind_arguments


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
    parser.add_argument("--quiet", "-q", action="store_true", help="do not stream model text")


def register_review(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run", help="the id of a run interrupted before its review")


def review(args: argparse.Namespace) -> int:
    """Review, in the terminal, the proposal an interrupted run left pending."""
    console = Console(highlight=False)
    frontend = TerminalFrontEnd(
        console=console,
        root=args.workspace.resolve(),
        interactive=sys.stdin.isatty() and sys.stdout.isatty(),
    )
    try:
        return asyncio.run(_review(args, frontend))
    except RunRequestError as error:
        print(f"orchestra: {error}", file=sys.stderr)
        return 2


async def _review(args: argparse.Namespace, frontend: TerminalFrontEnd) -> int:
    engine = Engine(args.workspace)
    try:
        result = await engine.recover(args.run, frontend).wait()
    finally:
        await engine.aclose()
    return {"finished": 0, "cancelled": 3}.get(result.state, 1)


def run(args: argparse.Namespace) -> int:
    console = Console(highlight=False)
    frontend = TerminalFrontEnd(
        console=console,
        root=args.workspace.resolve(),
        interactive=sys.stdin.isatty() and sys.stdout.isatty(),
        apply=args.apply,
        patch=args.patch,
        show_text=not args.quiet,
    )
    if args.patch is not None:
        args.patch.write_text("", encoding="utf-8")
    try:
        return asyncio.run(_run(args, frontend))
    except RunRequestError as error:
        print(f"orchestra: {error}", file=sys.stderr)
        return 2


async def _run(args: argparse.Namespace, frontend: TerminalFrontEnd) -> int:
    engine = Engine(args.workspace)
    try:
        command = engine.workspace.commands.get(args.command)
        arguments = bind_arguments(command, args.arguments) if command is not None else {}
        handle = engine.start(
            RunRequest(command=args.command, arguments=arguments), frontend, yes=args.yes
        )
        result = await handle.wait()
    finally:
        await engine.aclose()
    frontend.console.print(f"[dim]journal: {handle.journal_dir}[/]")
    if args.patch is not None:
        frontend.console.print(f"[dim]patch: {args.patch}[/]")
    return {"finished": 0, "cancelled": 3}.get(result.state, 1)
