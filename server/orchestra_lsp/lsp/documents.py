"""The editor's open documents, kept in step with didOpen / didChange / didClose.

Agents read these unsaved buffers instead of the disk, review reads them back after
`workspace/applyEdit` to learn which hunks the editor applied, and `.orchestra`
diagnostics are computed from them while the person types. Incremental changes are
applied with `orchestra_lsp.changes.LineIndex`, so lines and columns are counted
exactly as the review's edits count them (pygls' own copy splits lines differently,
e.g. at form feeds).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types

from orchestra_lsp.lsp.paths import relative_path, uri_key, uri_to_path

if TYPE_CHECKING:
    from orchestra_lsp.changes import Encoding, Position


@dataclass
class Document:
    uri: str
    """As the client spelt it when it opened the document: edits go to this URI."""
    text: str
    version: int


class Documents:
    """Open documents by normalised URI (`paths.uri_key`: any spelling of the same file
    finds it), with a way to wait for the next change of one."""

    def __init__(self) -> None:
        self._open: dict[str, Document] = {}
        self._changed: dict[str, asyncio.Event] = {}
        self.listeners: list[Callable[[Document], None]] = []
        """Called after each open and change (e.g. to re-check `.orchestra` files)."""

    def get(self, uri: str) -> Document | None:
        return self._open.get(uri_key(uri))

    def open(self, uri: str, text: str, version: int) -> None:
        self._open[uri_key(uri)] = Document(uri, text, version)
        self._notify(uri)

    def change(
        self,
        uri: str,
        version: int,
        changes: list[types.TextDocumentContentChangeEvent],
        encoding: Encoding,
    ) -> None:
        document = self.get(uri)
        if document is None:
            return
        text = document.text
        for change in changes:
            text = _apply(text, change, encoding)
        document.text = text
        document.version = version
        self._notify(uri)

    def close(self, uri: str) -> None:
        self._open.pop(uri_key(uri), None)
        self._notify(uri)

    async def next_change(self, uri: str, timeout: float) -> bool:
        """Wait for the next open, change or close of `uri`; False on time-out."""
        event = self._changed.setdefault(uri_key(uri), asyncio.Event())
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
                found[relative] = (document.text, document.version)
        return found

    def overlays(self) -> Mapping[Path, str]:
        """Open documents by file path, for loading `.orchestra` files as typed."""
        found: dict[Path, str] = {}
        for document in self._open.values():
            path = uri_to_path(document.uri)
            if path is not None:
                found[path.resolve()] = document.text
        return found

    def _notify(self, uri: str) -> None:
        key = uri_key(uri)
        event = self._changed.pop(key, None)
        if event is not None:
            event.set()
        document = self._open.get(key)
        if document is not None:
            for listener in self.listeners:
                listener(document)


def _apply(text: str, change: types.TextDocumentContentChangeEvent, encoding: Encoding) -> str:
    if isinstance(change, types.TextDocumentContentChangeWholeDocument):
        return change.text
    from orchestra_lsp.changes import LineIndex  # not needed to answer `initialize`

    index = LineIndex(text)
    start = index.offset_of(_position(change.range.start), encoding)
    end = index.offset_of(_position(change.range.end), encoding)
    return text[:start] + change.text + text[max(start, end) :]


def _position(position: types.Position) -> Position:
    from orchestra_lsp.changes import Position

    return Position(line=position.line, character=position.character)
