"""A long agent loop that goes far past its context budget, beside the same loop written
directly on the SDK (issue 17's first three rows).

One step of TURNS tool turns against the scripted server at zero latency; each turn
reads a different file of a few KB (realistic tool results), and the budget
(`context_budget_tokens`) is small, so the fitter starts dropping turns early and keeps
doing so for most of the run. Measured in the same run:

- engine time per turn, net of the model call and the tool call (by the engine's own
  events: `context` just before each model call, `usage` after it, the tool call from
  `tool_call_started` to `tool_call_finished`): its median, its 99th percentile and its
  maximum over every turn of the run, and the maximum over the last 100 turns (a
  quadratic cost shows there). It is measured twice. On the CPU clock of the event
  loop's thread, which is what the engine itself costs: the verdict is on this one.
  On the wall clock, printed beside it with the turns over 2 ms and how many of those
  the operating system preempted (involuntary context switches of that thread):
  on a machine shared by other processes the wall clock also counts the time slices
  the OS gave them in the middle of a turn, which no code of ours can shorten. (This
  bench used to judge the wall clock alone, so a loaded machine failed it.)
- the share of model calls whose messages begin with exactly the previous call's
  messages (``cache_control`` markers aside: they are not part of the cache key);
- the share of prompt tokens read from the prompt cache, as the scripted server's
  cache (which works as the API documents) counts them, and as run.json records it;
- a loop written on the SDK (`AsyncAnthropic.messages.stream`) that sends exactly the
  engine's requests and runs the same tool, per turn net of the tool; the engine's
  turns net of tools against it. (Sending its own whole, growing conversation instead,
  such a loop is 35x slower than the engine by the end: no fair peer.)

The two loops run twice each, alternating; the figures are over both runs. The
engine's work between the end of the model's stream and its `usage` event (the
turn's text and usage events) falls in the model call here; the whole-turn
comparison with the SDK loop counts it.

Bars: engine time (CPU) < 2 ms at every turn; prefix kept on >= 95 % of calls;
cache-read share >= 80 %; engine turn <= 1.1x the direct loop's.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from orchestra_lsp.changes import Changeset
from orchestra_lsp.engine import Engine, RunRequest
from orchestra_lsp.llm import ModelClient
from orchestra_lsp.llm.client import build_request
from orchestra_lsp.testing import ScriptedServer
from orchestra_lsp.tools import BUILTIN_TOOLS, ToolContext, WorkspaceView

sys.path.insert(0, str(Path(__file__).parent))
from engine_overhead import TimingFrontEnd

TURNS = 999
RUNS = 2
FILES = 50
BUDGET = 64_000
MODEL = "claude-sonnet-4-6"
AGENT = f"""\
---
name: reader
description: Reads files.
tools: [read_file]
max_turns: {TURNS + 1}
---
You read files, one after another.
"""
COMMAND = """\
---
description: read many files
steps:
  - {id: read, agent: reader, prompt: "Read the files, one after another."}
