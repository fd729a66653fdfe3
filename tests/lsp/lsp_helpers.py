"""A scripted editor around pytest-lsp's client: open buffers, an applyEdit that
applies only the edits a test chooses, scripted answers to gates, and the events."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from orchestra_lsp.changes import Position, Range, TextEdit, apply_text_edits

sys.path.insert(0, str(Path(__file__).parent))

HOLD = "(hold)"
"""An answer to a message request that leaves it open until `Editor.release` is set."""
Chooser = Callable[[str, types.AnnotatedTextEdit | types.TextEdit], bool]
#: A handler of a request or notification from the server (pygls calls it with params).
Handler = Callable[..., Any]


def fix_code_action_decoding(client: LanguageClient) -> None:
    """lsprotocol 2025.0.0 decodes a CodeAction carrying a `command` as a Command."""
    converter = client.protocol._converter

    def structure(obj: Any, _: Any) -> types.Command | types.CodeAction:
        if isinstance(obj.get("command"), str):
            return converter.structure(obj, types.Command)
        return converter.structure(obj, types.CodeAction)

    converter.register_structure_hook(types.Command | types.CodeAction, structure)


class Editors:
    """Real `orchestra_lsp.lsp` processes, each with a pytest-lsp client as its editor;
    `close()` shuts them all down (the fixtures call it after the test)."""

    def __init__(self) -> None:
        self.started: list[Editor] = []

    async def start(
        self,
        workspace: Path,
        capabilities: types.ClientCapabilities,
        *,
        env: dict[str, str] | None = None,
        answers: list[str | None] | None = None,
        options: Any = None,
        from_root: bool = False,
    ) -> Editor:
        """Spawn the server on `workspace` (from `/` when `from_root`, as editors often
        do) with `env` over ours, and initialize it with `capabilities`."""
        command = [sys.executable, "-m", "orchestra_lsp.lsp", "--workspace", str(workspace)]
        config = ClientServerConfig(
            server_command=["env", "-C", "/", *command] if from_root else command,
            server_env={**os.environ, "ORCHESTRA_TEST": "1", **(env or {})},
        )
        client: LanguageClient = await config.start()  # type: ignore[assignment]
        fix_code_action_decoding(client)
        editor = Editor(client, workspace)
        editor.answers = list(answers or [])  # set before the server can ask anything
        editor.initialized = await client.initialize_session(
            types.InitializeParams(
                capabilities=capabilities,
                initialization_options=options,
                root_uri=workspace.as_uri(),
                workspace_folders=[types.WorkspaceFolder(uri=workspace.as_uri(), name="ws")],
            )
        )
        self.started.append(editor)
        return editor

    async def close(self, timeout: float = 30) -> None:
        for editor in self.started:
            await asyncio.wait_for(editor.client.shutdown_session(), timeout)
            await editor.client.stop()  # type: ignore[no-untyped-call]


class Editor:
    """What a test sees of the editor side."""

    def __init__(self, client: LanguageClient, root: Path) -> None:
        self.client = client
        self.root = root
        self.buffers: dict[str, tuple[str, int]] = {}
        self.events: list[dict[str, Any]] = []
        self.event_arrived = asyncio.Event()
        self.message_requests: list[types.ShowMessageRequestParams] = []
        self.answers: list[str | None] = []
        """Titles to pick at showMessageRequest, in order; `None` dismisses."""
        self.ask_answers: list[str | None] = []
        self.edit_answers: list[str | None] = []
        """Texts to answer `orchestra/edit` with, in order; `None` gives the edit up."""
        self.edited: list[dict[str, Any]] = []
        self.batch_updates: list[dict[str, Any]] = []
        """`orchestra/batchProgress` notifications, in order."""
        self.received: list[tuple[str, dict[str, Any]]] = []
        """`orchestra/event` and `orchestra/batchProgress` (method, params) as they came."""
        self.release = asyncio.Event()
        """Set to answer (as dismissed) the message requests answered `HOLD`."""
        self.asked: list[dict[str, Any]] = []
        self.applied_edits: list[types.ApplyWorkspaceEditParams] = []
        self.initialized: types.InitializeResult | None = None
        self.registrations: list[types.Registration] = []
        """What the server registered with `client/registerCapability`, in order."""
        self.choose: Chooser = lambda annotation, edit: True
        """Which annotated edits the person ticks in the preview."""
        self._install()

    async def request(self, method: str, params: object = None) -> Any:
        """Ask the server `method` (Orchestra's own requests) and await the answer, as
        pygls gives it (attribute access to its fields); a JSON-RPC error raises."""
        protocol = self.client.protocol
        return await protocol.send_request_async(method, params)  # type: ignore[no-untyped-call]

    # -- documents ---------------------------------------------------------------------

    def uri(self, relative: str) -> str:
        return (self.root / relative).as_uri()

    def open(self, relative: str, text: str | None = None, language: str = "plaintext") -> None:
        if text is None:
            text = (self.root / relative).read_text(encoding="utf-8")
        self.buffers[relative] = (text, 1)
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=self.uri(relative), language_id=language, version=1, text=text
                )
            )
        )

    def type_text(self, relative: str, text: str) -> None:
        """Replace the buffer's text (a full-sync change)."""
        _, version = self.buffers[relative]
        self.buffers[relative] = (text, version + 1)
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(
                    uri=self.uri(relative), version=version + 1
                ),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )

    # -- events ------------------------------------------------------------------------

    async def wait_event(self, kind: str, timeout: float = 20, **match: Any) -> dict[str, Any]:
        async def find() -> dict[str, Any]:
            while True:
                for event in self.events:
                    if event.get("type") == kind and all(
                        event.get(k) == v for k, v in match.items()
                    ):
                        return event
                self.event_arrived.clear()
                await self.event_arrived.wait()

        return await asyncio.wait_for(find(), timeout)

    # -- handlers ----------------------------------------------------------------------

    def _handles(self, method: str) -> Callable[[Handler], Handler]:
        """`client.feature(method)`, typed (pygls leaves its decorator untyped)."""
        register: Callable[[Handler], Handler] = self.client.feature(method)
        return register

    def _install(self) -> None:

        @self._handles("orchestra/event")
        def on_event(params: Any) -> None:
            self.events.append(_plain(params))
            self.received.append(("orchestra/event", self.events[-1]))
            self.event_arrived.set()

        @self._handles(types.WINDOW_SHOW_MESSAGE_REQUEST)
        async def on_message_request(
            params: types.ShowMessageRequestParams,
        ) -> types.MessageActionItem | None:
            self.message_requests.append(params)
            title = self.answers.pop(0) if self.answers else None
            if title == HOLD:  # left open, as a notification nobody clicked
                await self.release.wait()
                return None
            return None if title is None else types.MessageActionItem(title=title)

        @self._handles("orchestra/batchProgress")
        def on_batch(params: Any) -> None:
            self.batch_updates.append(_plain(params))
            self.received.append(("orchestra/batchProgress", self.batch_updates[-1]))
            self.event_arrived.set()

        @self._handles("orchestra/edit")
        def on_edit(params: Any) -> dict[str, Any]:
            self.edited.append(_plain(params))
            return {"text": self.edit_answers.pop(0) if self.edit_answers else None}

        @self._handles("orchestra/ask")
        def on_ask(params: Any) -> dict[str, Any]:
            self.asked.append(_plain(params))
            return {"answer": self.ask_answers.pop(0) if self.ask_answers else None}

        @self._handles(types.CLIENT_REGISTER_CAPABILITY)
        def on_register(params: types.RegistrationParams) -> None:
            self.registrations.extend(params.registrations)

        @self._handles(types.WORKSPACE_APPLY_EDIT)
        def on_apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
            self.applied_edits.append(params)
            self._apply(params.edit)
            return types.ApplyWorkspaceEditResult(applied=True)

    def _apply(self, edit: types.WorkspaceEdit) -> None:
        for change in edit.document_changes or []:
            if isinstance(change, types.TextDocumentEdit):
                self._apply_text_edits(change.text_document.uri, list(change.edits))
            elif isinstance(change, types.CreateFile):
                path = _path(change.uri)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text("", encoding="utf-8")
            elif isinstance(change, types.DeleteFile):
                _path(change.uri).unlink()
        for uri, edits in (edit.changes or {}).items():
            self._apply_text_edits(uri, list(edits))

    def _apply_text_edits(self, uri: str, edits: list[Any]) -> None:
        chosen = [
            TextEdit(range=_range(e.range), new_text=e.new_text)
            for e in edits
            if self.choose(getattr(e, "annotation_id", "") or "", e)
        ]
        relative = _path(uri).relative_to(self.root).as_posix()
        if relative in self.buffers:
            text, _ = self.buffers[relative]
            self.type_text(relative, apply_text_edits(text, chosen, "utf-16"))
        else:
            path = _path(uri)
            path.write_text(
                apply_text_edits(path.read_text(encoding="utf-8"), chosen, "utf-16"),
                encoding="utf-8",
            )


