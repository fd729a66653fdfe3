"""The editor's open documents: pygls' own store, kept by the project's line rule.

Agents read these unsaved buffers instead of the disk, review reads them back after
`workspace/applyEdit` to learn which hunks the editor applied, and `.orchestra`
diagnostics are computed from them while the person types.

pygls keeps them (its `Workspace` is what its didOpen / didChange / didClose handlers
update before ours run); `Documents` is that workspace, with three differences:
- a document is a list of lines split as LSP counts them (`changes.lines.split_lines`:
  pygls' `str.splitlines` also breaks at form feeds and U+2028), and an incremental
  change replaces only the lines it touches: a keystroke in a 100,000-line file costs
  microseconds, where pygls rebuilds the whole text (tens of milliseconds);
- only the documents the server needs are kept (`wanted`): files of the client's folders
  (what agents read and review reads back) and configuration files; `untitled:` buffers,
  other schemes and files elsewhere (a library's sources) are dropped on open;
- any spelling of a file's URI finds it (`paths.uri_key`), and one can wait for the
  next change of a document (`next_change`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from lsprotocol import types
from pygls.workspace import TextDocument, Workspace

from orchestra_lsp.lsp.paths import relative_path, uri_key, uri_to_path
from orchestra_lsp.lsp.positions import Codec

logger = logging.getLogger(__name__)


class Document(TextDocument):
    """One open document: its lines (each with its terminator), the text joined from
    them on demand, and the version the client gave its last change."""

    version: int | None

    def __init__(self, uri: str, text: str, version: int | None, codec: Codec) -> None:
        super().__init__(uri, None, version, position_codec=None)
        self._codec = codec
        self._lines = _split(text)
        self._text: str | None = text

    @property
    def text(self) -> str:
        """The whole text (joined once per change, when first asked)."""
        if self._text is None:
            self._text = "".join(self._lines)
        return self._text

    @property
    def source(self) -> str:
        return self.text

    @property
    def lines(self) -> Sequence[str]:
        return self._lines

    def apply_change(self, change: types.TextDocumentContentChangeEvent) -> None:
        """Apply one change: the whole text, or a range replaced in client units
        (clamped as LSP says: a line past the end is the end of the text, a column past
        a line's end is that end)."""
        if isinstance(change, types.TextDocumentContentChangeWholeDocument):
            self._lines = _split(change.text)
            self._text = change.text
            return
        lines = self._lines
        start_line, start_column = self._place(change.range.start)
        end_line, end_column = max((start_line, start_column), self._place(change.range.end))
        first = lines[start_line] if start_line < len(lines) else ""
        last = lines[end_line] if end_line < len(lines) else ""
        # One unchanged line on each side is split again with the change, so that a
        # "\r" and a "\n" that the change brings together make one line break.
        before = max(start_line - 1, 0)
        after = min(end_line + 2, len(lines))
        joined = "".join(
            (
                *lines[before:start_line],
                first[:start_column],
                change.text,
                last[end_column:],
                *lines[end_line + 1 : after],
            )
        )
        lines[before:after] = _split(joined)
        self._text = None

    def text_in(self, start: types.Position, end: types.Position) -> str:
        """The text between two client positions (clamped as `apply_change` clamps),
        read from the lines it spans only."""
        lines = self._lines
        start_line, start_column = self._place(start)
        end_line, end_column = max((start_line, start_column), self._place(end))
        first = lines[start_line] if start_line < len(lines) else ""
        if start_line == end_line:
            return first[start_column:end_column]
        last = lines[end_line] if end_line < len(lines) else ""
        return "".join((first[start_column:], *lines[start_line + 1 : end_line], last[:end_column]))

    def _place(self, position: types.Position) -> tuple[int, int]:
        """A client position -> (line, code-point column in that line)."""
        lines = self._lines
        if position.line >= len(lines):
            return (len(lines) - 1, len(lines[-1])) if lines else (0, 0)
        content = lines[position.line].rstrip("\r\n")
        return position.line, self._codec.column_from_client(content, position.character)


class Documents(Workspace):
    """pygls' workspace, keeping `Document`s of the wanted files by normalised URI."""

    def __init__(self, wanted: Callable[[str], bool]) -> None:
        super().__init__(None)
        self._wanted = wanted
        self.listeners: list[Callable[[Document], None]] = []
        """Called after each open and change (e.g. to re-check `.orchestra` files)."""
        self._codec = Codec("utf-16")
        self._open: dict[str, Document] = {}
        self._keys: dict[str, str] = {}
        """URI as sent -> `uri_key`, for the open documents (a keystroke resolves no path)."""
        self._changed: dict[str, asyncio.Event] = {}

    def adopt(self, workspace: Workspace, codec: Codec) -> Documents:
        """Take over the folders of the workspace pygls made at `initialize`, counting
        columns as `codec` (the encoding negotiated with the client)."""
        super().__init__(
            workspace.root_uri,
            types.TextDocumentSyncKind.Incremental,
            list(workspace.folders.values()),
            codec.encoding,
        )
        self._codec = codec
        return self

    # -- pygls' store --------------------------------------------------------------------

    @property
    def text_documents(self) -> dict[str, Document]:
        return self._open

    def get_text_document(self, doc_uri: str) -> TextDocument:
        return self.get(doc_uri) or super().get_text_document(doc_uri)

    def put_text_document(
        self, text_document: types.TextDocumentItem, notebook_uri: str | None = None
    ) -> None:
        uri = text_document.uri
        # Which documents the client sends is the client's choice (VS Code's
        # documentSelector): the log shows it, and the end-to-end tests read it.
        kept = self._wanted(uri)
        logger.info(
            "opened %s (%s)%s, serving %s",
            uri,
            text_document.language_id,
            "" if kept else ": not kept",
            self.root_uri,
        )
        if not kept:
            return
        key = self._keys[uri] = uri_key(uri)
        document = Document(uri, text_document.text, text_document.version, self._codec)
        document.language_id = text_document.language_id
        self._open[key] = document
        self._notify(key)

    def update_text_document(
        self,
        text_doc: types.VersionedTextDocumentIdentifier,
        change: types.TextDocumentContentChangeEvent,
    ) -> None:
        key = self._key(text_doc.uri)
        document = self._open.get(key)
        if document is None:  # a document the server does not keep
            return
        document.apply_change(change)
        document.version = text_doc.version
        self._notify(key)

    def remove_text_document(self, doc_uri: str) -> None:
        key = self._keys.pop(doc_uri, None) or uri_key(doc_uri)
        if self._open.pop(key, None) is not None:
            self._notify(key)

    # -- what the features ask -----------------------------------------------------------

    def get(self, uri: str) -> Document | None:
        """The open document `uri` names (in any spelling), if the server keeps it."""
        return self._open.get(self._key(uri))

    async def next_change(self, uri: str, timeout: float) -> bool:
        """Wait for the next open, change or close of `uri`; False on time-out."""
        event = self._changed.setdefault(self._key(uri), asyncio.Event())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout)
            return True
        return False

    def buffers(self, root: Path) -> dict[str, tuple[str, int]]:
        """Open documents inside `root`: relative path -> (text, version), for the engine."""
        found: dict[str, tuple[str, int]] = {}
        for document in self._open.values():
            relative = relative_path(root, document.uri)
            if relative is not None:
                found[relative] = (document.text, document.version or 0)
        return found

    def overlays(self) -> Mapping[Path, tuple[str, int | None]]:
        """Open documents by file path, with their versions, for loading `.orchestra`
        files as typed and saying which version diagnostics describe."""
        found: dict[Path, tuple[str, int | None]] = {}
        for document in self._open.values():
            path = uri_to_path(document.uri)
            if path is not None:
                found[path.resolve()] = (document.text, document.version)
        return found

    def _key(self, uri: str) -> str:
        key = self._keys.get(uri)
        return key if key is not None else uri_key(uri)

    def _notify(self, key: str) -> None:
        event = self._changed.pop(key, None)
        if event is not None:
            event.set()
        document = self._open.get(key)
        if document is not None:
            for listener in self.listeners:
                listener(document)


def _split(text: str) -> list[str]:
    from orchestra_lsp.changes.lines import split_lines  # not needed to answer `initialize`

    return split_lines(text)