---
"""


def make_workspace(root: Path) -> None:
    files = {
        ".orchestra/CONTEXT.md": "Benchmark repository. Keep answers short.\n",
        ".orchestra/agents/reader.md": AGENT,
        ".orchestra/commands/read-many.md": COMMAND,
        ".orchestra/config.toml": (
            f'[model]\nname = "{MODEL}"\nmax_cost_usd = 1000000.0\n'
            f"context_budget_tokens = {BUDGET}\n"
        ),
    }
    for n in range(FILES):
        lines = [f"def handler_{n}_{i}(request):  # route {i} of module {n}" for i in range(60)]
        files[f"src/module_{n}.py"] = "\n".join(lines) + "\n"
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def script() -> list[dict[str, Any]]:
    turns: list[dict[str, Any]] = [
        {
            "reply": {
                "text": f"Reading module {n % FILES}.",
                "tool_use": [
                    {"name": "read_file", "input": {"path": f"src/module_{n % FILES}.py"}}
                ],
            }
        }
        for n in range(TURNS)
    ]
    turns.append({"reply": {"text": "Read them all."}})
    return turns


def _unmarked(messages: list[dict[str, Any]]) -> list[str]:
    """Each message as canonical JSON without cache_control markers."""
    out = []
    for message in messages:
        content = message.get("content")
        if isinstance(content, list):
            content = [
                {k: v for k, v in block.items() if k != "cache_control"} for block in content
            ]
        out.append(json.dumps({**message, "content": content}, sort_keys=True))
    return out


def prefix_kept(bodies: list[dict[str, Any]]) -> tuple[int, int]:
    """(calls whose messages begin with the previous call's, calls after the first)."""
    kept = 0
    previous: list[str] | None = None
    for body in bodies:
        messages = _unmarked(body["messages"])
        if previous is not None and messages[: len(previous)] == previous:
            kept += 1
        previous = messages
    return kept, len(bodies) - 1


async def engine_run(root: Path, user_dir: Path) -> dict[str, Any]:
    frontend = TimingFrontEnd(cpu=True)
    with ScriptedServer(script()) as server:
        client = ModelClient(api_key="bench-key", base_url=server.base_url)
        engine = Engine(root, client=client, user_dir=user_dir)
        engine.warm_up()  # as the server and the CLI do before a first run
        try:
            result = await engine.start(RunRequest(command="read-many"), frontend).wait()
        finally:
            await engine.aclose()
        server.assert_no_failures()
        raws = [r.raw for r in server.requests]
    assert result.state == "finished", result.error
    stamps = frontend.stamps
    usages = [e for _, e in stamps if e.type == "usage"]
    cuts = [e for _, e in stamps if e.type == "context" and e.manifest.get("cuts")]
    durations = [e.duration_ms for _, e in stamps if e.type == "tool_call_finished"]
    turns, model, _ = _turn_parts(stamps, [t for t, _ in stamps])
    cpu_turns, cpu_model, cpu_tools = _turn_parts(stamps, [c for c, _ in frontend.cpu_stamps])
    overhead = [t - m - k for t, m, k in zip(cpu_turns, cpu_model, cpu_tools, strict=True)]
    wall_overhead = [t - m - k for t, m, k in zip(turns, model, durations, strict=True)]
    slow = [i for i, ms in enumerate(wall_overhead) if ms >= 2.0]
    preempted = [i for i in slow if _switches(stamps, frontend.cpu_stamps, i)]
    read = sum(e.cache_read_tokens for e in usages)
    prompt = sum(e.input_tokens + e.cache_read_tokens + e.cache_write_tokens for e in usages)
    meta = json.loads((root / ".orchestra" / "runs" / result.run_id / "run.json").read_text())
    return {
        "raws": raws,
        "overhead": overhead,
        "wall_overhead": wall_overhead,
        "slow": (len(slow), len(preempted)),
        "turn_net": [turn - tool for turn, tool in zip(turns, durations, strict=True)],
        "prefix": prefix_kept([json.loads(raw) for raw in raws]),
        "cache_share": read / prompt,
        "journal_share": meta.get("cache_read_share"),
        "over_budget_calls": len(cuts),
    }


def _turn_parts(
    stamps: list[tuple[float, Any]], clock: list[float]
) -> tuple[list[float], list[float], list[float]]:
    """Per tool turn, in ms on `clock` (one reading per event): the whole turn (from
    one `context` to the next), its model call (`context` to `usage`) and its tool call
    (`tool_call_started` to `tool_call_finished`, the permission check inside)."""
    at: dict[str, list[int]] = {}
    for index, (_, event) in enumerate(stamps):
        at.setdefault(event.type, []).append(index)
    contexts, usages = at["context"], at["usage"]
    started, finished = at["tool_call_started"], at["tool_call_finished"]

    def span(first: list[int], last: list[int], i: int, j: int) -> float:
        return (clock[last[j]] - clock[first[i]]) * 1000

    turns = [span(contexts, contexts, i, i + 1) for i in range(TURNS)]
    model = [span(contexts, usages, i, i) for i in range(TURNS)]
    tools = [span(started, finished, i, i) for i in range(TURNS)]
    return turns, model, tools


def _switches(stamps: list[tuple[float, Any]], cpu: list[tuple[float, int]], turn: int) -> int:
    """Involuntary context switches of the event loop's thread during `turn`."""
    contexts = [k for k, (_, e) in enumerate(stamps) if e.type == "context"]
    return cpu[contexts[turn + 1]][1] - cpu[contexts[turn]][1]


async def direct_run(root: Path, raws: list[bytes]) -> list[float]:
    """Per turn, net of the tool: a loop written on the SDK that sends exactly the
    requests the engine sent (its fitted conversations, so the model's side of both
    loops is the same work) and runs the same tool; all it does not do is the engine's
    own bookkeeping (fitting, permissions, events, the journal)."""
    from anthropic import AsyncAnthropic

    tool = BUILTIN_TOOLS["read_file"]
    context = ToolContext(view=WorkspaceView(root, Changeset(), {}))
    nets: list[float] = []
    with ScriptedServer(script()) as server:
        client = AsyncAnthropic(api_key="bench-key", base_url=server.base_url, max_retries=2)
        # The conversations as the engine held them (without the markers build_request
        # adds), prepared before timing: this loop's own work is only the call and the tool.
        bodies = [json.loads(raw) for raw in raws]
        conversations = [_unmarked_messages(body["messages"]) for body in bodies]
        try:
            for body, messages in zip(bodies, conversations, strict=True):
                started = time.perf_counter()
                request = build_request(
                    model=body["model"],
                    system=[block["text"] for block in body["system"]],
                    tools=body["tools"],
                    messages=messages,
                    max_tokens=body["max_tokens"],
                )
                async with client.messages.stream(**request) as stream:
                    async for _event in stream:
                        pass
                    message = await stream.get_final_message()
                uses = [block for block in message.content if block.type == "tool_use"]
                if not uses:
                    break
                tool_ms = 0.0
                for use in uses:
                    called = time.perf_counter()
                    await tool.run(dict(use.input), context)
                    tool_ms += (time.perf_counter() - called) * 1000
                nets.append((time.perf_counter() - started) * 1000 - tool_ms)
        finally:
            await client.close()
        server.assert_no_failures()
    return nets


def _unmarked_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [json.loads(text) for text in _unmarked(messages)]


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "ws"
        user_dir = Path(folder) / "user"
        user_dir.mkdir()
        make_workspace(root)
        # Twice each, alternating, so that load that comes and goes on a shared machine
        # falls on both loops; every figure is over both runs of a loop.
        runs, direct = [], []
        for _ in range(RUNS):
            runs.append(await engine_run(root, user_dir))
            direct += await direct_run(root, runs[0]["raws"])
    engine = runs[0]
    for key in ("overhead", "wall_overhead", "turn_net"):
        engine[key] = [value for run in runs for value in run[key]]
    engine["slow"] = tuple(sum(run["slow"][i] for run in runs) for i in (0, 1))
    overhead = engine["overhead"]
    p99 = statistics.quantiles(overhead, n=100)[98]
    worst = max(overhead)
    worst_late = max(overhead[i] for i in range(len(overhead)) if i % TURNS >= TURNS - 100)
    kept, calls = engine["prefix"]
    e_net, d_net = statistics.median(engine["turn_net"]), statistics.median(direct)
    late = [i for i in range(RUNS * TURNS) if i % TURNS >= TURNS - 100]
    e_late = statistics.median(engine["turn_net"][i] for i in late)
    d_late = statistics.median(direct[i] for i in late)
    print(
        f"long_run: {TURNS} turns of read_file (~3 KB each), budget {BUDGET} tokens; "
        f"{engine['over_budget_calls']} calls past the budget; {RUNS} runs of each loop"
    )
    wall = engine["wall_overhead"]
    slow, preempted = engine["slow"]
    print(
        "  engine time per turn (net of model and tool), CPU of the event loop's thread: "
        f"median {statistics.median(overhead):.2f} ms, p99 {p99:.2f} ms, max {worst:.2f} ms; "
        f"max of the last 100 turns {worst_late:.2f} ms"
    )
    print(
        f"    wall clock: median {statistics.median(wall):.2f} ms, "
        f"p99 {statistics.quantiles(wall, n=100)[98]:.2f} ms, max {max(wall):.2f} ms; "
        f"{slow} turns at 2 ms or more, {preempted} of them preempted by the OS"
    )
    print(f"  verdict: < 2 ms at every turn (CPU): {verdict(worst < 2.0)}")
    print(
        f"  calls keeping the previous call's messages as their prefix: {kept} of {calls} "
        f"({100 * kept / calls:.1f} %)"
    )
    print(f"  verdict: >= 95 %: {verdict(kept / calls >= 0.95)}")
    print(
        f"  prompt tokens read from the cache: {100 * engine['cache_share']:.1f} % "
        f"(run.json: {100 * (engine['journal_share'] or 0):.1f} %)"
    )
    print(f"  verdict: >= 80 %: {verdict(engine['cache_share'] >= 0.8)}")
    print(
        f"  turn net of the tool: engine {e_net:.2f} ms, hand-written SDK loop {d_net:.2f} ms "
        f"({e_net / d_net:.2f}x); last 100 turns {e_late:.2f} vs {d_late:.2f} ms"
    )
    print(f"  verdict: <= 1.1x the SDK loop: {verdict(e_net / d_net <= 1.1)}")


if __name__ == "__main__":
    asyncio.run(main())
