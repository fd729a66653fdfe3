"""Allow-list scoping and content conversion, without servers."""

from __future__ import annotations

import mcp_types as types
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestra_lsp.context.messages import content_tokens, cut_tool_results, parse_cut_note
from orchestra_lsp.mcp.content import bound, resource_result, tool_result
from orchestra_lsp.mcp.prompts import render
from orchestra_lsp.mcp.scope import servers_reached, split_tool_name, tool_allowed

SERVERS = ["tickets", "browser", "my_git"]


@pytest.mark.parametrize(
    ("patterns", "reached"),
    [
        (["read_file", "search"], []),
        (["mcp__tickets__*"], ["tickets"]),
        (["mcp__browser__browser_click"], ["browser"]),
        (["mcp__*"], SERVERS),
        (["*"], SERVERS),
        (["mcp__*__get_*"], SERVERS),
        (["mcp__my_git__git_status"], ["my_git"]),
        (["mcp__b*"], ["browser"]),
        (["mcp__tickets__create(project=SHOP)"], ["tickets"]),
    ],
)
def test_servers_reached(patterns: list[str], reached: list[str]) -> None:
    assert servers_reached(patterns, SERVERS) == reached


def test_tool_names() -> None:
    assert split_tool_name("mcp__my_git__git_status") == ("my_git", "git_status")
    assert split_tool_name("mcp__s__a__b") == ("s", "a__b")
    assert split_tool_name("read_file") is None
    assert tool_allowed(["mcp__tickets__get_*"], "mcp__tickets__get_issue")
    assert not tool_allowed(["mcp__tickets__get_*"], "mcp__tickets__delete_issue")


def test_content_blocks_for_claude() -> None:
    result = types.CallToolResult(
        content=[
            types.TextContent(text="hello"),
            types.ImageContent(data="iVBORw0KGgo=", mime_type="image/png"),
            types.ImageContent(data="AAAA", mime_type="image/bmp"),
            types.AudioContent(data="AAAA", mime_type="audio/wav"),
            types.ResourceLink(name="spec", uri="file:///spec.md", description="the spec"),
            types.EmbeddedResource(
                resource=types.TextResourceContents(uri="mem://a", text="A", mime_type="text/plain")
            ),
            types.EmbeddedResource(resource=types.BlobResourceContents(uri="mem://b", blob="AAAA")),
        ],
        is_error=True,
    )
    converted = tool_result(result, 5000, server="docs")
    assert converted.is_error
    assert converted.content[0] == {"type": "text", "text": "hello"}
    assert converted.content[1]["source"] == {
        "type": "base64",
        "media_type": "image/png",
        "data": "iVBORw0KGgo=",
    }
    notes = [block["text"] for block in converted.content[2:]]
    assert notes[0].startswith("[image (image/bmp, 3 bytes) omitted")
    assert notes[1] == "[audio (audio/wav, 3 bytes) omitted: Claude cannot take audio]"
    assert notes[2] == (
        "[resource link] spec <file:///spec.md>: the spec; "
        "read it with mcp__docs__read_resource if you need it"
    )
    assert notes[3] == "[resource <mem://a> (text/plain)]\nA"
    assert notes[4] == "[resource <mem://b>: 3 bytes of binary data omitted]"


def test_structured_content_stands_in_for_missing_text() -> None:
    result = types.CallToolResult(content=[], structured_content={"temperature": 21})
    assert tool_result(result, 100).text == '{"temperature": 21}'
    assert (
        tool_result(types.CallToolResult(content=[]), 100).text == "(the tool returned no content)"
    )


def test_resource_result() -> None:
    read = types.ReadResourceResult(
        contents=[
            types.BlobResourceContents(uri="mem://logo", blob="iVBORw0KGgo=", mime_type="image/png")
        ]
    )
    blocks = resource_result(read, 5000).content
    assert (
        blocks[0]["text"] == "[resource <mem://logo> (image/png)]" and blocks[1]["type"] == "image"
    )


def test_prompt_rendering_labels_roles_only_in_a_dialogue() -> None:
    alone = types.GetPromptResult(
        messages=[
            types.PromptMessage(role="user", content=types.TextContent(text="Review SHOP-12"))
        ]
    )
    assert render(alone) == "Review SHOP-12"
    dialogue = types.GetPromptResult(
        messages=[
            types.PromptMessage(role="user", content=types.TextContent(text="Hi")),
            types.PromptMessage(role="assistant", content=types.TextContent(text="Hello")),
        ]
    )
    assert render(dialogue) == "[user]\nHi\n\n[assistant]\nHello"


@settings(deadline=None, max_examples=60)  # the first count loads the tokenizer
@given(
    st.lists(st.text(max_size=3000), min_size=1, max_size=5),
    st.integers(min_value=50, max_value=2000),
)
def test_bound_keeps_text_within_the_limit(texts: list[str], limit: int) -> None:
    blocks, note = bound([{"type": "text", "text": text} for text in texts], limit)
    cut = note is not None
    assert not cut or (blocks[-1]["text"] == note and (note or "").startswith("[... cut about "))
    # Within the limit as the context fitter counts it, note included: it never cuts again.
    assert content_tokens(blocks) <= limit
    assert all(block["text"] for block in blocks)
    if not cut:
        assert [block["text"] for block in blocks] == [text for text in texts if text]


def _as_message(blocks: list[dict[str, object]]) -> dict[str, object]:
    result = {"type": "tool_result", "tool_use_id": "t1", "content": blocks}
    return {"role": "user", "content": [result]}


@pytest.mark.parametrize("limit", [300, 2000, 20_000])
def test_a_bound_result_is_left_alone_by_the_context_fitter(limit: int) -> None:
    text = "".join(f"row {n}: some words of a long listing\n" for n in range(40_000))
    blocks, note = bound([{"type": "text", "text": text}], limit)
    assert note is not None
    message = _as_message(blocks)
    assert cut_tool_results(message, 0, limit, {}) == (message, [])


def test_cutting_again_keeps_one_truthful_note() -> None:
    """If the fitter must cut a result the pool already cut (a smaller bound), the one
    note still counts against the whole original and keeps its way to the rest."""
    text = "".join(f"row {n}: some words of a long listing\n" for n in range(40_000))
    saved: list[bytes] = []

    def save(_: str, data: bytes) -> str:
        saved.append(data)
        return "x.txt"

    blocks, note = bound([{"type": "text", "text": text}], 5000, save)
    assert note is not None and saved == [text.encode()]
    first = parse_cut_note(note)
    assert first is not None and "saved at x.txt" in first[2]
    recut, cuts = cut_tool_results(_as_message(blocks), 0, 1000, {})
    assert len(cuts) == 1
    content = recut["content"][0]["content"]
    notes = [b["text"] for b in content if b["text"].startswith("[... cut")]
    assert len(notes) == 1 and notes[0] == content[-1]["text"]
    again = parse_cut_note(notes[0])
    assert again is not None
    assert again[1] == first[1] and again[0] > first[0] and again[2] == first[2]
    assert content_tokens(content) <= 1000
