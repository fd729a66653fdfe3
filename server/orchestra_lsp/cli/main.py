"""`orchestra`: parse the command line and hand over to one module per sub-command.

Every sub-command takes `--workspace DIR` (default: the current directory), before
or after its name. Errors a person can fix are printed as one line, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from orchestra_lsp import __version__
from orchestra_lsp.cli import check, demo, init, journal_cmd, listing, run_cmd

Handler = Callable[[argparse.Namespace], int]


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--workspace",
        "-w",
        type=Path,
        default=argparse.SUPPRESS,
        metavar="DIR",
        help="the repository to work on (default: the current directory)",
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    parser = argparse.ArgumentParser(
        prog="orchestra",
        description="AI orchestration for any LSP editor, and headless for CI.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"orchestra {__version__}")
    sub = parser.add_subparsers(dest="subcommand", metavar="COMMAND")

    def add(name: str, help_text: str, handler: Handler) -> argparse.ArgumentParser:
        child = sub.add_parser(name, help=help_text, description=help_text, parents=[common])
        child.set_defaults(handler=handler)
        return child

    check.register(add("check", "validate .orchestra files; exit 1 on errors", check.run))
    init.register(add("init", "scaffold .orchestra/ with commented examples", init.run))
    listing.register(add("agents", "list agents and the file each came from", listing.agents))
    listing.register(add("commands", "list commands and the file each came from", listing.commands))
    run_cmd.register(add("run", "run a command; gates are answered in the terminal", run_cmd.run))
    journal_cmd.register_runs(add("runs", "list recent runs from the journal", journal_cmd.runs))
    journal_cmd.register_show(
        add("show", "one run: its events, decisions and pending proposal", journal_cmd.show)
    )
    demo.register(add("demo", "run a command end to end on a small example", demo.run))
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "workspace"):
        args.workspace = Path.cwd()
    args.workspace = Path(args.workspace).expanduser()
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    if not args.workspace.is_dir():
        print(f"orchestra: workspace {args.workspace} is not a folder", file=sys.stderr)
        return 2
    try:
        return handler(args)
    except KeyboardInterrupt:
        print("orchestra: interrupted", file=sys.stderr)
        return 130
