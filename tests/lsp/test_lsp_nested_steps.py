"""Steps inside groups (`repeat`, `for_each`, `parallel`) in the editor, with a real LSP
client: `{{` completion offers a step exactly the outputs it may read (an earlier
step of its own round, a group's steps once the group is done, a `for_each`'s `as`
name only inside it, never the `for_each`'s inner steps after it), and
`orchestra/commands` lists groups with their steps and paths."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from lsp_helpers import make_workspace
from lsprotocol import types

FLOW = """---
description: Loop and fan-out
steps:
  - id: triage
    agent: planner
    prompt: Triage.
  - id: build
    repeat:
      until: steps.review.output == "ok"
      max: 3
      steps:
        - id: implement
          agent: coder
          prompt: "Implement {{steps.triage.output}} {{steps.review.output}}"
        - id: review
          agent: planner
          prompt: "Review {{steps.implement.output}}"
  - id: qa
    for_each: '["a", "b"]'
    as: criterion
    steps:
      - id: check
        agent: planner
        prompt: "Check {{criterion}}"
  - id: both
    parallel:
      - {id: unit, agent: coder, prompt: "Unit {{steps.build.output}}"}
      - {id: lint, agent: coder, prompt: Lint.}
  - id: wrap
    agent: planner
    prompt: "Wrap {{steps.qa.output}}"
---
"""


async def _labels(editor: Any, uri: str, lines: list[str], marker: str) -> set[str]:
    row = next(n for n, line in enumerate(lines) if marker in line)
    position = types.Position(line=row, character=lines[row].index("{{") + 2)
    items = await editor.client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=position
        )
    )
    return {item.label for item in items}


async def test_completion_and_listing_know_the_steps_inside_groups(
    start: Any, tmp_path: Path
) -> None:
    root = make_workspace(tmp_path / "ws")
    path = ".orchestra/commands/flow.md"
    (root / path).write_text(FLOW, encoding="utf-8")
    editor = await start(root, "vscode")
    editor.open(path, FLOW, "markdown")
    uri, lines = editor.uri(path), FLOW.splitlines()
    for _ in range(100):  # until the files as typed are checked
        if "steps.triage.output" in await _labels(editor, uri, lines, "Review {{"):
            break
        await asyncio.sleep(0.1)

    review = await _labels(editor, uri, lines, "Review {{")
    assert {"steps.triage.output", "steps.implement.output", "steps.review.output"} <= review
    assert "steps.check.output" not in review and "criterion" not in review
    check = await _labels(editor, uri, lines, "Check {{")
    assert {"criterion", "steps.build.output", "steps.review.output"} <= check
    unit = await _labels(editor, uri, lines, "Unit {{")
    assert {"steps.qa.output", "steps.build.output", "steps.implement.output"} <= unit
    assert "steps.check.output" not in unit and "criterion" not in unit
    assert "steps.lint.output" not in unit  # a branch beside it
    wrap = await _labels(editor, uri, lines, "Wrap {{")
    assert {"steps.both.output", "steps.unit.output", "steps.lint.output"} <= wrap
    assert "steps.check.output" not in wrap and "steps.wrap.output" not in wrap

    listed = await editor.client.protocol.send_request_async("orchestra/commands", {})
    [flow] = [c for c in listed.commands if c.name == "flow"]
    build = flow.steps[1]
    assert (build.id, build.kind, build.path) == ("build", "repeat", "build")
    assert [(s.id, s.path, s.agent) for s in build.steps] == [
        ("implement", "build/implement", "coder"),
        ("review", "build/review", "planner"),
    ]
    assert [s.path for s in flow.steps[3].steps] == ["both/unit", "both/lint"]
    assert flow.steps[2].kind == "for_each" and flow.steps[2].steps[0].path == "qa/check"
