"""Token counts made faster stay the tokenizer's own: a chunk summary counted from its
pieces, ASCII text counted word by word. The manifest's numbers (and so the journal's
`context` events) stay what they were."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestra_lsp.context import tokens
from orchestra_lsp.context.summary import DroppedSummary
from orchestra_lsp.context.tokens import count_tokens, count_tokens_joined

# Names as tools and models write them, and what a path may hold besides: spaces at
# either end, commas, combining marks, no-break and other Unicode spaces, digits
# beside letters, emoji, characters NFKC rewrites (superscripts, ligatures).
ODD = " ,.:×\u0301\u00a0\u2003\t\n'sﬁ²Ⅻ日本😀-_/0123456789"
names = st.text(alphabet=st.sampled_from(list("abcxyz") + list(ODD)), max_size=24)
tools = st.sampled_from(["read_file", "edit", "list_files", "mcp__tickets__get", "run_shell"])


def summary_of(calls: list[tuple[str, str, str]]) -> DroppedSummary:
    summary = DroppedSummary()
    for tool, path, command in calls:
        arguments = {"path": path, "command": command}
        summary.add(
            {
                "role": "assistant",
                "content": [{"type": "tool_use", "id": "t", "name": tool, "input": arguments}],
            }
        )
        summary.add({"role": "user", "content": "result"})
    return summary


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.one_of(tools, names), names, st.sampled_from(["view", "str_replace"])),
        max_size=40,
    )
)
def test_a_summary_counted_from_its_pieces_counts_as_its_text(
    calls: list[tuple[str, str, str]],
) -> None:
    summary = summary_of(calls)
    text = summary.text()
    assert "".join(summary.pieces()) == text
    tokens._cache.clear()  # counted from the pieces, not found under the whole text
    assert count_tokens_joined(summary.pieces()) == tokens._count(text)
    assert count_tokens(text) == tokens._count(text)  # and cached as the whole's count


def test_the_summary_text_reads_as_before() -> None:
    summary = summary_of(
        [("read_file", f"src/m{n}.py", "") for n in range(14)]
        + [("edit", "a b.py", "str_replace"), ("edit", "notes.md", "view")]
    )
    assert summary.text() == (
        "[32 earlier messages (16 of your turns and their tool results) were dropped to "
        "fit the context budget. Tools called: read_file ×14, edit ×2. Files read: "
        "src/m0.py, src/m1.py, src/m2.py, src/m3.py, src/m4.py, src/m5.py, src/m6.py, "
        "src/m7.py, src/m8.py, src/m9.py, src/m10.py, src/m11.py and 3 more. Files "
        "edited: a b.py. Call the tools again if you need their results.]"
    )
    assert summary_of([]).text() == (
        "[0 earlier messages (0 of your turns and their tool results) were dropped to "
        "fit the context budget. Call the tools again if you need their results.]"
    )


def test_pieces_that_do_not_meet_at_a_word_boundary_are_counted_together() -> None:
    """A cut after a space, or before a character that is not a space, would count
    words the tokenizer merges: such pieces are counted as one."""
    for pieces in (["a ", " b"], ["x", "y z"], ["caf", "\u0301 e"], ["a\u00a0", " b"], ["1", "23"]):
        tokens._cache.clear()
        assert count_tokens_joined(pieces) == tokens._count("".join(pieces)), pieces


def test_texts_not_counted_whole_are_counted_as_count_tokens_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    long = [" word"] * 600  # past EXACT_CHARS: sampled
    assert count_tokens_joined(long) == tokens._count("".join(long))
    assert count_tokens_joined(["\ud800", " lone"]) == count_tokens("\ud800 lone")
    monkeypatch.setattr(tokens, "_load_native", lambda: None)
    pieces = ["never", " counted", " before", " either"] * 5
    assert count_tokens_joined(pieces) == tokens.estimate_tokens("".join(pieces))


@settings(max_examples=500, deadline=None)
@given(
    st.text(alphabet=st.characters(max_codepoint=127), max_size=200)
    | st.lists(
        st.sampled_from(
            [
                "def",
                " handler_12",
                "(request):",
                "  ",
                "\n    ",
                " # ",
                "it's",
                " 're",
                "\t",
                "\r\n",
                "x<y",
                " <EOT> ",
                "<META_START>",
                "0.5e-3",
                "'ll",
                "\x0b\x0c",
                "\x1c",
                " ",
                "ab",
            ]
        ),
        max_size=30,
    ).map("".join)
)
def test_ascii_text_counted_by_words_counts_as_the_tokenizer_does(text: str) -> None:
    """ASCII text is counted word by word (each word's count cached): the same number
    as the tokenizer counting the text whole, special tokens and odd spaces included."""
    from anthropic_tokenizer.anthropic_tokenizer import count_tokens as whole

    if tokens._SPECIAL.search(text):
        assert tokens._exact(text) == whole(text)  # counted whole
        return
    tokens._word_counts.clear()
    assert tokens._by_words(text, whole) == whole(text)  # many new words: counted whole
    assert tokens._by_words(text, whole) == whole(text)  # known words: counted before
    assert all(whole(word) == count for word, count in tokens._word_counts.items())
    tokens._word_counts.clear()
    for piece in text.split(" "):  # a few new words at a time: counted one by one
        tokens._by_words(piece, whole)
    assert tokens._by_words(text, whole) == whole(text)
    assert tokens._exact(text) == whole(text)
