"""A small MCP server (the SDK's MCPServer, stdio) that misbehaves on request.

`python faulty_server.py [--exit-at-start CODE] [--slow-start SECONDS]`; tools:
`ok`, `crash` (the process dies mid-call), `hang` (never answers, the server stays
responsive), `freeze` (blocks the whole server), `big` (a long text).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import anyio
from mcp.server.mcpserver import MCPServer

app = MCPServer("faulty")


@app.tool()
def ok(text: str = "ok") -> str:
    """Answer at once."""
    return f"ok: {text} (pid {os.getpid()})"


@app.tool()
def crash() -> str:
    """Die in the middle of the call, leaving a last word on stderr."""
    print("faulty: about to crash on purpose", file=sys.stderr, flush=True)
    os._exit(3)


@app.tool()
async def hang() -> str:
    """Never answer; other requests are still served."""
    await anyio.sleep(3600)
    return "unreachable"


@app.tool()
async def freeze() -> str:
    """Block the event loop: the whole server stops answering."""
    time.sleep(3600)
    return "unreachable"


@app.tool()
def big(chars: int) -> str:
    """A text of `chars` characters, in lines."""
    line = "the quick brown fox jumps over the lazy dog 0123456789\n"
    return (line * (chars // len(line) + 1))[:chars]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--exit-at-start", type=int)
    parser.add_argument("--slow-start", type=float, default=0.0)
    args = parser.parse_args()
    if args.exit_at_start is not None:
        print("faulty: missing FAULTY_TOKEN, cannot start", file=sys.stderr, flush=True)
        sys.exit(args.exit_at_start)
    time.sleep(args.slow_start)
    app.run()


if __name__ == "__main__":
    main()
