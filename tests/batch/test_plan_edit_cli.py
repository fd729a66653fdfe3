"""Edit the plan at the terminal: `orchestra run` on a pseudo-terminal, the approve gate's
`edit` opening `$VISUAL`/`$EDITOR` (here `sh` and `sed`, run as any editor is) on a
temporary file; the approved edit reaches the next step and the journal. An editor that
fails or cannot start is said with the file that keeps what was typed, and the gate
is asked again."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from engine_helpers import cli_env, command_file, in_a_terminal, orchestra, workspace

from orchestra_lsp.journal import list_runs, load_run
from orchestra_lsp.testing import ScriptedServer

FLOW = command_file(
    [
        {"id": "plan", "agent": "worker", "prompt": "Plan it.", "gate": "approve"},
        {"id": "build", "agent": "worker", "prompt": "Build this plan: {{steps.plan.output}}"},
    ]
)
GATE = "Approve, edit, revise or stop?"


def _run(root: Path, config_home: Path, editor: str, build_sees: str) -> tuple[str, int]:
    workspace(root, {"flow": FLOW})
    script: list[dict[str, Any]] = [
        {"reply": {"text": "Rewrite everything."}},
        {"expect": {"messages_contain": [build_sees]}, "reply": {"text": "built"}},
    ]
    with ScriptedServer(script) as server:
        transcript, code = in_a_terminal(
            [sys.executable, "-m", "orchestra_lsp", "run", "flow"],
            root,
            cli_env(server.base_url, config_home, EDITOR=editor, COLUMNS="200"),
            {},
            [(GATE, "edit\n"), (GATE, "edit\n"), (GATE, "approve\n")],
        )
        server.assert_no_failures()
        server.assert_all_consumed()
    return transcript, code


def test_the_plan_edited_in_the_editor_is_approved_after_a_failed_try(
    root: Path, config_home: Path, tmp_path: Path
) -> None:
    mark = tmp_path / "tried"
    # The first time the editor types a line and fails; the second time it edits.
    editor = (
        f'sh -c \'if [ -e {mark} ]; then sed -i s/Rewrite/Fix/ "$0"; '
        f'else touch {mark}; echo typed-before-the-crash >> "$0"; exit 3; fi\''
    )
    transcript, code = _run(root, config_home, editor, "Build this plan: Fix everything.")
    assert code == 0, transcript
    flat = " ".join(transcript.split())
    assert "The edit was not taken: the editor `sh` exited with status 3" in flat
    kept = flat.split("what was typed is kept in ")[1].split()[0].rstrip(".")
    assert "typed-before-the-crash" in Path(kept).read_text()
    assert "edited" in flat  # the panel says the text shown is the edit
    [run] = list_runs(root)
    events = load_run(root, run.run_id).events
    [decided] = [e for e in events if e["type"] == "gate_decided"]
    assert decided["edited"] is True and decided["output"] == "Fix everything."
    shown = orchestra(root, "http://127.0.0.1:9", config_home, "show", run.run_id)
    assert "gate approve: approve by person, edited: Fix everything." in shown.stdout


def test_an_editor_that_cannot_start_is_said_and_the_plan_stays(
    root: Path, config_home: Path
) -> None:
    transcript, code = _run(
        root, config_home, "/no/such/editor --wait", "Build this plan: Rewrite everything."
    )
    assert code == 0, transcript
    flat = " ".join(transcript.split())
    assert "the editor `/no/such/editor` could not start: No such file or directory" in flat
    [run] = list_runs(root)
    [decided] = [e for e in load_run(root, run.run_id).events if e["type"] == "gate_decided"]
    assert decided["edited"] is False
