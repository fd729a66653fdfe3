"""MCP content blocks to the Messages API's `tool_result` content, within a token bound.

- Text stays text. `structuredContent` is added (as JSON text) only when `content` does
  not already carry it: servers are asked to mirror it in a text block, and one that
  repeats an image's base64 there must not cost the model 26,000 characters of noise.
- Images become image blocks; a type the API does not take is converted, an image
  above the API's limits (5 MB, 8000 px a side) is scaled down, and one that cannot be
  read is refused, each with a note. A PDF becomes a document block.
- Audio has no block type in the Messages API: it is saved (when the caller gave a
  place) and the model gets a note saying where.
- A resource link is a line naming its URI and the tool that reads it, so the model
  follows it only when it wants to; an embedded resource is its text headed by its URI.

The bound is the whole result's tokens as the context fitter counts them
(`orchestra_lsp.context.messages.content_tokens`), so the fitter never has to cut again.
A cut result keeps one note: how much was left out of how much, and where the full
result was saved (or, without a place, how to ask for less).
"""

from __future__ import annotations

import base64
import binascii
import io
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import mcp_types as types

from orchestra_lsp.context.messages import BLOCK_OVERHEAD, block_tokens, cut_note
from orchestra_lsp.context.tokens import count_tokens, estimate_tokens, truncate_to_tokens
from orchestra_lsp.mcp.models import McpResult

#: Image types the Messages API accepts in an image block.
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
#: The Messages API refuses larger images (decoded bytes) and longer sides (pixels).
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_IMAGE_SIDE = 8000
#: More characters than any budget's worth of tokens will hold in practice (English
#: averages about 4 a token); it bounds how much of a huge text is ever counted.
MAX_CHARS_PER_TOKEN = 10
#: Results with more text than this are converted in a thread: counting tokens of a
#: large text takes long enough to stall every other run on the event loop.
LARGE_TEXT_CHARS = 50_000
#: Strings shorter than this in structured content are not looked for in `content`
#: one by one (a `true` or a `3` proves nothing); longer ones must all be there.
_SHORT = 3

Block = dict[str, Any]
Spill = Callable[[str, bytes], str]
"""Saves the full data of a result (`suffix`, bytes) and returns where, for the note."""
_TEXTS = (types.TextContent, types.TextResourceContents)


def text_block(text: str) -> Block:
    return {"type": "text", "text": text}


def image_block(media_type: str, data: str) -> Block:
    return {"type": "image", "source": {"type": "base64", "media_type": media_type, "data": data}}


def tool_result(
    result: types.CallToolResult,
    max_tokens: int,
    *,
    server: str = "",
    spill: Spill | None = None,
) -> McpResult:
    """A `tools/call` result for the model. `server` names the read tool in resource
    links; `spill` saves what does not reach the model (a cut text, audio)."""
    blocks = [b for item in result.content for b in content_blocks(item, server, spill)]
    structured = result.structured_content
    if structured is not None and not _carries(result.content, structured):
        blocks.append(text_block(_structured_text(structured, result.content)))
    return _bounded(blocks, max_tokens, spill, "(the tool returned no content)", result.is_error)


def resource_result(
    result: types.ReadResourceResult, max_tokens: int, *, spill: Spill | None = None
) -> McpResult:
    blocks = [block for contents in result.contents for block in resource_blocks(contents, spill)]
    return _bounded(blocks, max_tokens, spill, "(the resource is empty)", False)


def _bounded(
    blocks: list[Block], max_tokens: int, spill: Spill | None, empty: str, is_error: bool
) -> McpResult:
    kept, note = bound(blocks, max_tokens, spill)
    return McpResult(content=kept or [text_block(empty)], is_error=is_error, cut_note=note)


def is_large(result: types.CallToolResult | types.ReadResourceResult) -> bool:
    """Whether converting `result` should leave the event loop (see LARGE_TEXT_CHARS)."""
    if isinstance(result, types.ReadResourceResult):
        contents: list[object] = list(result.contents)
    else:
        contents = [getattr(item, "resource", item) for item in result.content]
    size = sum(len(item.text) for item in contents if isinstance(item, _TEXTS))
    size += len(json.dumps(getattr(result, "structured_content", None) or {}))
    return size > LARGE_TEXT_CHARS


def content_blocks(
    item: types.ContentBlock, server: str = "", spill: Spill | None = None
) -> list[Block]:
    if isinstance(item, types.TextContent):
        return [text_block(item.text)]
    if isinstance(item, types.ImageContent):
        return image_blocks(item.mime_type, item.data, "image")
    if isinstance(item, types.AudioContent):
        return [_audio_note(item.mime_type, item.data, spill)]
    if isinstance(item, types.ResourceLink):
        return [text_block(link_text(item, server))]
    return resource_blocks(item.resource, spill)


