"""The one position codec of the LSP features: the server's columns <-> the client's.

The server counts a column in code points within a line, lines split by the project's
rule (`changes.lines.split_lines`: `\\n`, `\\r\\n`, `\\r`, nothing else); the client
counts in the encoding negotiated at `initialize` (UTF-16 code units unless it chose
UTF-8 or UTF-32). Diagnostics, quick fixes, hover, completion and code-action ranges
all convert here, so an emoji before a misspelt name moves the underline by two
UTF-16 units, not one.

pygls' `PositionCodec` was considered: it splits lines its own way (form feeds and
U+2028 end a line there, not here) and clamps a column past the end of a line to the
last character instead of the line's end, so the project's `column_width` is used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lsprotocol import types

if TYPE_CHECKING:
    from orchestra_lsp.changes import Encoding


def text_lines(text: str) -> list[str]:
    """The lines of `text` by the project's rule, without their terminators."""
    from orchestra_lsp.changes.lines import split_lines

    return [line.rstrip("\r\n") for line in split_lines(text)]


@dataclass(frozen=True)
class Codec:
    encoding: Encoding

    def to_client(self, lines: Sequence[str], line: int, column: int) -> types.Position:
        """Line and code-point column -> an LSP position (a column past the line's end
        is the line's end; a line past the last is the end of the text)."""
        from orchestra_lsp.changes.positions import column_width

        if line >= len(lines):
            return types.Position(line=len(lines), character=0)
        text = lines[line]
        return types.Position(
            line=line, character=column_width(text[: max(column, 0)], self.encoding)
        )

    def from_client(self, lines: Sequence[str], position: types.Position) -> int:
        """An LSP position -> the code-point column in its line, clamped to the line.
        A column inside a character (half a surrogate pair) counts as after it."""
        if position.line >= len(lines):
            return 0
        return self.column_from_client(lines[position.line], position.character)

    def column_from_client(self, text: str, units: int) -> int:
        """A column in the client's units within the line `text` (no terminator) -> its
        code-point column, clamped to the line."""
        from orchestra_lsp.changes.positions import column_width

        if self.encoding == "utf-32" or text.isascii():
            return min(units, len(text))
        counted = 0
        for index, character in enumerate(text):
            if counted >= units:
                return index
            counted += column_width(character, self.encoding)
        return len(text)

    def range_to_client(
        self, lines: Sequence[str], start: tuple[int, int], end: tuple[int, int]
    ) -> types.Range:
        """(line, code-point column) pairs -> an LSP range."""
        return types.Range(start=self.to_client(lines, *start), end=self.to_client(lines, *end))
