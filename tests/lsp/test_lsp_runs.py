"""Runs through the editor against the scripted model: progress, an approve gate,
reviews through applyEdit (VS Code) and through orchestra/proposal + decide
(Neovim), cancellation, rebase and conflict, and astral characters in UTF-16."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from lsp_helpers import make_workspace
from lsprotocol import types

from orchestra_lsp.journal import load_run
from orchestra_lsp.testing import ScriptedServer

API_KEY = "test-key-lsp-0a1b2c3d4e5f"
BASE = "".join(f"line {n}\n" for n in range(1, 31))


def _edit(path: str, old: str, new: str) -> dict[str, Any]:
    return {
        "name": "edit",
        "input": {"command": "str_replace", "path": path, "old_str": old, "new_str": new},
    }


def three_steps(*, implement_delay: float = 0.0) -> list[dict[str, Any]]:
    return [
        {"name": "plan", "reply": {"text": "The plan: change line 2 and line 28."}},
        {
            "name": "implement",
            "expect": {"messages_contain": ["The plan: change line 2"]},
            "reply": {
                "tool_use": [
                    _edit("data.txt", "line 2\n", "line two\n"),
                    _edit("data.txt", "line 28\n", "line twenty-eight\n"),
                ]
            },
        },
        {"name": "implemented", "delay": implement_delay, "reply": {"text": "Changed two lines."}},
        {"name": "check", "reply": {"text": "Checked."}},
    ]


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = make_workspace(tmp_path / "ws")
    (root / ".orchestra" / "config.toml").write_text('[model]\nname = "claude-sonnet-4-6"\n')
    (root / "data.txt").write_text(BASE, encoding="utf-8")
    return root


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"ANTHROPIC_API_KEY": API_KEY, "XDG_CONFIG_HOME": str(tmp_path / "config")}


async def _run(editor: Any, command: str, **arguments: str) -> str:
    answer = await editor.client.protocol.send_request_async(
        "orchestra/run", {"command": command, "arguments": arguments}
    )
    return str(answer.runId)


def _decided(root: Path, run_id: str) -> dict[str, dict[str, Any]]:
    return {
        e["path"]: e for e in load_run(root, run_id).events if e.get("type") == "proposal_decided"
    }


async def test_three_steps_approve_and_partial_review_vscode(
    start: Any, workspace: Path, env: dict[str, str]
) -> None:
    with ScriptedServer(three_steps()) as model:
        editor = await start(workspace, "vscode", env={**env, "ANTHROPIC_BASE_URL": model.base_url})
        editor.answers = ["Approve"]
        editor.choose = lambda annotation, edit: annotation.endswith("#h1")
        run_id = await _run(editor, "change", goal="rename lines")
        finished = await editor.wait_event("run_finished", run_id=run_id, timeout=60)
    model.assert_no_failures()
    assert finished["output"] == "Checked."

    [gate] = editor.message_requests
    assert "The plan: change line 2" in gate.message
    assert [a.title for a in gate.actions] == ["Approve", "Revise", "Stop"]

    [applied] = editor.applied_edits
    [document_edit] = applied.edit.document_changes
    assert document_edit.text_document.version is None  # data.txt is not open
    assert [e.annotation_id for e in document_edit.edits] == ["data.txt#h1", "data.txt#h2"]
    annotation = applied.edit.change_annotations["data.txt#h1"]
    assert annotation.needs_confirmation
    assert annotation.label == "coder · implement: data.txt"

    expected = BASE.replace("line 2\n", "line two\n")
    assert (workspace / "data.txt").read_text() == expected
    decided = _decided(workspace, run_id)["data.txt"]
    assert (decided["accepted"], decided["rejected"], decided["outcome"]) == (
        ["h1"],
        ["h2"],
        "applied",
    )

    reports = await _progress_ended(editor)
    kinds = [r.kind for r in reports]
    assert kinds[0] == "begin" and kinds[-1] == "end" and "report" in kinds
    assert reports[0].cancellable
    messages = " ".join(r.message or "" for r in reports)
    assert "plan (planner) 1/3" in messages and "implement (coder) 2/3" in messages
    assert "tokens" in messages and "$" in messages


async def _progress_ended(editor: Any) -> list[Any]:
    """The one progress of the run, once its `end` has arrived."""
    for _ in range(200):
        [reports] = [r for r in editor.client.progress_reports.values() if r] or [[]]
        if reports and reports[-1].kind == "end":
            return list(reports)
        await asyncio.sleep(0.05)
    raise AssertionError(f"no progress end: {editor.client.progress_reports}")


async def test_three_steps_review_through_proposal_neovim(
    start: Any, workspace: Path, env: dict[str, str]
) -> None:
    with ScriptedServer(three_steps()) as model:
        editor = await start(workspace, "neovim", env={**env, "ANTHROPIC_BASE_URL": model.base_url})
        editor.answers = ["Approve"]
        run_id = await _run(editor, "change", goal="rename lines")
        await editor.wait_event("proposal_ready", run_id=run_id, timeout=60)
        proposal = await editor.client.protocol.send_request_async(
            "orchestra/proposal", {"runId": run_id}
        )
        [file] = proposal.files
        assert (file.path, file.kind, [h.id for h in file.hunks]) == (
            "data.txt",
            "modify",
            ["h1", "h2"],
        )
        assert file.originalText == BASE
        assert (
            file.hunks[1].range.start.line == 27 and file.hunks[1].newText == "line twenty-eight\n"
        )
        decided = await editor.client.protocol.send_request_async(
            "orchestra/decide",
            {"runId": run_id, "files": [{"path": "data.txt", "accepted": ["h2"]}]},
        )
        # Recorded at once; the outcome comes afterwards, read back from the disk.
        assert list(decided.files[0].accepted) == ["h2"] and list(decided.undecided) == []
        landed = await editor.wait_event("proposal_decided", run_id=run_id, timeout=60)
        assert (landed["outcome"], landed["landed"]) == ("applied", ["h2"])
        await editor.wait_event("run_finished", run_id=run_id, timeout=60)
    model.assert_no_failures()
    assert editor.applied_edits == []  # Neovim would apply without asking: not used
    assert (workspace / "data.txt").read_text() == BASE.replace("line 28\n", "line twenty-eight\n")
    assert _decided(workspace, run_id)["data.txt"]["accepted"] == ["h2"]


async def test_cancel_mid_run(start: Any, workspace: Path, env: dict[str, str]) -> None:
    script = [{"name": "slow plan", "delay": 30, "reply": {"text": "never"}}]
    with ScriptedServer(script) as model:
        editor = await start(workspace, "vscode", env={**env, "ANTHROPIC_BASE_URL": model.base_url})
        run_id = await _run(editor, "change", goal="x")
        await editor.wait_event("step_started", run_id=run_id)
        answer = await editor.client.protocol.send_request_async(
            "orchestra/cancel", {"runId": run_id}
        )
        assert answer.cancelled is True
        cancelled = await editor.wait_event("run_cancelled", run_id=run_id, timeout=10)
    assert cancelled["run_id"] == run_id
    assert load_run(workspace, run_id).summary.state == "cancelled"
    assert (workspace / "data.txt").read_text() == BASE


async def test_cancelling_the_progress_stops_the_run(
    start: Any, workspace: Path, env: dict[str, str]
) -> None:
    script = [{"name": "slow plan", "delay": 30, "reply": {"text": "never"}}]
    with ScriptedServer(script) as model:
        editor = await start(workspace, "vscode", env={**env, "ANTHROPIC_BASE_URL": model.base_url})
        run_id = await _run(editor, "change", goal="x")
        await editor.wait_event("step_started", run_id=run_id)
        for _ in range(100):
            tokens = [t for t, r in editor.client.progress_reports.items() if r]
            if tokens:
                break
            await asyncio.sleep(0.05)
        editor.client.window_work_done_progress_cancel(
            types.WorkDoneProgressCancelParams(token=tokens[0])
        )
        await editor.wait_event("run_cancelled", run_id=run_id, timeout=10)


@pytest.mark.parametrize("where", ["elsewhere", "same line"])
async def test_review_over_a_buffer_changed_meanwhile(
    start: Any, workspace: Path, env: dict[str, str], where: str
) -> None:
    with ScriptedServer(three_steps(implement_delay=2.0)) as model:
        editor = await start(workspace, "vscode", env={**env, "ANTHROPIC_BASE_URL": model.base_url})
        editor.open("data.txt")
        editor.answers = ["Approve"]
        run_id = await _run(editor, "change", goal="x")
        await editor.wait_event("tool_call_finished", run_id=run_id, timeout=60)
        typed = (
            BASE.replace("line 10\n", "line ten, typed\n")
            if where == "elsewhere"
            else BASE.replace("line 2\n", "line 2, typed\n")
        )
        editor.type_text("data.txt", typed)
        await editor.wait_event("run_finished", run_id=run_id, timeout=60)
    buffer, _ = editor.buffers["data.txt"]
    decided = _decided(workspace, run_id)["data.txt"]
    if where == "elsewhere":
        assert buffer == typed.replace("line 2\n", "line two\n").replace(
            "line 28\n", "line twenty-eight\n"
        )
        # In the buffer, not on disk: the journal says exactly that.
        assert decided["outcome"] == "applied_in_editor" and decided["accepted"] == ["h1", "h2"]
        assert decided["landed"] == ["h1", "h2"]
        [applied] = editor.applied_edits
        assert applied.edit.document_changes[0].text_document.version == 2
    else:
        assert buffer == typed  # never overwritten
        assert decided["outcome"] == "conflict" and decided["accepted"] == []
        assert editor.applied_edits == []
    assert (workspace / "data.txt").read_text() == BASE  # the editor holds the change


async def test_astral_characters_in_utf16(start: Any, workspace: Path, env: dict[str, str]) -> None:
    last = "naïve 😀 café 𝄞 end"
    (workspace / "data.txt").write_text("first\n" + last, encoding="utf-8")
    script: list[dict[str, Any]] = [
        {"reply": {"text": "Plan."}},
        {"reply": {"tool_use": [_edit("data.txt", "café 𝄞 end", "café 𝄞 END 🎉")]}},
        {"reply": {"text": "Done."}},
        {"reply": {"text": "Checked."}},
    ]
    with ScriptedServer(script) as model:
        editor = await start(workspace, "vscode", env={**env, "ANTHROPIC_BASE_URL": model.base_url})
        editor.open("data.txt")
        editor.answers = ["Approve"]
        run_id = await _run(editor, "change", goal="x")
        await editor.wait_event("run_finished", run_id=run_id, timeout=60)
    [applied] = editor.applied_edits
    [edit] = applied.edit.document_changes[0].edits
    assert (edit.range.start.line, edit.range.start.character) == (1, 0)
    assert (edit.range.end.line, edit.range.end.character) == (
        1,
        len(last.encode("utf-16-le")) // 2,
    )
    assert editor.buffers["data.txt"][0] == "first\nnaïve 😀 café 𝄞 END 🎉"
