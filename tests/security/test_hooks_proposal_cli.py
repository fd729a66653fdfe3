"""A PostToolUse hook on Edit (a formatter) works on the proposal, never on the disk.

`.claude/settings.json` runs a formatter after every `Edit|Write`, as Claude Code users
do; it also appends a line to a log file in the project. A scripted model edits a file
through the real CLI. Without `--apply` nothing of the edit or the formatting reaches
the file, yet the pending proposal holds the formatted text; with `--apply` the
formatted text lands through review (`applied`). The hook's write to the log file
happened on disk outside review, and the journal says so, naming the hook.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from attack_helpers import committed, formatter_hooked, person_runs, run_events

from orchestra_lsp.testing import ScriptedServer

APP = "print('hello')\n"
FORMATTER = """\
import json, os, pathlib, sys
call = json.load(sys.stdin)
path = pathlib.Path(call["tool_input"]["file_path"])
path.write_text(path.read_text().replace("'", '"'))
with open(os.path.join(os.environ["CLAUDE_PROJECT_DIR"], "hook.log"), "a") as log:
    log.write(f"formatted {path.name}\\n")
"""
HOOK = "python3 .claude/hooks/fmt.py"


@pytest.fixture
def repo() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="orchestra-hooks-") as folder:
        root = Path(folder) / "repo"
        files = {
            **formatter_hooked(HOOK, max_turns=3),
            ".claude/hooks/fmt.py": FORMATTER,
            "src/app.py": APP,
            "hook.log": "",
        }
        yield committed(root, files)


def _run(root: Path, path: str, *flags: str) -> tuple[list[dict[str, Any]], str]:
    edit = {
        "name": "edit",
        "input": {
            "command": "str_replace",
            "path": path,
            "old_str": "print('hello')",
            "new_str": "print('hello')\nprint('bye')",
        },
    }
    script = [
        {"name": "edit", "reply": {"tool_use": [edit]}},
        {
            "name": "done",
            "expect": {"last_tool_result_contains": ["its change is part of the proposal"]},
            "reply": {"text": "Done."},
        },
    ]
    with ScriptedServer(script) as model:
        done = person_runs(root, "run", "change", "--yes", *flags, model_url=model.base_url)
        model.assert_no_failures()
        model.assert_all_consumed()
    return run_events(root), done.stdout + done.stderr


def _decided(events: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {str(e["path"]): e for e in events if e["type"] == "proposal_decided"}


def test_without_apply_the_hook_formats_the_proposal_and_the_file_stays(repo: Path) -> None:
    events, output = _run(repo, "src/app.py")
    assert (repo / "src/app.py").read_text() == APP, "the hook or the edit reached the disk"
    decided = _decided(events)
    assert decided["src/app.py"]["outcome"] == "pending", decided
    [changeset] = (repo / ".orchestra" / "runs").glob("*/changeset.json")
    proposed = json.loads(changeset.read_text())["files"]["src/app.py"]["proposed_text"]
    assert proposed == 'print("hello")\nprint("bye")\n', proposed
    # The hook's own log line went through the project link: journaled outside review.
    assert (repo / "hook.log").read_text() == "formatted app.py\n"
    outside = decided["hook.log"]
    assert outside["outcome"] == "applied_outside_review", outside
    assert f"by the PostToolUse hook `{HOOK}`" in str(outside["detail"]), outside
    assert "hook.log was changed on disk by the PostToolUse hook" in output, output
    assert "a PostToolUse hook changed the proposed src/app.py" in output, output


def test_with_apply_the_formatted_proposal_lands_through_review(repo: Path) -> None:
    """The model names the file by its absolute path: the hook still gets the scratch copy."""
    events, _ = _run(repo, str(repo / "src/app.py"), "--apply")
    assert (repo / "src/app.py").read_text() == 'print("hello")\nprint("bye")\n'
    decided = _decided(events)
    assert decided["src/app.py"]["outcome"] == "applied", decided
    assert decided["src/app.py"]["accepted"], decided
