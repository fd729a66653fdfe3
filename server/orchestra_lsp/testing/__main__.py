"""``python -m orchestra_lsp.testing SCRIPT [--port N]``: serve a script until killed.

The first line on stdout is the base URL (so a parent process can read it and set
``ANTHROPIC_BASE_URL``); mismatches are logged on stderr as they happen. On SIGTERM
or Ctrl-C it stops, reports unplayed turns, and exits 1 if any request failed.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from types import FrameType

from .server import ScriptedServer


def main(argv: list[str] | None = None) -> int:
    """Run the server from the command line; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m orchestra_lsp.testing",
        description="Serve a scripted Anthropic Messages API on 127.0.0.1.",
    )
    parser.add_argument("script", help="a .yaml or .json script of turns")
    parser.add_argument(
        "--port", type=int, default=0, help="port to listen on (default: any free one)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)

    done = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    with ScriptedServer.from_file(args.script, port=args.port) as server:
        print(server.base_url, flush=True)
        done.wait()
    left = len(server.script.turns) - server.turns_served
    if left:
        print(f"{left} scripted turn(s) never played", file=sys.stderr)
    return 1 if server.failures else 0


if __name__ == "__main__":
    sys.exit(main())
