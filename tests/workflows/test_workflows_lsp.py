"""Both workflows through the language server (`orchestra serve`, driven by a pytest-lsp
client with VS Code's capabilities): the person allows the ticket comment and approves
the design in message requests, and reviews the fix through workspace/applyEdit. The
model is played by the shipped transcripts; the MCP servers and the browser are real."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from workflow_helpers import (
    API_KEY,
    BUG,
    FIX,
    IMPLEMENT_TRANSCRIPT,
    QA_TRANSCRIPT,
    REPO,
    Shop,
    check_qa_report,
    step_outputs,
    transcript,
)

from orchestra_lsp.testing import ScriptedServer
from orchestra_lsp.tickets.store import TicketStore

sys.path.insert(0, str(REPO / "tests" / "lsp"))
from lsp_helpers import Editor, fix_code_action_decoding

RUN_SECONDS = 150

Start = Callable[[Shop, str], Awaitable[Editor]]


@pytest.fixture
async def start() -> AsyncIterator[Start]:
    """`orchestra serve` on the shop copy, with a VS Code client session."""
    editors: list[Editor] = []

    async def _start(shop: Shop, model_url: str) -> Editor:
        config = ClientServerConfig(
            server_command=[sys.executable, "-m", "orchestra_lsp", "serve"],
            server_env={
                **shop.env,
                "ANTHROPIC_BASE_URL": model_url,
                "ANTHROPIC_API_KEY": API_KEY,
            },
        )
        client: LanguageClient = await config.start()  # type: ignore[assignment]
        fix_code_action_decoding(client)
        editor = Editor(client, shop.root)
        root = shop.root.as_uri()
        capabilities = client_capabilities("visual-studio-code")
        # What the Orchestra extension declares: reviews through the annotated applyEdit.
        capabilities.experimental = {"orchestra": {"events": True, "review": "applyEdit"}}
        editor.initialized = await client.initialize_session(
            types.InitializeParams(
                capabilities=capabilities,
                root_uri=root,
                workspace_folders=[types.WorkspaceFolder(uri=root, name="shop")],
            )
        )
        editors.append(editor)
        return editor

    yield _start
    for editor in editors:
        await asyncio.wait_for(editor.client.shutdown_session(), 10)
        await editor.client.stop()  # type: ignore[no-untyped-call]


async def _run(editor: Editor, command: str, ticket: str) -> dict[str, Any]:
    answer = await editor.request(
        "orchestra/run", {"command": command, "arguments": {"ticket": ticket}}
    )
    ended = await asyncio.wait_for(_ended(editor, str(answer.runId)), RUN_SECONDS)
    assert ended["type"] == "run_finished", ended
    return ended


async def _ended(editor: Editor, run_id: str) -> dict[str, Any]:
    final = {"run_finished", "run_failed", "run_cancelled"}
    while True:
        for event in editor.events:
            if event.get("run_id") == run_id and event.get("type") in final:
                return event
        editor.event_arrived.clear()
        await editor.event_arrived.wait()


def _posted(turn: dict[str, Any]) -> None:
    """In the editor the person allows the comment, so the call is made."""
    turn["expect"]["last_tool_result_contains"] = ['"comment_count": 2', '"author": "Orchestra QA"']


async def test_qa_ticket_in_the_editor_posts_the_allowed_comment(shop: Shop, start: Start) -> None:
    script = transcript(QA_TRANSCRIPT, shop.port, {"report-answer": _posted})
    with ScriptedServer(script) as model:
        editor = await start(shop, model.base_url)
        editor.answers = ["Allow"]
        finished = await _run(editor, "qa-ticket", "SHOP-14")
    model.assert_no_failures()
    model.assert_all_consumed()

    # The report: the run's answer, saved in its folder and opened in the editor.
    report = shop.run_dir(finished["run_id"]) / "report.md"
    assert finished["report"] == str(report)
    check_qa_report(report.read_text(encoding="utf-8"), report.parent)
    assert report.as_uri() in [shown.uri for shown in editor.client.shown_documents]
    run_events = [e for e in editor.events if e.get("run_id") == finished["run_id"]]
    assert step_outputs(run_events)["report"] == finished["output"]

    # The one question to the person: may the report go on the ticket, shown whole.
    [asked] = editor.message_requests
    assert "wants to call mcp__tickets__add_comment" in asked.message
    assert "## QA report — SHOP-14" in asked.message
    assert [a.title for a in asked.actions or []] == ["Deny", "Allow"]
    ticket = TicketStore(shop.root / "tickets").get("SHOP-14")
    [_, comment] = ticket.comments
    assert comment.author == "Orchestra QA"
    assert "## QA report — SHOP-14" in comment.body and "Verdict: FAIL" in comment.body


async def test_implement_ticket_in_the_editor_applies_the_reviewed_fix(
    shop: Shop, start: Start
) -> None:
    with ScriptedServer(transcript(IMPLEMENT_TRANSCRIPT, shop.port)) as model:
        editor = await start(shop, model.base_url)
        editor.answers = ["Approve"]
        finished = await _run(editor, "implement-ticket", "SHOP-12")
    model.assert_no_failures()
    model.assert_all_consumed()

    [design] = editor.message_requests
    assert "Step 'design' (architect) is done." in design.message
    assert "sum(line.subtotal_cents for line in self.lines)" in design.message
    [applied] = editor.applied_edits
    [document_edit] = applied.edit.document_changes or []
    assert isinstance(document_edit, types.TextDocumentEdit)
    assert document_edit.text_document.uri == (shop.root / "shop" / "cart.py").as_uri()
    [hunk] = document_edit.edits
    assert isinstance(hunk, types.AnnotatedTextEdit)  # one hunk, for the person to confirm
    assert (applied.edit.change_annotations or {})[hunk.annotation_id].needs_confirmation

    cart = (shop.root / "shop" / "cart.py").read_text()
    assert FIX in cart and BUG not in cart
    tests = shop.tests()
    assert tests.returncode == 0, tests.stderr
    assert finished["output"].startswith("VERDICT: approve")