def _range(value: types.Range) -> Range:
    return Range(
        start=Position(line=value.start.line, character=value.start.character),
        end=Position(line=value.end.line, character=value.end.character),
    )


def _path(uri: str) -> Path:
    from pygls.uris import to_fs_path

    return Path(to_fs_path(uri) or "")


def _plain(value: Any) -> Any:
    """pygls gives unknown notifications' params as namedtuples: back to dicts."""
    if hasattr(value, "_asdict"):
        return {k: _plain(v) for k, v in value._asdict().items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


AGENT = """---
name: {name}
description: {description}
tools: [read_file, edit]
max_turns: 10
---
You are the {name}.
"""

THREE_STEPS = """---
description: Plan, implement and check a change
arguments:
  - {name: goal, description: "What to change", required: true}
steps:
  - id: plan
    agent: planner
    prompt: Plan how to {{goal}}.
    gate: approve
  - id: implement
    agent: coder
    prompt: "Implement this plan: {{steps.plan.output}}"
    gate: review
  - id: check
    agent: planner
    prompt: Check the accepted change.
---
"""

FIX_HERE = """---
description: Fix what is wrong here
code_action:
  kinds: [quickfix, refactor, source]
  when: always
steps:
  - id: fix
    agent: coder
    prompt: "Fix {{file}}: {{diagnostics}} {{selection}}"
    gate: review
---
"""


def make_workspace(root: Path) -> Path:
    """A workspace with two agents, a 3-step command and a code-action command."""
    orchestra = root / ".orchestra"
    (orchestra / "agents").mkdir(parents=True)
    (orchestra / "commands").mkdir()
    (orchestra / "agents" / "planner.md").write_text(
        AGENT.format(name="planner", description="Plans changes"), encoding="utf-8"
    )
    (orchestra / "agents" / "coder.md").write_text(
        AGENT.format(name="coder", description="Writes code"), encoding="utf-8"
    )
    (orchestra / "commands" / "change.md").write_text(THREE_STEPS, encoding="utf-8")
    (orchestra / "commands" / "fix-here.md").write_text(FIX_HERE, encoding="utf-8")
    (orchestra / "CONTEXT.md").write_text("Be brief.\n", encoding="utf-8")
    return root


TICKET_READER = """---
name: reader
description: Reads tickets
tools: [read_file]
max_turns: 3
---
You read tickets.
"""

TICKET_CHECK = """---
description: Check one ticket
arguments:
  - {name: ticket, required: true}
  - {name: tone, required: false, default: brief}
steps:
  - id: check
    agent: reader
    prompt: "Check ticket {{ticket}}, {{tone}}."
    output:
      type: object
      properties:
        verdict: {enum: [pass, fail]}
      required: [verdict]
  - {id: sign, agent: reader, prompt: "Sign {{ticket}}.", gate: approve}
---
"""


def add_ticket_check(root: Path) -> Path:
    """Adds the batch tests' `reader` agent and `check` command (a structured verdict,
    then an approve gate) to a workspace made by `make_workspace`."""
    (root / ".orchestra" / "agents" / "reader.md").write_text(TICKET_READER, encoding="utf-8")
    (root / ".orchestra" / "commands" / "check.md").write_text(TICKET_CHECK, encoding="utf-8")
    return root


def verdict_turn(ticket: str, tone: str, verdict: str) -> dict[str, Any]:
    """The scripted model's turn answering `check` for `ticket` with `verdict`."""
    return {
        "expect": {"messages_contain": [f"Check ticket {ticket}, {tone}."]},
        "reply": {"tool_use": [{"name": "structured_output", "input": {"verdict": verdict}}]},
    }
