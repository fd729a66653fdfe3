"""Positions in UTF-16/8/32 and hunks as LSP edits that an editor can replay."""

from __future__ import annotations

import pytest
from change_strategies import edited, texts
from hypothesis import given
from hypothesis import strategies as st
from lsprotocol import types

from orchestra_lsp.changes import (
    Encoding,
    LineIndex,
    Position,
    Range,
    TextEdit,
    apply_text_edits,
    compute_hunks,
    hunks_to_edits,
)
from orchestra_lsp.lsp.edits import EditOptions, FilePlan, build_workspace_edit

ENCODINGS: list[Encoding] = ["utf-16", "utf-8", "utf-32"]


def test_astral_characters_count_two_in_utf16() -> None:
    index = LineIndex("a😀b\nc")
    offset_of_b = 2  # "a", "😀" are one code point each in Python
    assert index.position_of(offset_of_b, "utf-16") == Position(line=0, character=3)
    assert index.position_of(offset_of_b, "utf-8") == Position(line=0, character=5)
    assert index.position_of(offset_of_b, "utf-32") == Position(line=0, character=2)
    assert index.offset_of(Position(line=0, character=3), "utf-16") == offset_of_b


def test_crlf_and_lone_cr_are_line_breaks() -> None:
    index = LineIndex("a\r\nb\rc")
    assert index.position_of(3, "utf-16") == Position(line=1, character=0)
    assert index.position_of(5, "utf-16") == Position(line=2, character=0)


def test_end_of_text_without_final_newline_stays_on_the_last_line() -> None:
    index = LineIndex("ab\ncd")
    assert index.position_of(5, "utf-16") == Position(line=1, character=2)
    assert LineIndex("ab\n").position_of(3, "utf-16") == Position(line=1, character=0)
    assert LineIndex("").position_of(0, "utf-16") == Position(line=0, character=0)


def test_positions_past_the_line_or_text_are_clamped() -> None:
    index = LineIndex("ab\r\ncd")
    assert index.offset_of(Position(line=0, character=99), "utf-16") == 2
    assert index.offset_of(Position(line=7, character=0), "utf-16") == 6


@pytest.mark.parametrize("encoding", ENCODINGS)
@given(text=texts(), data=st.data())
def test_offsets_and_positions_round_trip(
    encoding: Encoding, text: str, data: st.DataObject
) -> None:
    index = LineIndex(text)
    offset = data.draw(st.integers(0, len(text)))
    # An offset between "\r" and "\n" is not a position an editor can name.
    if 0 < offset < len(text) and text[offset - 1 : offset + 1] == "\r\n":
        offset -= 1
    assert index.offset_of(index.position_of(offset, encoding), encoding) == offset


@pytest.mark.parametrize("encoding", ENCODINGS)
@given(pair=edited())
def test_hunk_edits_replayed_by_an_editor_give_the_proposal(
    encoding: Encoding, pair: tuple[str, str]
) -> None:
    base, proposed = pair
    hunks = compute_hunks(base, proposed)
    edits = hunks_to_edits(base, hunks, encoding)
    assert apply_text_edits(base, edits, encoding) == proposed
    # Minimal: each edit carries only its hunk's new lines.
    assert sum(len(e.new_text) for e in edits) == sum(len(h.new_text) for h in hunks)
    assert [e.hunk_id for e in edits] == [h.id for h in hunks]


@pytest.mark.parametrize("encoding", ENCODINGS)
@given(pair=edited())
def test_the_review_workspace_edit_replayed_gives_the_proposal(
    encoding: Encoding, pair: tuple[str, str]
) -> None:
    """The LSP edit review sends (built straight from the hunks, without splitting the
    base again) lands on the same places as the changes layer's own edits."""
    base, proposed = pair
    hunks = compute_hunks(base, proposed)
    if not hunks:
        return
    plan = FilePlan("a.txt", "file:///w/a.txt", "modify", base, hunks, 1)
    edit = build_workspace_edit([plan], EditOptions(encoding=encoding, annotate=True))
    assert edit.document_changes is not None
    (document,) = edit.document_changes
    assert isinstance(document, types.TextDocumentEdit)
    plain = [e for e in document.edits if not isinstance(e, types.SnippetTextEdit)]
    assert len(plain) == len(document.edits)
    replayed = [
        TextEdit(
            range=Range(
                start=Position(line=e.range.start.line, character=e.range.start.character),
                end=Position(line=e.range.end.line, character=e.range.end.character),
            ),
            new_text=e.new_text,
        )
        for e in plain
    ]
    assert apply_text_edits(base, replayed, encoding) == proposed
    assert edit.change_annotations is not None
    assert len(edit.change_annotations) == len(hunks)


def test_insertion_at_end_of_file_and_replacing_a_last_line_without_newline() -> None:
    insert = hunks_to_edits("a\n", compute_hunks("a\n", "a\nb😀\n"), "utf-16")
    assert insert[0].range == Range(
        start=Position(line=1, character=0), end=Position(line=1, character=0)
    )
    replace = hunks_to_edits("a\nb😀", compute_hunks("a\nb😀", "a\nc"), "utf-16")
    assert replace[0].range == Range(
        start=Position(line=1, character=0), end=Position(line=1, character=3)
    )
    assert apply_text_edits("a\nb😀", replace, "utf-16") == "a\nc"


def test_overlapping_edits_are_refused() -> None:
    span = Range(start=Position(line=0, character=0), end=Position(line=0, character=2))
    with pytest.raises(ValueError):
        apply_text_edits(
            "abc",
            [TextEdit(range=span, new_text="x"), TextEdit(range=span, new_text="y")],
            "utf-16",
        )
