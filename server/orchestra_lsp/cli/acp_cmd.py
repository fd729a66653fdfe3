"""`orchestra acp`: the Agent Client Protocol agent over stdio, for agent panels
(Zed, JetBrains, Emacs agent-shell, Neovim CodeCompanion). stdout is the protocol."""

from __future__ import annotations

import argparse
import asyncio


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
    from orchestra_lsp.acp.agent import serve
    from orchestra_lsp.cli.serve import configure_logging

    configure_logging(args.log_level, None)
    return asyncio.run(serve())
