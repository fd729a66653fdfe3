"""`orchestra`: parse the command line and hand over to one module per sub-command.

Every sub-command takes `--workspace DIR`, before or after its name; without it the
workspace is found upward from the current folder, as git finds its repository (see
`find_root`). Errors a person can fix are printed as one line, never a traceback: a
closed pipe (`orchestra agents --json | head -1`) ends quietly, a journal that cannot
be written (a full disk, a read-only folder) is one line and exit 2.
"""

from __future__ import annotations

# Only what every start needs is imported here: `orchestra --version` prints from this
# module alone, and a sub-command re-executes itself once (see secret_environment), so
# whatever is imported before that is paid twice. The rest is imported where needed.
import os
import sys

from orchestra_lsp import __version__
from orchestra_lsp.secret_environment import hide_secrets_from_proc

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a start's cost)
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable
    from pathlib import Path

    Handler = Callable[[argparse.Namespace], int]


class _Sub:
    """Where a sub-command lives: its module, the functions that register its options
    and run it, and its one-line help. (Not a NamedTuple: `typing` costs a start.)"""

    __slots__ = ("help", "module", "register", "run")

    def __init__(self, module: str, register: str, run: str, help: str) -> None:
        self.module, self.register, self.run, self.help = module, register, run, help


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
    "resume": _Sub(
        "run_cmd",
        "register_resume",
        "resume",
        "continue a failed, stopped or interrupted run, reusing its completed steps",
    ),
    "undo": _Sub("run_cmd", "register_undo", "undo", "take back what a run landed (reviewed)"),
    "batch": _Sub(
        "batch_cmd", "register", "run", "run a command once per item (a ticket queue), N at a time"
    ),
    "batch-report": _Sub(
        "batch_cmd",
        "register_report",
        "report",
        "merge the journals of batch shards into one summary",
    ),
    "runs": _Sub("journal_cmd", "register_runs", "runs", "list recent runs from the journal"),
    "show": _Sub(
        "journal_cmd", "register_show", "show", "one run: events, decisions, pending proposal"
    ),
    "mcp": _Sub("mcp_cli", "register", "run", "list MCP servers, or call one of their tools"),
    "serve": _Sub("serve", "register", "run", "the language server, over stdio"),
    "acp": _Sub("acp_cmd", "register", "run", "the Agent Client Protocol agent, over stdio"),
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


def build_parser(only: str | None = None, *, every: bool = True) -> argparse.ArgumentParser:
    """The parser; each sub-command's options only for `only`, or for all with `every`
    (what --help shows). Without either, no sub-command module is imported at all."""
    import argparse
    import importlib

    from orchestra_lsp.cli.options import common_options

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
        if name == only or (only is None and every):
            module = importlib.import_module(f"orchestra_lsp.cli.{spec.module}")
            getattr(module, spec.register)(child)
            child.set_defaults(handler=getattr(module, spec.run))
    return parser


#: What marks a workspace, strongest first (see `find_root`).
_CLAUDE_MARKS = (".claude", ".mcp.json", "CLAUDE.md")


def find_root(start: Path) -> Path:
    """The workspace for a command run in `start`, searched upward like git:

    the nearest folder holding `.orchestra/`; else the nearest holding Claude Code's
    files (`.claude/`, `.mcp.json`, `CLAUDE.md`; the home folder's `.claude/` is the
    user's settings, not a project); else the repository root (the nearest `.git`);
    else `start` itself. The search stops at the repository root.
    """
    from pathlib import Path

    home = Path.home()
    claude: Path | None = None
    for folder in (start, *start.parents):
        if (folder / ".orchestra").is_dir():
            return folder
        if claude is None and folder != home and any((folder / m).exists() for m in _CLAUDE_MARKS):
            claude = folder
        if (folder / ".git").exists():
            return claude or folder
    return claude or start


def main(argv: list[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else argv
    if words == ["--version"]:  # what argparse prints, without importing it
        print(f"orchestra {__version__}")
        return 0
    chosen = _chosen(words)
    if argv is None and chosen is not None:
        # The program itself, about to work (before any import: the re-execution
        # would pay for it twice): see secret_environment.
        hide_secrets_from_proc()
    return _run(words, chosen)


def _run(words: list[str], chosen: str | None) -> int:
    import contextlib
    from pathlib import Path

    from orchestra_lsp.redaction import redacted_std_streams

    if chosen is None and any(word in ("-h", "--help") for word in words):
        parser = build_parser()
    else:
        # `orchestra --version` or a mistyped sub-command: nothing to import or hide.
        parser = build_parser(chosen, every=False)
    args, extra = parser.parse_known_args(words)
    if extra:
        # `run CMD --yes ticket=1`: argparse ends a positional list at the first option;
        # words after it are still the command's arguments, not unknown options.
        if isinstance(getattr(args, "arguments", None), list) and not any(
            word.startswith("-") for word in extra
        ):
            args.arguments += extra
        else:
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
    handler: Handler | None = getattr(args, "handler", None)
    if not hasattr(args, "workspace"):
        here = Path.cwd()
        # `init` makes a workspace where it is asked to, as `git init` does.
        args.workspace = here if args.subcommand == "init" else find_root(here)
    args.workspace = Path(args.workspace).expanduser()
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    if not args.workspace.is_dir():
        print(f"orchestra: workspace {args.workspace} is not a folder", file=sys.stderr)
        return 2
    # CI keeps stdout and stderr as a log: all output passes the redactor, except the
    # language server's stdout, which is the protocol (its log is redacted instead).
    printing = (
        redacted_std_streams()
        if args.subcommand not in ("serve", "acp")
        else contextlib.nullcontext()
    )
    try:
        with printing:
            code = handler(args)
            if not sys.stdout.closed:  # the language server closes it on `exit`
                sys.stdout.flush()
        return code
    except KeyboardInterrupt:
        print("orchestra: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return _reader_went_away()
    except OSError as error:
        from orchestra_lsp.journal.writer import JournalWriteError  # only now: it is slow

        if not isinstance(error, JournalWriteError):
            raise
        print(f"orchestra: {error}", file=sys.stderr)
        return 2


def _reader_went_away() -> int:
    """The reader of our output closed it (`| head -1`): stop quietly, as a tool killed
    by SIGPIPE does, and keep Python from complaining when it flushes at exit."""
    import signal

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return 128 + signal.SIGPIPE
