"""`orchestra acp`: the Agent Client Protocol agent over stdio, for agent panels
(Zed, JetBrains, Emacs agent-shell, Neovim CodeCompanion). stdout is the protocol."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import stat
import sys


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--log-level",
        default="WARNING",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="how much to log to stderr (default: WARNING)",
    )


def run(args: argparse.Namespace) -> int:
    """Serve until the client closes the pipe (0); a run still going then ends
    `interrupted`, its proposal kept for `orchestra review`."""
    # asyncio's stdio transport takes pipes, sockets and terminals only: a person who
    # redirects the protocol to a file gets one line, not the traceback.
    if any(stat.S_ISREG(os.fstat(fd).st_mode) for fd in (0, 1)):
        print(
            "orchestra: `orchestra acp` talks ACP over pipes: an agent panel (Zed, JetBrains, "
            "agent-shell, CodeCompanion) starts it; stdin and stdout cannot be files",
            file=sys.stderr,
        )
        return 2
    from orchestra_lsp.acp.agent import serve
    from orchestra_lsp.cli.serve import configure_logging

    configure_logging(args.log_level, None)
    if args.log_level != "DEBUG":  # the SDK logs a line it cannot parse with its traceback
        for handler in logging.getLogger().handlers:
            handler.setFormatter(_OneLineErrors(handler.formatter))
    return asyncio.run(serve())


class _OneLineErrors(logging.Formatter):
    """The handler's format, with an exception as its type's name only: the log of an
    editor's agent panel is read by people, and the message (already past the redacting
    filter) may quote what was sent. `--log-level DEBUG` keeps tracebacks."""

    def __init__(self, inner: logging.Formatter | None) -> None:
        super().__init__(inner._fmt if inner is not None else None)

    def format(self, record: logging.LogRecord) -> str:
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = f"({record.exc_info[0].__name__})"
        return super().format(record)
