"""Document sync through a real LSP client (pytest-lsp): incremental changes keep the
server's buffer exact, only the documents the server needs are kept, diagnostics name
the document version they describe, and completion is registered for configuration
files only where the client registers it dynamically.

The server's buffer is observed through what it sends back: the `selection` a code
action carries is read from the buffer the server keeps (none for a document it does
not keep), and diagnostics carry positions and the version of the text they describe.
"""

from __future__ import annotations

import asyncio
import random
import re
from pathlib import Path
from typing import Any

import pytest
from lsp_helpers import AGENT, Editor, make_workspace
from lsprotocol import types


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return make_workspace(tmp_path / "ws")


# -- an independent model of the client's buffer (LSP's rules, written out plainly) ----

_BREAK = re.compile(r"\r\n|\r|\n")


def _offset(text: str, position: types.Position) -> int:
    """LSP: lines end at \\n, \\r\\n or \\r; columns count UTF-16 units; a line past the
    end is the end of the text; a column past a line's end is that end."""
    starts = [0] + [m.end() for m in _BREAK.finditer(text)]
    if position.line >= len(starts):
        return len(text)
    start = starts[position.line]
    found = _BREAK.search(text, start)
    end = found.start() if found else len(text)
    units = 0
    for index in range(start, end):
        if units >= position.character:
            return index
        units += 2 if ord(text[index]) > 0xFFFF else 1
    return end


def _position(text: str, offset: int) -> types.Position:
    before = text[:offset]
    line = len(_BREAK.findall(before))
    # An offset between "\r" and "\n" is no position: the model never makes one.
    last = max(before.rfind("\n"), before.rfind("\r")) + 1
    column = sum(2 if ord(ch) > 0xFFFF else 1 for ch in before[last:])
    return types.Position(line=line, character=column)


class Buffer:
    """What the client holds, and the incremental changes it sends for each edit."""

    def __init__(self, editor: Editor, uri: str, text: str) -> None:
        self.editor, self.uri, self.text, self.version = editor, uri, text, 1
        editor.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri, language_id="plaintext", version=1, text=text
                )
            )
        )

    def edit(self, changes: list[tuple[int, int, str]]) -> None:
        """One didChange of several changes, each (start offset, end offset, new text)
        in the text as the previous change left it."""
        events: list[types.TextDocumentContentChangeEvent] = []
        for start, end, new in changes:
            span = types.Range(start=_position(self.text, start), end=_position(self.text, end))
            events.append(types.TextDocumentContentChangePartial(range=span, text=new))
            self.text = self.text[:start] + new + self.text[end:]
        self.version += 1
        self.editor.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(
                    uri=self.uri, version=self.version
                ),
                content_changes=events,
            )
        )

    def end(self) -> types.Position:
        return _position(self.text, len(self.text))


async def _selection(editor: Editor, uri: str, start: types.Position, end: types.Position) -> Any:
    """The `selection` the server puts in the `fix-here` code action for this range."""
    actions = await editor.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(start=start, end=end),
            context=types.CodeActionContext(diagnostics=[], only=[types.CodeActionKind.Refactor]),
        )
    )
    [action] = [
        a
        for a in actions or []
        if isinstance(a, types.CodeAction) and a.command and "Fix what is wrong" in a.title
    ]
    assert action.command is not None and action.command.arguments
    argument = action.command.arguments[0]
    assert isinstance(argument, dict)
    return argument["selection"]


def _cut(rng: random.Random, text: str) -> int:
    """A random offset that is not between the "\\r" and "\\n" of one line break."""
    offset = rng.randint(0, len(text))
    if 0 < offset < len(text) and text[offset - 1 : offset + 1] == "\r\n":
        offset -= 1
    return offset


PIECES = ["x", "😀", "é", "\n", "\r", "\r\n", "\f", "\u2028", "ab\ncd", "", "  "]


