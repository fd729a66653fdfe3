"""`orchestra`: parse the command line and hand over to one module per sub-command.

Every sub-command takes `--workspace DIR` (default: the current directory), before
or after its name. Errors a person can fix are printed as one line, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from orchestra_lsp import __version__
from orchestra_lsp.cli.options import common_options
from orchestra_lsp.redaction import redacted_std_streams

Handler = Callable[[argparse.Namespace], int]


class _Sub(NamedTuple):
    module: str
    register: str
    run: str
    help: str


#: Each sub-command's module is imported only when that sub-command runs (or for
#: --help): `orchestra serve` must answer `initialize` without paying for the engine.
SUBCOMMANDS: dict[str, _Sub] = {
    "check": _Sub("check", "register", "run", "validate .orchestra files; exit 1 on errors"),
    "init": _Sub("init", "register", "run", "scaffold .orchestra/ with commented examples"),
    "agents": _Sub("listing", "register", "agents", "list agents and where each came from"),
    "commands": _Sub("listing", "register", "commands", "list commands and where each came from"),
    "run": _Sub("run_cmd", "register", "run", "run a command; gates are answered in the terminal"),
    "review": _Sub(
        "run_cmd", "register_review", "review", "review the proposal an interrupted run left"
    ),
    "runs": _Sub("journal_cmd", "register_runs", "runs", "list recent runs from the journal"),
    "show": _Sub(
        "journal_cmd", "register_show", "show", "one run: events, decisions, pending proposal"
    ),
    "mcp": _Sub("mcp_cli", "register", "run", "list MCP servers, or call one of their tools"),
    "serve": _Sub("serve", "register", "run", "the language server, over stdio"),
    "demo": _Sub("demo", "register", "run", "run a command end to end on a small example"),
}


def _chosen(argv: list[str]) -> str | None:
    """The sub-command named on the command line, if it can be told without parsing."""
    skip = False
    for word in argv:
        if skip:
            skip = False
        elif word in ("--workspace", "-w"):
            skip = True
        elif not word.startswith("-"):
            return word if word in SUBCOMMANDS else None
    return None


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    common = common_options()
    parser = argparse.ArgumentParser(
        prog="orchestra",
        description="AI orchestration for any LSP editor, and headless for CI.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"orchestra {__version__}")
    sub = parser.add_subparsers(dest="subcommand", metavar="COMMAND")
    for name, spec in SUBCOMMANDS.items():
        child = sub.add_parser(name, help=spec.help, description=spec.help, parents=[common])
        if only is None or name == only:
            module = importlib.import_module(f"orchestra_lsp.cli.{spec.module}")
            getattr(module, spec.register)(child)
            child.set_defaults(handler=getattr(module, spec.run))
    return parser


def main(argv: list[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else argv
    parser = build_parser(_chosen(words))
    args = parser.parse_args(words)
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
    # CI keeps stdout and stderr as a log: all output passes the redactor, except the
    # language server's stdout, which is the protocol (its log is redacted instead).
    printing = redacted_std_streams() if args.subcommand != "serve" else contextlib.nullcontext()
    try:
        with printing:
            return handler(args)
    except KeyboardInterrupt:
        print("orchestra: interrupted", file=sys.stderr)
        return 130
