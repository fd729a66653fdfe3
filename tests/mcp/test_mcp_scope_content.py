"""Allow-list scoping and content conversion, without servers."""

from __future__ import annotations

import mcp_types as types
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestra_lsp.context import count_tokens
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
    converted = tool_result(result, 1000)
    assert converted.is_error
    assert converted.content[0] == {"type": "text", "text": "hello"}
    assert converted.content[1]["source"] == {
        "type": "base64",
        "media_type": "image/png",
        "data": "iVBORw0KGgo=",
    }
    notes = [block["text"] for block in converted.content[2:]]
    assert notes[0].startswith("[image (image/bmp, 3 bytes) omitted")
    assert notes[1].startswith("[audio (audio/wav, 3 bytes) omitted")
    assert notes[2] == "[resource link] spec <file:///spec.md>: the spec"
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
    blocks = resource_result(read, 100).content
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
    blocks = bound([{"type": "text", "text": text} for text in texts], limit)
    cut = bool(blocks) and blocks[-1]["text"].startswith("[... result cut:")
    kept = blocks[:-1] if cut else blocks
    assert sum(count_tokens(block["text"]) for block in kept) <= limit
    assert all(block["text"] for block in blocks)
    if not cut:
        assert [block["text"] for block in blocks] == [text for text in texts if text]