async def test_incremental_changes_keep_the_buffer_exact(start: Any, workspace: Path) -> None:
    editor = await start(workspace, "vscode")
    text = "".join(f"line {n} ✓ 😀\r\n" if n % 3 else f"l{n}\f\u2028x\n" for n in range(40))
    (workspace / "src").mkdir()
    buffer = Buffer(editor, (workspace / "src" / "notes.txt").as_uri(), text + "tail")
    rng = random.Random(17)
    origin = types.Position(line=0, character=0)
    for _ in range(12):
        changes: list[tuple[int, int, str]] = []
        for _ in range(rng.randint(1, 4)):
            # Offsets into the text as the changes so far leave it, as a client sends.
            scratch = buffer.text
            for start_at, end_at, new in changes:
                scratch = scratch[:start_at] + new + scratch[end_at:]
            first, second = sorted((_cut(rng, scratch), _cut(rng, scratch)))
            if rng.random() < 0.5:
                second = min(first + rng.randint(0, 3), len(scratch))
                if 0 < second < len(scratch) and scratch[second - 1 : second + 1] == "\r\n":
                    second -= 1
            changes.append((first, second, rng.choice(PIECES) + rng.choice(PIECES)))
        buffer.edit(changes)
        assert await _selection(editor, buffer.uri, origin, buffer.end()) == buffer.text
    # A "\r" ending one line and a "\n" a change puts after it make one line break:
    # the lines after it move up by one, as the client counts them.
    joined = Buffer(editor, (workspace / "src" / "breaks.txt").as_uri(), "a\rb\nc\rX\nd\n")
    joined.edit([(2, 2, "\n")])  # "a\r" + "\n" typed at the start of line 1
    cut = joined.text.index("X")
    joined.edit([(cut, cut + 1, "")])  # "c\r" + "\n" brought together by a deletion
    assert joined.text == "a\r\nb\nc\r\nd\n"
    for line, expected_line in enumerate(["a", "b", "c", "d"]):
        here, there = types.Position(line=line, character=0), types.Position(line=line, character=1)
        assert await _selection(editor, joined.uri, here, there) == expected_line
    # A part of it, and a range past the end (clamped to the end of the text).
    middle = _position(buffer.text, len(buffer.text) // 3)
    expected = buffer.text[_offset(buffer.text, middle) :]
    far = types.Position(line=10_000, character=0)
    assert await _selection(editor, buffer.uri, middle, far) == expected


async def test_only_the_documents_the_server_needs_are_kept(
    start: Any, workspace: Path, tmp_path: Path
) -> None:
    editor = await start(workspace, "vscode")
    elsewhere = tmp_path / "library" / "lib.py"
    elsewhere.parent.mkdir()
    elsewhere.write_text("on disk\n", encoding="utf-8")
    (workspace / "src").mkdir()
    kept = (workspace / "src" / "app.py").as_uri()
    for uri in (kept, elsewhere.as_uri(), "untitled:Untitled-1"):
        Buffer(editor, uri, "typed, not saved\n")
    origin, end = types.Position(line=0, character=0), types.Position(line=1, character=0)
    assert await _selection(editor, kept, origin, end) == "typed, not saved\n"
    # Not kept: a file outside the folder (a library's source), an untitled buffer.
    assert await _selection(editor, elsewhere.as_uri(), origin, end) is None
    assert await _selection(editor, "untitled:Untitled-1", origin, end) is None
    # A configuration file is kept wherever it is (the user's own agents).
    user_agent = tmp_path / "config" / "orchestra" / ".orchestra" / "agents" / "me.md"
    user_agent.parent.mkdir(parents=True)
    Buffer(editor, user_agent.as_uri(), "typed\n")
    assert await _selection(editor, user_agent.as_uri(), origin, end) == "typed\n"


async def _diagnostics(editor: Editor, uri: str, version: int) -> types.PublishDiagnosticsParams:
    """The first diagnostics for `uri` that describe `version` of it."""

    async def wait() -> types.PublishDiagnosticsParams:
        while True:
            params = await editor.client.wait_for_notification(
                types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS
            )
            if params.uri == uri and params.version == version:
                return params  # type: ignore[no-any-return]

    return await asyncio.wait_for(wait(), 30)


async def test_diagnostics_carry_the_version_they_describe(start: Any, workspace: Path) -> None:
    editor = await start(workspace, "vscode")
    path = workspace / ".orchestra" / "agents" / "typist.md"
    good = AGENT.format(name="typist", description="Types")
    path.write_text(good, encoding="utf-8")
    buffer = Buffer(editor, path.as_uri(), good)
    # Two quick keystroke batches: an unknown tool, then a line added above it.
    at = good.index("edit]")
    buffer.edit([(at, at + len("edit"), "eddit")])
    buffer.edit([(0, 0, "")])  # a no-op change still makes a new version
    top = good.index("name:")
    buffer.edit([(top, top, "# 😀 note\n")])
    published = await _diagnostics(editor, buffer.uri, buffer.version)
    [problem] = published.diagnostics
    assert "eddit" in problem.message
    line = buffer.text.splitlines()[problem.range.start.line]
    assert line.startswith("tools:") and "eddit" in line


async def test_completion_is_registered_for_configuration_files_only(
    start: Any, workspace: Path
) -> None:
    vscode: Editor = await start(workspace, "vscode")  # registers completion dynamically
    assert vscode.initialized is not None
    assert vscode.initialized.capabilities.completion_provider is None

    async def registered() -> types.Registration:
        while True:
            for registration in vscode.registrations:
                if registration.method == types.TEXT_DOCUMENT_COMPLETION:
                    return registration
            await asyncio.sleep(0.05)

    registration = await asyncio.wait_for(registered(), 20)
    options = registration.register_options
    selector = getattr(options, "document_selector", None) or options["documentSelector"]  # type: ignore[index]
    patterns = {getattr(f, "pattern", None) or f["pattern"] for f in selector}
    assert "**/.orchestra/**" in patterns and "**/CLAUDE.md" in patterns
    assert not any(p in ("**", "**/*") for p in patterns)

    neovim = await start(workspace, "neovim")  # Neovim 0.7 registers nothing dynamically
    assert neovim.initialized is not None
    static = neovim.initialized.capabilities.completion_provider
    assert static is not None and " " in (static.trigger_characters or [])
