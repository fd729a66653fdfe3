"""MCP content blocks to the Messages API's `tool_result` content, within a token bound.

Text stays text; images become base64 image blocks Claude can look at; an embedded
resource becomes text headed by its URI (so the model can refer to it); anything Claude
cannot take (audio, other binaries) becomes a one-line note rather than vanishing.

The bound is on text tokens across the whole result (counted with
`orchestra_lsp.context.count_tokens`); images are kept whole, up to the API's per-image
size. A cut result ends with a note saying how much was cut and how to see the rest.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import mcp_types as types

from orchestra_lsp.context.tokens import count_tokens, estimate_tokens, truncate_to_tokens
from orchestra_lsp.mcp.models import McpResult

#: Image types the Messages API accepts in an image block.
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
#: The Messages API refuses larger images (base64 characters, ~5 MB decoded).
MAX_IMAGE_BASE64 = 5 * 1024 * 1024 * 4 // 3
#: More characters than any budget's worth of tokens will hold in practice (English
#: averages about 4 a token); it bounds how much of a huge text is ever counted.
MAX_CHARS_PER_TOKEN = 10
#: Results with more text than this are converted in a thread: counting tokens of a
#: large text takes long enough to stall every other run on the event loop.
LARGE_TEXT_CHARS = 50_000

Block = dict[str, Any]
_TEXTS = (types.TextContent, types.TextResourceContents)


def text_block(text: str) -> Block:
    return {"type": "text", "text": text}


def image_block(media_type: str, data: str) -> Block:
    return {"type": "image", "source": {"type": "base64", "media_type": media_type, "data": data}}


def tool_result(result: types.CallToolResult, max_tokens: int) -> McpResult:
    """A `tools/call` result for the model; structured content stands in for empty text."""
    blocks = [converted for item in result.content for converted in content_blocks(item)]
    if not any(block["type"] == "text" for block in blocks) and result.structured_content:
        blocks.append(text_block(json.dumps(result.structured_content, ensure_ascii=False)))
    kept = bound(blocks, max_tokens) or [text_block("(the tool returned no content)")]
    return McpResult(content=kept, is_error=result.is_error)


def resource_result(result: types.ReadResourceResult, max_tokens: int) -> McpResult:
    blocks = [block for contents in result.contents for block in resource_blocks(contents)]
    return McpResult(content=bound(blocks, max_tokens) or [text_block("(the resource is empty)")])


def is_large(result: types.CallToolResult | types.ReadResourceResult) -> bool:
    """Whether converting `result` should leave the event loop (see LARGE_TEXT_CHARS)."""
    if isinstance(result, types.ReadResourceResult):
        contents: list[object] = list(result.contents)
    else:
        contents = [getattr(item, "resource", item) for item in result.content]
    size = sum(len(item.text) for item in contents if isinstance(item, _TEXTS))
    return size > LARGE_TEXT_CHARS


def content_blocks(item: types.ContentBlock) -> list[Block]:
    if isinstance(item, types.TextContent):
        return [text_block(item.text)]
    if isinstance(item, types.ImageContent):
        return [_image_or_note(item.mime_type, item.data, "image")]
    if isinstance(item, types.AudioContent):
        return [
            text_block(f"[audio ({item.mime_type}, {_size(item.data)}) omitted: not supported]")
        ]
    if isinstance(item, types.ResourceLink):
        described = f": {item.description}" if item.description else ""
        return [text_block(f"[resource link] {item.name} <{item.uri}>{described}")]
    return resource_blocks(item.resource)


def resource_blocks(
    contents: types.TextResourceContents | types.BlobResourceContents,
) -> list[Block]:
    mime = f" ({contents.mime_type})" if contents.mime_type else ""
    if isinstance(contents, types.TextResourceContents):
        return [text_block(f"[resource <{contents.uri}>{mime}]\n{contents.text}")]
    if contents.mime_type in IMAGE_TYPES:
        return [
            text_block(f"[resource <{contents.uri}>{mime}]"),
            _image_or_note(contents.mime_type, contents.blob, contents.uri),
        ]
    return [
        text_block(
            f"[resource <{contents.uri}>{mime}: {_size(contents.blob)} of binary data omitted]"
        )
    ]


def _image_or_note(media_type: str | None, data: str, what: str) -> Block:
    if media_type not in IMAGE_TYPES:
        accepted = ", ".join(sorted(IMAGE_TYPES))
        return text_block(f"[{what} ({media_type}, {_size(data)}) omitted: not {accepted}]")
    if len(data) > MAX_IMAGE_BASE64:
        return text_block(
            f"[{what} ({media_type}, {_size(data)}) omitted: larger than the 5 MB an image may be]"
        )
    return image_block(media_type, data)


def _size(data: str) -> str:
    """The decoded size of base64 data, without decoding it."""
    padding = data[-2:].count("=")
    return f"{max(0, len(data) * 3 // 4 - padding):,} bytes"


def bound(blocks: Iterable[Block], max_tokens: int) -> list[Block]:
    """Keep text blocks, in order, until `max_tokens` are spent; cut the one that overflows.

    Images are kept whatever the bound: they are counted by the API, not here.
    Empty texts are dropped (the API refuses empty text blocks).
    """
    kept: list[Block] = []
    remaining = max_tokens
    cut = total = 0
    for block in blocks:
        if block["type"] != "text":
            kept.append(block)
            continue
        head, head_tokens, tokens = _fit(block["text"], remaining)
        total += tokens
        remaining -= head_tokens
        cut += tokens - head_tokens
        if head:
            kept.append(text_block(head) if len(head) < len(block["text"]) else block)
    if cut:
        kept.append(text_block(cut_note(cut, total, max_tokens)))
    return kept


def _fit(text: str, budget: int) -> tuple[str, int, int]:
    """(the head of `text` within `budget` tokens, its tokens, the tokens of all `text`).

    Only a window of `budget * MAX_CHARS_PER_TOKEN` characters is counted: no head
    within the budget is longer, and counting megabytes would take seconds. Past
    the window the total is an estimate, which the note says ("about").
    """
    window = text[: budget * MAX_CHARS_PER_TOKEN]
    tokens = count_tokens(window)
    if tokens <= budget and len(window) == len(text):
        return text, tokens, tokens
    head = truncate_to_tokens(window, budget)
    return head, count_tokens(head), tokens + estimate_tokens(text[len(window) :])


def cut_note(cut: int, total: int, limit: int) -> str:
    return (
        f"[... result cut: about {cut} of {total} tokens left out (the bound is {limit}); "
        "ask for less (a narrower query, a page, a range) to see the rest]"
    )


def as_text(blocks: Iterable[Block]) -> str:
    """Blocks as plain text, for prompts: an image becomes a short note."""
    parts = []
    for block in blocks:
        if block["type"] == "text":
            parts.append(block["text"])
        else:
            parts.append(f"[image ({block['source']['media_type']}) left out of the text]")
    return "\n".join(parts)
