"""The model a run uses: a deprecated one is named in a warning, once, before its first
call, so a person learns of its end of life before calls to it start failing."""

from __future__ import annotations

from pathlib import Path

from engine_helpers import RecordingFrontEnd, command_file, model_client, run_command, workspace

from orchestra_lsp.engine import Engine, RunRequest
from orchestra_lsp.retirement import deprecated_models
from orchestra_lsp.testing import ScriptedServer

TWO_STEPS = [
    {"id": "one", "agent": "veteran", "prompt": "First."},
    {"id": "two", "agent": "veteran", "prompt": "Second."},
]
#: A model of the installed SDK's deprecation table (it changes with the SDK's releases).
RETIRING = sorted(deprecated_models())[0]
VETERAN = f"""\
---
name: veteran
description: Still on an older model.
model: {RETIRING}
tools: [read_file]
---
You are an agent on a model about to retire.
"""


async def test_a_deprecated_model_is_named_once_with_its_end_of_life(root: Path) -> None:
    workspace(
        root, {"old": command_file(TWO_STEPS)}, extra={".orchestra/agents/veteran.md": VETERAN}
    )
    script = [
        {"expect": {"model": RETIRING}, "reply": {"text": "one done"}},
        {"expect": {"model": RETIRING}, "reply": {"text": "two done"}},
    ]
    outcome = await run_command(root, script, RunRequest(command="old"))

    assert outcome.result.state == "finished"
    [notice] = outcome.frontend.of_type("notice")
    assert notice.level == "warning"
    assert f"{RETIRING} is deprecated" in notice.message
    assert deprecated_models()[RETIRING] in notice.message  # the day, as the SDK gives it
    assert ".orchestra/config.toml" in notice.message
    types = [event.type for event in outcome.frontend.events]
    assert types.index("notice") < types.index("context")  # before the first model call
    assert [e["type"] for e in outcome.journal_of("notice")] == ["notice"]


async def test_an_editor_session_names_it_once_not_at_every_run(root: Path) -> None:
    workspace(
        root, {"old": command_file(TWO_STEPS)}, extra={".orchestra/agents/veteran.md": VETERAN}
    )
    script = [{"reply": {"text": f"reply {n}"}} for n in range(4)]
    first, second = RecordingFrontEnd(root), RecordingFrontEnd(root)
    user = root.parent / "user-config"
    user.mkdir()
    with ScriptedServer(script) as server:
        engine = Engine(root, client=model_client(server), user_dir=user)
        try:
            for frontend in (first, second):
                result = await engine.start(RunRequest(command="old"), frontend).wait()
                assert result.state == "finished", result.error
        finally:
            await engine.aclose()
    assert len(first.of_type("notice")) == 1
    assert second.of_type("notice") == []


async def test_a_current_model_gets_no_warning(root: Path) -> None:
    workspace(root, {"new": command_file([{"id": "one", "agent": "worker", "prompt": "Go."}])})
    outcome = await run_command(root, [{"reply": {"text": "done"}}], RunRequest(command="new"))
    assert outcome.result.state == "finished"
    assert outcome.frontend.of_type("notice") == []
