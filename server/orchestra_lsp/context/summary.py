"""A mechanical summary of dropped turns: which tools were called and which files were
read or edited. No model call — it must be instant, free and predictable."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from orchestra_lsp.context.messages import tool_uses

MAX_LISTED = 12
_READ_TOOLS = frozenset({"read_file", "list_files"})


def summarise_dropped(messages: Sequence[Mapping[str, Any]]) -> str:
    """One short paragraph saying what the dropped `messages` contained."""
    calls: Counter[str] = Counter()
    read: dict[str, None] = {}
    edited: dict[str, None] = {}
    for message in messages:
        for use in tool_uses(message):
            name = str(use.get("name", "?"))
            calls[name] += 1
            arguments = use.get("input")
            path = arguments.get("path") if isinstance(arguments, Mapping) else None
            if not isinstance(arguments, Mapping) or not isinstance(path, str):
                continue
            if name in _READ_TOOLS or (name == "edit" and arguments.get("command") == "view"):
                read[path] = None
            elif name == "edit":
                edited[path] = None
    turns = sum(1 for message in messages if message.get("role") == "assistant")
    parts = [
        f"[{len(messages)} earlier messages ({turns} of your turns and their tool results) "
        "were dropped to fit the context budget."
    ]
    if calls:
        parts.append("Tools called: " + _listing(f"{name} ×{n}" for name, n in calls.items()) + ".")
    if read:
        parts.append("Files read: " + _listing(read) + ".")
    if edited:
        parts.append("Files edited: " + _listing(edited) + ".")
    parts.append("Call the tools again if you need their results.]")
    return " ".join(parts)


def _listing(items: Iterable[str]) -> str:
    names = list(items)
    shown = ", ".join(names[:MAX_LISTED])
    return shown if len(names) <= MAX_LISTED else f"{shown} and {len(names) - MAX_LISTED} more"
