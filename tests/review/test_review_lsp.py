"""Review through the language server with clients that are not VS Code (issue 23's
review part, issue 11 case 5): a stock client gets a message request per file with
Accept all / Reject all / Show diff; a client without `workspace.applyEdit` gets its
change on disk; an error answer to applyEdit is "not applied", not a failed run; a
client that holds didChange until its request returns (eglot) still gets the truth;
a cancelled run's review refuses later decisions."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from lsp_helpers import Editor, Editors, make_workspace
from lsprotocol import types
from pytest_lsp import client_capabilities

from orchestra_lsp.journal import list_runs, load_run
from orchestra_lsp.testing import ScriptedServer

API_KEY = "test-key-review-0a1b2c3d4e5f"
BASE = "".join(f"line {n}\n" for n in range(1, 31))
TWO_HUNKS = BASE.replace("line 2\n", "line two\n").replace("line 28\n", "line twenty-eight\n")

Capabilities = Callable[[types.ClientCapabilities], None]
Start = Callable[..., Awaitable[Editor]]


def _edit(old: str, new: str) -> dict[str, Any]:
    return {
        "name": "edit",
        "input": {"command": "str_replace", "path": "data.txt", "old_str": old, "new_str": new},
    }


def script(*, slow_end: float = 0.0) -> list[dict[str, Any]]:
    return [
        {"name": "plan", "reply": {"text": "The plan: change line 2 and line 28."}},
        {
            "name": "implement",
            "reply": {
                "tool_use": [
                    _edit("line 2\n", "line two\n"),
                    _edit("line 28\n", "line twenty-eight\n"),
                ]
            },
        },
        {"name": "implemented", "delay": slow_end, "reply": {"text": "Changed two lines."}},
        {"name": "check", "reply": {"text": "Checked."}},
    ]


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = make_workspace(tmp_path / "ws")
    (root / ".orchestra" / "config.toml").write_text('[model]\nname = "claude-sonnet-4-6"\n')
    (root / "data.txt").write_text(BASE, encoding="utf-8")
    return root


@pytest.fixture
def model() -> Iterator[ScriptedServer]:
    """The scripted model of `script()`, for every editor `start` starts."""
    with ScriptedServer(script()) as server:
        yield server


@pytest.fixture
async def start(tmp_path: Path, model: ScriptedServer) -> AsyncIterator[Start]:
    editors = Editors()

    async def _start(
        root: Path,
        *,
        profile: str = "neovim@v0.7.0",
        review: str | None = None,
        adjust: Capabilities | None = None,
        answers: list[str | None] | None = None,
        options: Any = None,
    ) -> Editor:
        env = {
            "ANTHROPIC_API_KEY": API_KEY,
            "ANTHROPIC_BASE_URL": model.base_url,
            "XDG_CONFIG_HOME": str(tmp_path / "config"),
        }
        capabilities = client_capabilities(profile)
        experimental: dict[str, Any] = {"events": True}
        if review:
            experimental["review"] = review
        capabilities.experimental = {"orchestra": experimental}
        if adjust is not None:
            adjust(capabilities)
        return await editors.start(root, capabilities, env=env, answers=answers, options=options)

    yield _start
    await editors.close()


async def _run(editor: Editor) -> str:
    answer = await editor.request(
        "orchestra/run", {"command": "change", "arguments": {"goal": "rename lines"}}
    )
    return str(answer.runId)


def _decided(root: Path, run_id: str) -> dict[str, dict[str, Any]]:
    return {
        e["path"]: e for e in load_run(root, run_id).events if e.get("type") == "proposal_decided"
    }


async def test_a_stock_client_reviews_by_message_with_a_diff_document(
    start: Start, workspace: Path, model: ScriptedServer
) -> None:
    editor = await start(
        workspace,
        adjust=_shows_documents,
        answers=["Approve", "Show diff", "Accept all"],
    )
    run_id = await _run(editor)
    await editor.wait_event("run_finished", run_id=run_id, timeout=90)
    model.assert_no_failures()
    review = [m.message for m in editor.message_requests[1:]]
    assert (
        review
        == ["Orchestra: coder · implement proposes 2 changes to data.txt (lines 2–2, 28–28)"] * 2
    )
    assert [a.title for a in editor.message_requests[1].actions or []] == [
        "Accept all",
        "Reject all",
        "Show diff",
    ]
    [document] = [d for d in editor.client.shown_documents if d.uri.endswith(".diff")]
    diff = Path(document.uri.removeprefix("file://"))
    assert diff.parent == workspace / ".orchestra" / "runs" / run_id and diff.suffix == ".diff"
    assert "-line 2\n+line two\n" in diff.read_text()
    assert (workspace / "data.txt").read_text() == TWO_HUNKS
    data = _decided(workspace, run_id)["data.txt"]
    assert (data["outcome"], data["accepted"], data["landed"]) == (
        "applied",
        ["h1", "h2"],
        ["h1", "h2"],
    )
    assert editor.applied_edits == []  # not open: landed by the server, not sent


def _shows_documents(capabilities: types.ClientCapabilities) -> None:
    capabilities.window = capabilities.window or types.WindowClientCapabilities()
    capabilities.window.show_document = types.ShowDocumentClientCapabilities(support=True)


async def test_reject_all_by_message_leaves_the_file(start: Start, workspace: Path) -> None:
    editor = await start(workspace, answers=["Approve", "Show diff", "Reject all"])
    run_id = await _run(editor)
    await editor.wait_event("run_finished", run_id=run_id, timeout=90)
    # A client that cannot show documents is told where the diff is, and asked again.
    assert editor.client.shown_documents == []
    [told] = [m for m in editor.client.messages if ".diff" in m.message]
    assert f".orchestra/runs/{run_id}/review-data.txt.diff" in told.message
    assert (workspace / "data.txt").read_text() == BASE
    data = _decided(workspace, run_id)["data.txt"]
    assert (data["outcome"], data["accepted"], data["rejected"]) == ("rejected", [], ["h1", "h2"])


def _no_apply_edit(capabilities: types.ClientCapabilities) -> None:
    assert capabilities.workspace is not None
    capabilities.workspace.apply_edit = False


async def test_without_apply_edit_an_open_file_lands_on_disk(start: Start, workspace: Path) -> None:
    editor = await start(workspace, review="proposal", adjust=_no_apply_edit, answers=["Approve"])
    editor.open("data.txt")
    run_id = await _run(editor)
    await editor.wait_event("proposal_ready", run_id=run_id, timeout=90)
    decided = await editor.request(
        "orchestra/decide",
        {"runId": run_id, "files": [{"path": "data.txt", "accepted": ["h1"]}]},
    )
    assert list(decided.files[0].accepted) == ["h1"]
    await editor.wait_event("run_finished", run_id=run_id, timeout=90)
    assert editor.applied_edits == []  # never asked a client that did not declare it
    assert (workspace / "data.txt").read_text() == BASE.replace("line 2\n", "line two\n")
    data = _decided(workspace, run_id)["data.txt"]
    assert (data["outcome"], data["landed"]) == ("applied", ["h1"])


async def test_an_error_answer_to_apply_edit_is_not_applied_not_a_failed_run(
    start: Start, workspace: Path
) -> None:
    editor = await start(
        workspace,
        profile="visual-studio-code",
        review="applyEdit",
        answers=["Approve"],
    )

    def refuse(edit: types.WorkspaceEdit) -> None:  # the client answers with an error
        raise RuntimeError("cannot apply that here")

    editor._apply = refuse  # type: ignore[method-assign]

    editor.open("data.txt")
    run_id = await _run(editor)
    await editor.wait_event("run_finished", run_id=run_id, timeout=90)
    assert not [e for e in editor.events if e["type"] == "run_failed"]
    assert (workspace / "data.txt").read_text() == BASE
    data = _decided(workspace, run_id)["data.txt"]
    assert (data["outcome"], data["landed"]) == ("rejected", [])


async def test_a_client_holding_did_change_until_decide_returns_gets_the_truth(
    start: Start, workspace: Path
) -> None:
    """eglot sends no didChange while a request of its own is waiting for an answer."""
    editor = await start(workspace, review="proposal", answers=["Approve"])
    editor.open("data.txt")
    held: list[Callable[[], None]] = []
    deciding = asyncio.Event()
    type_text = editor.type_text

    def hold_while_deciding(relative: str, text: str) -> None:
        if deciding.is_set():
            held.append(lambda: type_text(relative, text))
        else:
            type_text(relative, text)

    editor.type_text = hold_while_deciding  # type: ignore[method-assign]
    run_id = await _run(editor)
    await editor.wait_event("proposal_ready", run_id=run_id, timeout=90)
    deciding.set()
    await editor.request(
        "orchestra/decide",
        {"runId": run_id, "files": [{"path": "data.txt", "accepted": "all"}]},
    )
    deciding.clear()
    for send in held:
        send()
    decided = await editor.wait_event("proposal_decided", run_id=run_id, timeout=30)
    await editor.wait_event("run_finished", run_id=run_id, timeout=90)
    buffer, _ = editor.buffers["data.txt"]
    assert buffer == TWO_HUNKS
    assert (decided["outcome"], decided["landed"]) == ("applied_in_editor", ["h1", "h2"])
    assert (workspace / "data.txt").read_text() == BASE  # the buffer is not saved


async def test_a_decision_after_cancel_is_refused_and_nothing_lands(
    start: Start, workspace: Path
) -> None:
    editor = await start(workspace, review="proposal", answers=["Approve"])
    run_id = await _run(editor)
    await editor.wait_event("proposal_ready", run_id=run_id, timeout=90)
    cancelled = await editor.request("orchestra/cancel", {"runId": run_id})
    assert cancelled.cancelled
    await editor.wait_event("run_cancelled", run_id=run_id, timeout=30)
    with pytest.raises(Exception, match="withdrawn"):
        await editor.request(
            "orchestra/decide",
            {"runId": run_id, "files": [{"path": "data.txt", "accepted": "all"}]},
        )
    assert (workspace / "data.txt").read_text() == BASE
    assert _decided(workspace, run_id) == {}
    [summary] = list_runs(workspace)
    assert summary.state == "cancelled"


async def test_bad_initialization_options_are_named_and_the_defaults_used(
    start: Start, workspace: Path
) -> None:
    editor = await start(
        workspace,
        options={"orchestra": {"review": "sideways", "events": True}},
        answers=["Approve", "Accept all"],
    )
    run_id = await _run(editor)
    await editor.wait_event("run_finished", run_id=run_id, timeout=90)
    [told] = [m.message for m in editor.client.messages if "initializationOptions" in m.message]
    assert "initializationOptions.orchestra.review" in told and "using the defaults" in told
    # The default for a stock client: the review came as a message request.
    assert "proposes 2 changes to data.txt" in editor.message_requests[1].message