def link_text(link: types.ResourceLink, server: str) -> str:
    mime = f" ({link.mime_type})" if link.mime_type else ""
    described = f": {link.description}" if link.description else ""
    how = f"; read it with mcp__{server}__read_resource if you need it" if server else ""
    return f"[resource link] {link.name} <{link.uri}>{mime}{described}{how}"


def resource_blocks(
    contents: types.TextResourceContents | types.BlobResourceContents,
    spill: Spill | None = None,
) -> list[Block]:
    mime = f" ({contents.mime_type})" if contents.mime_type else ""
    head = f"[resource <{contents.uri}>{mime}]"
    if isinstance(contents, types.TextResourceContents):
        return [text_block(f"{head}\n{contents.text}")]
    if (contents.mime_type or "").startswith("image/"):
        return [text_block(head), *image_blocks(contents.mime_type, contents.blob, contents.uri)]
    if contents.mime_type == "application/pdf":
        document = {"type": "base64", "media_type": "application/pdf", "data": contents.blob}
        return [text_block(head), {"type": "document", "source": document}]
    if (contents.mime_type or "").startswith("audio/"):
        return [text_block(head), _audio_note(contents.mime_type, contents.blob, spill)]
    return [
        text_block(
            f"[resource <{contents.uri}>{mime}: {_size(contents.blob)} of binary data omitted]"
        )
    ]


def image_blocks(media_type: str | None, data: str, what: str) -> list[Block]:
    """An image block the API will take, with a note when it had to be changed, or a
    note alone when it cannot be sent."""
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return [text_block(f"[{what} ({media_type}) omitted: its data is not valid base64]")]
    if media_type in IMAGE_TYPES and len(raw) <= MAX_IMAGE_BYTES and _within_sides(raw):
        return [image_block(media_type, data)]
    return _fitted_image(media_type, raw, what)


def _within_sides(raw: bytes) -> bool:
    from PIL import Image, UnidentifiedImageError  # only images reach this

    try:
        with Image.open(io.BytesIO(raw)) as image:  # reads the header only
            return max(image.size) <= MAX_IMAGE_SIDE
    except (UnidentifiedImageError, OSError, ValueError):
        return True  # the API will judge; a note here would be a guess


