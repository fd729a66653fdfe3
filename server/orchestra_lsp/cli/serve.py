"""`orchestra serve`: the language server over stdio, for editors.

stdout carries the protocol, so logs go to stderr (which editors show in their LSP
log) or to `--log-file`.
"""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--stdio",
        action="store_true",
        help="talk LSP over stdin/stdout (the default and only transport; accepted "
        "because editors often pass it)",
    )
    parser.add_argument("--log-file", type=Path, metavar="FILE", help="log here, not to stderr")
    parser.add_argument(
        "--log-level",
        default="WARNING",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="how much to log (default: WARNING)",
    )


def run(args: argparse.Namespace) -> int:
    """Serve until the client says `exit` (0 after `shutdown`, else 1, as LSP says) or
    closes the pipe (0).

    The start, in order (ARCHITECTURE.md, "Start path"): `initialize` is answered
    before pygls is imported (`lsp/bootstrap.py`); then the prefetch child starts for
    the folder the client named (`lsp/prefetch.py`), on another core while this process
    imports pygls (on a machine without two cores to spare, this process waits for the
    child first: `CommandsPrefetch.yield_cpu`), and the first `orchestra/commands` is
    answered from it as soon as it is done (`bootstrap.EarlyAnswers`); then pygls takes
    over, the `initialize` replayed into it, and reads stdin itself from then on.
    """
    import sys

    from orchestra_lsp.lsp import bootstrap

    opening = bootstrap.answer_initialize(sys.stdin.buffer, sys.stdout.buffer)
    from orchestra_lsp.lsp.prefetch import CommandsPrefetch

    # After the answer, not before: the editor is waiting for it, and the child's
    # start would compete with the answer for the CPU.
    prefetch = CommandsPrefetch(opening.folder or Path(args.workspace))
    early = None
    if opening.source is not None:  # the editor may ask for the commands already
        early = bootstrap.EarlyAnswers(
            opening.source, sys.stdout.buffer, prefetch, opening.encoding
        )
    # On a busy machine the child goes first: its listing is what the editor asks first.
    prefetch.yield_cpu()
    from orchestra_lsp.lsp import create_server

    configure_logging(args.log_level, args.log_file)
    server = create_server(Path(args.workspace), prefetch)
    # From here pygls reads stdin itself, from its descriptor (what the early reader
    # held first): no thread between the editor and the server for the whole session.
    stdin = opening.stdin if early is None else early.hand_over()
    server.start_io(stdin, initialize=(opening.initialize, opening.answer))
    return server.protocol.exit_code


def configure_logging(level: str, log_file: Path | None) -> None:
    """Logs never carry a secret: the API key (the SDK's debug logs quote requests
    whole), mcp.json's values (the workspace registers them as it loads) or a token."""
    from orchestra_lsp.redaction import CREDENTIAL_VARIABLES, SECRETS, RedactingFilter, Redactor

    handler = logging.FileHandler(log_file) if log_file else logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    keys = [key for name in CREDENTIAL_VARIABLES if (key := os.environ.get(name))]
    handler.addFilter(RedactingFilter(Redactor(keys), registry=SECRETS))
    logging.basicConfig(level=level, handlers=[handler])
