"""Prompt caching over a long tool loop, measured by the scripted server's cache (which
works as the API documents it): the conversation carries a moving breakpoint, so each
call reads back what the previous one stored, also after the fitter has cut turns."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engine_helpers import command_file, run_command, workspace

from orchestra_lsp.engine import RunRequest

TURNS = 60


def _loop(turns: int) -> list[dict[str, Any]]:
    read = {"name": "read_file", "input": {"path": "notes.txt"}}
    script: list[dict[str, Any]] = [
        {"reply": {"text": f"Reading, pass {n}.", "tool_use": [read]}} for n in range(turns)
    ]
    return [*script, {"reply": {"text": "Read it all."}}]


def _share(usage: list[dict[str, Any]]) -> float:
    read: int = sum(u["cache_read_tokens"] for u in usage)
    prompt: int = sum(
        u["input_tokens"] + u["cache_read_tokens"] + u["cache_write_tokens"] for u in usage
    )
    return read / prompt


async def test_a_long_loop_reads_most_of_its_prompt_from_the_cache(root: Path) -> None:
    workspace(
        root,
        {"loop": command_file([{"id": "loop", "agent": "worker", "prompt": "Read notes.txt."}])},
        config="context_budget_tokens = 20000\n",
        extra={"notes.txt": "A note that takes some room in the context. " * 120},
    )
    # The worker's max_turns is 12: give this step room for the whole loop.
    agent = root / ".orchestra" / "agents" / "worker.md"
    agent.write_text(agent.read_text().replace("max_turns: 12", f"max_turns: {TURNS + 5}"))
    outcome = await run_command(root, _loop(TURNS), RunRequest(command="loop"), yes=True)
    assert outcome.result.state == "finished", outcome.result.error
    usage = outcome.journal_of("usage")
    assert len(usage) == TURNS + 1
    cuts = [c for e in outcome.journal_of("context") for c in e["manifest"]["cuts"]]
    assert any(c["kind"] == "turns_summarised" for c in cuts), "the budget was crossed"
    assert _share(usage) >= 0.8, _share(usage)
    meta = json.loads((root / ".orchestra/runs" / outcome.result.run_id / "run.json").read_text())
    assert meta["cache_read_share"] == round(_share(usage), 4)
    # Every call after the first reads back at least the system prompt and tools.
    assert all(u["cache_read_tokens"] > 0 for u in usage[1:])
    # The breakpoints are on the conversation, not only on the system prompt.
    last = outcome.server.requests[-1].body
    assert last is not None
    marked = [
        i
        for i, m in enumerate(last["messages"])
        if isinstance(m["content"], list) and "cache_control" in m["content"][-1]
    ]
    assert marked == [len(last["messages"]) - 3, len(last["messages"]) - 1]
