"""Hypothesis strategies for texts that stress line splitting and column counting."""

from __future__ import annotations

from hypothesis import strategies as st

from orchestra_lsp.changes.lines import split_lines

# Few distinct contents so that lines repeat (hard cases for diffs), with astral
# characters (2 UTF-16 units), a BMP non-ASCII character, plain ASCII, and characters
# `str.splitlines` breaks at but LSP does not (form feed, line separator).
LINE_CONTENT = st.sampled_from(
    ["", "a", "b", "x = 1", "😀", "é😀z", "𝄞 clef", "  }", "\f", "p\u2028q😀"]
)
TERMINATOR = st.sampled_from(["\n", "\r\n", "\r"])


@st.composite
def texts(draw: st.DrawFn) -> str:
    """A text of 0-30 lines, mixed terminators, maybe without a final newline."""
    lines = draw(st.lists(st.tuples(LINE_CONTENT, TERMINATOR), max_size=30))
    text = "".join(content + end for content, end in lines)
    if draw(st.booleans()):
        text += draw(LINE_CONTENT)
    return text


@st.composite
def edited(draw: st.DrawFn) -> tuple[str, str]:
    """A base text and a proposal derived from it by line edits (so they share lines)."""
    base = draw(texts())
    lines = split_lines(base)
    for _ in range(draw(st.integers(0, 6))):
        at = draw(st.integers(0, len(lines)))
        action = draw(st.sampled_from(["insert", "delete", "replace"]))
        new_line = draw(LINE_CONTENT) + draw(TERMINATOR)
        if action == "insert":
            lines.insert(at, new_line)
        elif lines and at < len(lines):
            if action == "delete":
                del lines[at]
            else:
                lines[at] = new_line
    proposed = "".join(lines)
    if draw(st.booleans()):
        proposed = proposed.rstrip("\r\n")
    return base, proposed
