"""Streamed text reaches front ends in frames: a few events per answer, not one per
token, in order, and nothing said is lost — also when the turn fails or is retried."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from engine_helpers import command_file, run_command, workspace

from orchestra_lsp.engine import RunRequest
from orchestra_lsp.engine.text_frames import TextFrames

ONE_STEP = command_file([{"id": "talk", "agent": "worker", "prompt": "Say a lot."}])
WORDS = [f"word{index} " for index in range(300)]


async def test_pieces_within_a_frame_are_handed_on_together() -> None:
    delivered: list[str] = []
    frames = TextFrames(delivered.append, frame=0.05)
    frames.add("Hel")
    frames.add("lo")
    assert delivered == []  # the frame has not ended
    await asyncio.sleep(0.2)
    assert delivered == ["Hello"]
    frames.add(" world")
    frames.flush()
    assert delivered == ["Hello", " world"]
    await asyncio.sleep(0.1)  # the flushed frame's timer does not fire again
    frames.flush()
    assert delivered == ["Hello", " world"]


async def test_a_streamed_answer_arrives_whole_in_a_few_events(root: Path) -> None:
    workspace(root, {"talk": ONE_STEP})
    outcome = await run_command(root, [{"reply": {"text": WORDS}}], RunRequest(command="talk"))

    deltas = outcome.frontend.of_type("text_delta")
    assert "".join(delta.text for delta in deltas) == "".join(WORDS)
    assert 1 <= len(deltas) < len(WORDS) // 10
    types = [event.type for event in outcome.frontend.events]
    assert types.index("usage") > max(i for i, kind in enumerate(types) if kind == "text_delta")
    assert outcome.result.state == "finished"


async def test_text_said_before_a_cut_stream_is_shown_before_the_retry(root: Path) -> None:
    workspace(root, {"talk": ONE_STEP})
    script: list[dict[str, Any]] = [
        {"fault": {"cut_after_events": 6}, "reply": {"text": WORDS}},
    ]
    outcome = await run_command(root, script, RunRequest(command="talk"))

    types = [event.type for event in outcome.frontend.events]
    retry = types.index("model_retry")
    before = [e.text for e in outcome.frontend.events[:retry] if e.type == "text_delta"]
    after = [e.text for e in outcome.frontend.events[retry:] if e.type == "text_delta"]
    assert before and "".join(WORDS).startswith("".join(before))
    assert "".join(after) == "".join(WORDS)
