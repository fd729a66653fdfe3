"""`python3 -m orchestra_lsp.tickets --dir DIR`: the ticket server over stdio."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from orchestra_lsp.tickets.server import build_server
from orchestra_lsp.tickets.store import TicketStore


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python3 -m orchestra_lsp.tickets",
        description="A file-backed ticket tracker served over MCP (stdio).",
    )
    parser.add_argument(
        "--dir",
        type=Path,
        default=Path("tickets"),
        help="folder of <KEY>.md ticket files (default: ./tickets)",
    )
    args = parser.parse_args(argv)
    folder: Path = args.dir
    if not folder.is_dir():
        # Said on stderr before any MCP traffic: clients show a server's stderr when
        # it fails to start, which is where a wrong --dir is noticed.
        print(f"orchestra tickets: no such folder: {folder.resolve()}", file=sys.stderr)
        return 2
    build_server(TicketStore(folder)).run("stdio")
    return 0


if __name__ == "__main__":
    sys.exit(main())