def _fitted_image(media_type: str | None, raw: bytes, what: str) -> list[Block]:
    """Convert or scale an image to the API's types and limits (Pillow)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(raw)) as image:
            image.load()
            original = image.size
            fitted = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return [
            text_block(
                f"[{what} ({media_type}, {len(raw):,} bytes) omitted: not an image the API "
                "takes, and it could not be read to convert it]"
            )
        ]
    scale = min(1.0, MAX_IMAGE_SIDE / max(original))
    for _ in range(8):
        size = (max(1, int(original[0] * scale)), max(1, int(original[1] * scale)))
        encoded = _encode(fitted.resize(size) if size != fitted.size else fitted)
        if len(encoded[1]) <= MAX_IMAGE_BYTES:
            kind, data = encoded
            note = (
                f"[{what} ({media_type}, {original[0]}x{original[1]}, {len(raw):,} bytes) sent as "
                f"{kind} {size[0]}x{size[1]} ({len(data):,} bytes): the API takes images up to "
                f"{MAX_IMAGE_BYTES // 2**20} MB and {MAX_IMAGE_SIDE} px a side in "
                "JPEG, PNG, GIF or WebP]"
            )
            return [text_block(note), image_block(kind, base64.b64encode(data).decode())]
        scale *= 0.7
    return [
        text_block(
            f"[{what} ({media_type}, {len(raw):,} bytes) omitted: it could not be made "
            f"smaller than the API's {MAX_IMAGE_BYTES // 2**20} MB]"
        )
    ]


def _encode(image: Any) -> tuple[str, bytes]:
    """PNG for images with transparency, JPEG otherwise (far smaller for photos)."""
    buffer = io.BytesIO()
    if image.mode == "RGBA":
        image.save(buffer, format="PNG", optimize=True)
        return "image/png", buffer.getvalue()
    image.save(buffer, format="JPEG", quality=85)
    return "image/jpeg", buffer.getvalue()


def _audio_note(media_type: str | None, data: str, spill: Spill | None) -> Block:
    size = _size(data)
    if spill is None:
        return text_block(f"[audio ({media_type}, {size}) omitted: Claude cannot take audio]")
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return text_block(f"[audio ({media_type}) omitted: its data is not valid base64]")
    suffix = "." + (media_type or "audio/bin").split("/")[-1].split(";")[0]
    where = spill(suffix, raw)
    return text_block(
        f"[audio ({media_type}, {size}): Claude cannot take audio; it is saved at {where}]"
    )


def _size(data: str) -> str:
    """The decoded size of base64 data, without decoding it."""
    padding = data[-2:].count("=")
    return f"{max(0, len(data) * 3 // 4 - padding):,} bytes"


# -- structured content ---------------------------------------------------------------


def _carries(content: list[types.ContentBlock], structured: dict[str, Any]) -> bool:
    """Whether `content` already says what `structured` says: a text block holding the
    same JSON, or every value of it found in the blocks (an image's base64 in the
    image, numbers and strings in the text)."""
    if not content:
        return False
    strings = list(_content_strings(content))
    for text in strings:
        try:
            if json.loads(text) == structured:
                return True
        except ValueError:
            continue
    texts = "\n".join(strings)
    exact = set(strings)
    for leaf in _leaves(structured):
        needle = leaf if isinstance(leaf, str) else json.dumps(leaf)
        if len(needle) < _SHORT and not isinstance(leaf, str):
            continue
        if needle not in exact and needle not in texts:
            return False
    return True


def _structured_text(structured: dict[str, Any], content: list[types.ContentBlock]) -> str:
    """Structured content as JSON, with any value already sent as a block (an image's
    base64) replaced by a reference to it rather than repeated."""
    sent = {s for s in _content_strings(content) if len(s) > 256}

    def strip(value: Any) -> Any:
        if isinstance(value, str) and value in sent:
            return "(the same data as the block above)"
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items()}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return json.dumps(strip(structured), ensure_ascii=False)


def _content_strings(content: Iterable[types.ContentBlock]) -> Iterator[str]:
    for item in content:
        if isinstance(item, types.TextContent):
            yield item.text
        elif isinstance(item, types.ImageContent | types.AudioContent):
            yield item.data
            yield item.mime_type
        elif isinstance(item, types.ResourceLink):
            yield str(item.uri)
            yield item.name
        elif isinstance(item, types.EmbeddedResource):
            resource = item.resource
            yield str(resource.uri)
            if isinstance(resource, types.TextResourceContents):
                yield resource.text
            else:
                yield resource.blob


def _leaves(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    elif value is not None and not isinstance(value, bool):
        yield value


# -- the bound --------------------------------------------------------------------------


def bound(
    blocks: Iterable[Block], max_tokens: int, spill: Spill | None = None
) -> tuple[list[Block], str | None]:
    """Keep blocks, in order, while they fit `max_tokens` as the context fitter counts
    them; cut the text that overflows and end with one note. Returns the blocks and
    the note (None when nothing was cut).

    Media blocks are kept whatever the bound (their cost is fixed and the model asked
    for them); texts share what is left. Empty texts are dropped (the API refuses them).
    """
    blocks = [b for b in blocks if b["type"] != "text" or b["text"]]
    media = sum(block_tokens(b) for b in blocks if b["type"] != "text")
    texts = [b["text"] for b in blocks if b["type"] == "text"]
    text_cost = sum(BLOCK_OVERHEAD + _fit(t, max_tokens)[2] for t in texts)
    if media + text_cost <= max_tokens:
        return blocks, None
    total = media + text_cost
    where = spill(".txt", "\n".join(texts).encode()) if spill is not None else None
    hint = (
        f"the full result is saved at {where}; read parts of it with read_file or search it"
        if where
        else "ask for less (a narrower query, a page, a range) to see the rest"
    )
    reserve = BLOCK_OVERHEAD + count_tokens(cut_note(total, total, hint))
    remaining = max(max_tokens - media - reserve, 0)
    kept: list[Block] = []
    for block in blocks:
        if block["type"] != "text":
            kept.append(block)
            continue
        if remaining <= BLOCK_OVERHEAD:
            continue
        head, head_tokens, _ = _fit(block["text"], remaining - BLOCK_OVERHEAD)
        if head:
            kept.append(text_block(head) if len(head) < len(block["text"]) else block)
            remaining -= BLOCK_OVERHEAD + head_tokens
    sent = sum(block_tokens(b) for b in kept)
    note = cut_note(max(total - sent, 0), total, hint)
    kept.append(text_block(note))
    return kept, note


def _fit(text: str, budget: int) -> tuple[str, int, int]:
    """(the head of `text` within `budget` tokens, its tokens, the tokens of all `text`).

    Only a window of `budget * MAX_CHARS_PER_TOKEN` characters is counted: no head
    within the budget is longer, and counting megabytes would take seconds. Past
    the window the total is an estimate, which the note says ("about").
    """
    window = text[: max(budget, 1) * MAX_CHARS_PER_TOKEN]
    tokens = count_tokens(window)
    if tokens <= budget and len(window) == len(text):
        return text, tokens, tokens
    head = truncate_to_tokens(window, budget)
    return head, count_tokens(head), tokens + estimate_tokens(text[len(window) :])


def as_text(blocks: Iterable[Block]) -> str:
    """Blocks as plain text, for prompts: an image becomes a short note."""
    parts = []
    for block in blocks:
        if block["type"] == "text":
            parts.append(block["text"])
        else:
            parts.append(
                f"[{block['type']} ({block['source']['media_type']}) left out of the text]"
            )
    return "\n".join(parts)
