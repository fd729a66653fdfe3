"""Per-call overhead of the MCP pool over a raw `mcp` ClientSession, same server, same run.

Two server-everything processes (stdio): one behind a bare SDK session, one behind
`McpPool`; `echo` is called on each in alternating batches (so drift hits both
alike) and the medians are compared. Goal (issue 4): the pool adds under 2 ms a call.
Also printed, as context: the pool's spawn-to-ready time for the server, and the
prompt tokens per-agent scoping saves (all 14 tool specs against the 2 an agent is
allowed).

    make mcp-test-servers && .venv/bin/python bench/mcp_overhead.py
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from collections.abc import Awaitable
from pathlib import Path

from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from orchestra_lsp.context import count_tokens
from orchestra_lsp.mcp import McpPool
from orchestra_lsp.workspace import McpServer, StdioServer

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "tests/mcp/node/node_modules"
EVERYTHING = NODE_MODULES / "@modelcontextprotocol/server-everything/dist/index.js"
BATCHES = 20
PER_BATCH = 50
WARMUP = 50
GOAL_MS = 2.0
ARGS = {"message": "overhead"}


async def timed(call: Awaitable[object]) -> float:
    start = time.perf_counter()
    await call
    return (time.perf_counter() - start) * 1000


async def measure() -> str:
    raw_times: list[float] = []
    pool_times: list[float] = []
    params = StdioServerParameters(command="node", args=[str(EVERYTHING), "stdio"])
    server = McpServer(
        name="everything",
        spec=StdioServer(command="node", args=[str(EVERYTHING), "stdio"]),
        source_path="bench",
    )
    with open("/dev/null", "w") as quiet:
        async with (
            stdio_client(params, errlog=quiet) as (read, write),
            ClientSession(read, write) as session,
            McpPool({"everything": server}) as pool,
        ):
            await session.initialize()
            every = await pool.tools_for(["mcp__everything__*"])
            allowed = await pool.tools_for(["mcp__everything__echo", "mcp__everything__get-sum"])
            for _ in range(WARMUP):
                await session.call_tool("echo", ARGS)
                await pool.call("mcp__everything__echo", ARGS)
            for _ in range(BATCHES):
                for _ in range(PER_BATCH):
                    raw_times.append(await timed(session.call_tool("echo", ARGS)))
                for _ in range(PER_BATCH):
                    pool_times.append(await timed(pool.call("mcp__everything__echo", ARGS)))
            [status] = pool.status()
    raw, pooled = statistics.median(raw_times), statistics.median(pool_times)
    every_tokens = count_tokens(json.dumps([t.spec() for t in every]))
    allowed_tokens = count_tokens(json.dumps([t.spec() for t in allowed]))
    return (
        f"mcp pool overhead on server-everything echo, {len(raw_times)} calls each: "
        f"raw ClientSession median {raw:.3f} ms, McpPool median {pooled:.3f} ms, "
        f"overhead {pooled - raw:+.3f} ms (goal < {GOAL_MS:.0f} ms: "
        f"{(pooled - raw) / GOAL_MS:.2f}x of it)\n"
        f"  p90: raw {statistics.quantiles(raw_times, n=10)[-1]:.3f} ms, "
        f"pool {statistics.quantiles(pool_times, n=10)[-1]:.3f} ms; "
        f"pool start (spawn to tools listed) {status.start_ms:.0f} ms\n"
        f"  scoping: {len(every)} tool specs = {every_tokens} prompt tokens, "
        f"2 allowed = {allowed_tokens}; saves {every_tokens - allowed_tokens} tokens "
        f"({1 - allowed_tokens / every_tokens:.0%}) per model call\n"
        f"  goal: overhead < {GOAL_MS:.0f} ms: {'ok' if pooled - raw < GOAL_MS else 'SLOW'}"
    )


def main() -> int:
    if not EVERYTHING.exists():
        print(f"{EVERYTHING} is missing: run `make mcp-test-servers`", file=sys.stderr)
        return 1
    print(asyncio.run(measure()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
