"""LSP positions: offsets in a text <-> (line, character) in a negotiated encoding.

LSP counts columns in UTF-16 code units by default (an emoji counts 2), or in UTF-8
bytes / code points when the client negotiates it. Hunks become edits here, with
ranges in the base text, and `apply_text_edits` replays edits the way an editor
would, so the LSP layer can check what a client will end up with.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Literal

from pydantic import BaseModel, ConfigDict

from orchestra_lsp.changes.hunks import Hunk
from orchestra_lsp.changes.lines import split_lines

Encoding = Literal["utf-16", "utf-8", "utf-32"]


class Position(BaseModel):
    """A zero-based line and a column counted in the encoding's code units."""

    model_config = ConfigDict(frozen=True)

    line: int
    character: int


class Range(BaseModel):
    """From `start` (inclusive) to `end` (exclusive), as LSP ranges are."""

    model_config = ConfigDict(frozen=True)

    start: Position
    end: Position


class TextEdit(BaseModel):
    """Replace `range` with `new_text`; `hunk_id` ties the edit back to its hunk."""

    model_config = ConfigDict(frozen=True)

    range: Range
    new_text: str
    hunk_id: str | None = None


def column_width(text: str, encoding: Encoding) -> int:
    """How many code units `text` takes in `encoding`."""
    if encoding == "utf-32" or text.isascii():
        return len(text)
    if encoding == "utf-16":
        return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)
    return len(text.encode("utf-8", "surrogatepass"))


class LineIndex:
    """Line starts of one text, for converting offsets and positions both ways."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = split_lines(text)
        # starts[i] = offset of line i; one extra entry for "the line after the last".
        self.starts = [0, *accumulate(len(line) for line in self.lines)]

    def line_start(self, line: int) -> int:
        """Offset where `line` starts; the end of the text past the last line."""
        return self.starts[min(line, len(self.lines))]

    def position_of(self, offset: int, encoding: Encoding) -> Position:
        """The position of a string offset (0 <= offset <= len(text))."""
        if not 0 <= offset <= len(self.text):
            raise ValueError(f"offset {offset} is outside the text")
        line = bisect_right(self.starts, offset) - 1
        if line == len(self.lines) and self.lines and not _ends_line(self.lines[-1]):
            # The end of a last line without terminator: stay on that line.
            line -= 1
        start = self.starts[line]
        return Position(line=line, character=column_width(self.text[start:offset], encoding))

    def offset_of(self, position: Position, encoding: Encoding) -> int:
        """The string offset of `position`, clamped the way LSP asks.

        A line past the end means the end of the text; a column past the end of its
        line means the end of that line (before its terminator).
        """
        if position.line >= len(self.lines):
            return len(self.text)
        start = self.starts[position.line]
        content = self.lines[position.line].rstrip("\r\n")
        if encoding == "utf-32" or content.isascii():
            return start + min(position.character, len(content))
        units = 0
        for index, ch in enumerate(content):
            if units >= position.character:
                return start + index
            units += column_width(ch, encoding)
        return start + len(content)


def hunk_range(lines: Sequence[str], hunk: Hunk, encoding: Encoding) -> Range:
    """The range a hunk replaces in its base text (split into `lines`).

    It runs from the start of the hunk's first line to the start of the line after
    it, which past a final line with no newline is the end of the text. Both ends are
    line starts, so no line but a final unterminated one is ever measured.
    """
    ends = TextEnd.of_lines(lines, encoding)
    start, end = ends.line_start(hunk.base_start), ends.line_start(hunk.base_end)
    return Range(
        start=Position(line=start[0], character=start[1]),
        end=Position(line=end[0], character=end[1]),
    )


def hunks_to_edits(base: str, hunks: Iterable[Hunk], encoding: Encoding) -> list[TextEdit]:
    """One minimal edit per hunk, with ranges in `base`, ready for a TextDocumentEdit."""
    ends = TextEnd.of_text(base, encoding)
    edits: list[TextEdit] = []
    for hunk in hunks:
        start, end = ends.line_start(hunk.base_start), ends.line_start(hunk.base_end)
        span = Range(
            start=Position(line=start[0], character=start[1]),
            end=Position(line=end[0], character=end[1]),
        )
        edits.append(TextEdit(range=span, new_text=hunk.new_text, hunk_id=hunk.id))
    return edits


@dataclass(frozen=True)
class TextEnd:
    """What placing a hunk's ends needs of its base text: how many lines it has, and
    where the text ends. Every other hunk end is a line start, `(line, 0)`."""

    line_count: int
    end: tuple[int, int]
    """(line, column in the encoding) of the end of the text."""

    @classmethod
    def of_text(cls, text: str, encoding: Encoding) -> TextEnd:
        """Counted in C, without splitting `text` into lines (a review would otherwise
        split a 100k-line base once more just to learn that most ends are line starts)."""
        breaks = text.count("\n") + text.count("\r") - text.count("\r\n")
        last = text[max(text.rfind("\n"), text.rfind("\r")) + 1 :]
        if not last:
            return cls(breaks, (breaks, 0))
        return cls(breaks + 1, (breaks, column_width(last, encoding)))

    @classmethod
    def of_lines(cls, lines: Sequence[str], encoding: Encoding) -> TextEnd:
        if not lines or _ends_line(lines[-1]):
            return cls(len(lines), (len(lines), 0))
        return cls(len(lines), (len(lines) - 1, column_width(lines[-1], encoding)))

    def line_start(self, line: int) -> tuple[int, int]:
        """Where `line` starts; past the last line, the end of the text (which stays on
        the last line when it has no terminator)."""
        return (line, 0) if line < self.line_count else self.end


def apply_text_edits(text: str, edits: Sequence[TextEdit], encoding: Encoding) -> str:
    """Apply LSP edits (ranges all relative to `text`) as an editor would.

    Edits must not overlap; edits at the same position keep their given order.
    """
    index = LineIndex(text)
    spans = sorted(
        (
            (index.offset_of(e.range.start, encoding), index.offset_of(e.range.end, encoding), n)
            for n, e in enumerate(edits)
        ),
    )
    out: list[str] = []
    cursor = 0
    for start, end, n in spans:
        if start < cursor or end < start:
            raise ValueError("text edits overlap or have an inverted range")
        out.append(text[cursor:start])
        out.append(edits[n].new_text)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


def _ends_line(line: str) -> bool:
    return line.endswith(("\n", "\r"))
