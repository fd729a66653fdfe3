"""Token accounting for Messages API content, and cutting oversized tool results."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from orchestra_lsp.context.models import Cut, Message
from orchestra_lsp.context.tokens import count_tokens, truncate_to_tokens

#: Framing the API adds around each message and each content block (role markers,
#: block delimiters): small, but it adds up over a long tool loop.
MESSAGE_OVERHEAD = 4
BLOCK_OVERHEAD = 3
#: Images and PDFs are not tokenised from their base64 data; a typical screenshot costs
#: about this much.
MEDIA_TOKENS = 1600


def message_tokens(message: Mapping[str, Any]) -> int:
    """Estimated tokens of one message."""
    return MESSAGE_OVERHEAD + content_tokens(message.get("content", ""))


def content_tokens(content: Any) -> int:
    """Estimated tokens of a message's (or a tool result's) content."""
    if isinstance(content, str):
        return count_tokens(content)
    if isinstance(content, list):
        return sum(block_tokens(block) for block in content)
    return count_tokens(_json(content))


def block_tokens(block: Any) -> int:
    """Estimated tokens of one content block."""
    if not isinstance(block, Mapping):
        return BLOCK_OVERHEAD + count_tokens(_json(block))
    kind = block.get("type")
    if kind == "text":
        body = count_tokens(str(block.get("text", "")))
    elif kind == "tool_use":
        body = count_tokens(str(block.get("name", ""))) + count_tokens(_json(block.get("input")))
    elif kind == "tool_result":
        body = content_tokens(block.get("content", ""))
    elif kind in ("image", "document"):
        body = MEDIA_TOKENS
    elif kind == "thinking":
        body = count_tokens(str(block.get("thinking", "")))
    else:
        body = count_tokens(_json(block))
    return BLOCK_OVERHEAD + body


def tool_uses(message: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The tool_use blocks of a message."""
    return [block for block in _blocks(message) if block.get("type") == "tool_use"]


def cut_tool_results(
    message: Message, index: int, limit: int, tool_names: Mapping[str, str]
) -> tuple[Message, list[Cut]]:
    """`message` with every tool result longer than `limit` tokens cut to fit, and what
    was cut. The message is copied only when something changes."""
    content = message.get("content")
    if not isinstance(content, list):
        return message, []
    cuts: list[Cut] = []
    blocks: list[Any] = []
    for block in content:
        if isinstance(block, Mapping) and block.get("type") == "tool_result":
            before = content_tokens(block.get("content", ""))
            if before > limit:
                new_content = _cut_content(block.get("content", ""), before, limit)
                block = {**block, "content": new_content}
                tool_use_id = str(block.get("tool_use_id", ""))
                after = content_tokens(new_content)
                cuts.append(
                    Cut(
                        kind="tool_result_cut",
                        detail=f"tool result cut from {before} to {after} tokens",
                        tokens_before=before,
                        tokens_after=after,
                        message_index=index,
                        tool_use_id=tool_use_id or None,
                        tool_name=tool_names.get(tool_use_id),
                    )
                )
        blocks.append(block)
    return ({**message, "content": blocks}, cuts) if cuts else (message, [])


#: What the model is told it can do about a cut, unless the cutter knows better (the
#: MCP pool saves the whole result and names the file).
DEFAULT_CUT_HINT = (
    "the result was too long for the context; ask for a narrower range or a more "
    "specific query to see more"
)
_CUT_NOTE = re.compile(r"\[\.\.\. cut about ([\d,]+) tokens of ([\d,]+): (.*)\]", re.DOTALL)


def cut_note(cut: int, total: int, hint: str = DEFAULT_CUT_HINT) -> str:
    """The one marker left where a tool result was cut: how much was left out of how
    much, and how to get the rest. Whoever cuts again keeps it truthful (`_cut_content`)."""
    return f"[... cut about {cut:,} tokens of {total:,}: {hint}]"


def parse_cut_note(text: str) -> tuple[int, int, str] | None:
    """(cut, total, hint) of a note `cut_note` wrote, or None for any other text."""
    match = _CUT_NOTE.fullmatch(text)
    if match is None:
        return None
    return int(match[1].replace(",", "")), int(match[2].replace(",", "")), match[3]


def _cut_content(content: Any, total: int, limit: int) -> Any:
    """Content of at most `limit` tokens: its head, then one cut note.

    Content already cut once (an MCP result bound by the pool) ends with a note about
    the whole original; cutting again replaces it with one counting against that same
    original, keeping its hint, so the model is never told less was left out than was.
    """
    blocks = content if isinstance(content, list) else None
    previous = _previous_note(blocks) if blocks is not None else None
    if previous is not None and blocks is not None:
        blocks = blocks[:-1]
    original = previous[1] if previous is not None else total
    hint = previous[2] if previous is not None else DEFAULT_CUT_HINT
    # The note's numbers are not known yet: other digits of the same length may take a
    # token or two more than this stand-in.
    note_budget = count_tokens(cut_note(original, original, hint)) + BLOCK_OVERHEAD + 2
    room = max(limit - note_budget, 0)
    if isinstance(content, str):
        head = truncate_to_tokens(content, room)
        while True:
            note = cut_note(total - count_tokens(head), total)
            cut = f"{head.rstrip()}\n{note}" if head.strip() else note
            # A long text's count is an estimate from samples, not a sum of its parts:
            # shrink the head until head and note together are within the limit.
            if count_tokens(cut) <= limit or not head.strip():
                return cut
            head = truncate_to_tokens(head, int(count_tokens(head) * 0.95))
    if blocks is None:
        blocks = [{"type": "text", "text": _json(content)}]
    kept: list[Any] = []
    used = 0
    for block in blocks:
        size = block_tokens(block)
        if used + size <= room:
            kept.append(block)
            used += size
            continue
        if isinstance(block, Mapping) and block.get("type") == "text":
            head = truncate_to_tokens(str(block.get("text", "")), room - used - BLOCK_OVERHEAD)
            if head:
                kept.append({**block, "text": head})
                used += BLOCK_OVERHEAD + count_tokens(head)
        break
    kept.append({"type": "text", "text": cut_note(max(original - used, 0), original, hint)})
    return kept


def _previous_note(blocks: list[Any]) -> tuple[int, int, str] | None:
    last = blocks[-1] if blocks else None
    if not isinstance(last, Mapping) or last.get("type") != "text":
        return None
    return parse_cut_note(str(last.get("text", "")))


def _blocks(message: Mapping[str, Any]) -> Sequence[Mapping[str, Any]]:
    content = message.get("content")
    if not isinstance(content, list):
        return []
    return [block for block in content if isinstance(block, Mapping)]


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
