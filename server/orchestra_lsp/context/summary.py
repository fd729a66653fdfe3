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
    summary = DroppedSummary()
    for message in messages:
        summary.add(message)
    return summary.text()


class DroppedSummary:
    """:func:`summarise_dropped`, built one message at a time: the fitter moves its cut
    forward over a long run, and must not re-read every dropped message each time."""

    def __init__(self) -> None:
        self.messages = 0
        self.turns = 0
        self.calls: Counter[str] = Counter()
        self.read: dict[str, None] = {}
        self.edited: dict[str, None] = {}

    def add(self, message: Mapping[str, Any]) -> None:
        self.messages += 1
        self.turns += message.get("role") == "assistant"
        for use in tool_uses(message):
            name = str(use.get("name", "?"))
            self.calls[name] += 1
            arguments = use.get("input")
            path = arguments.get("path") if isinstance(arguments, Mapping) else None
            if not isinstance(arguments, Mapping) or not isinstance(path, str):
                continue
            if name in _READ_TOOLS or (name == "edit" and arguments.get("command") == "view"):
                self.read[path] = None
            elif name == "edit":
                self.edited[path] = None

    def copy(self) -> DroppedSummary:
        """An independent copy (its counts are plain values: a shallow copy of each
        table is enough, and several times cheaper than `copy.deepcopy`)."""
        other = DroppedSummary()
        other.messages, other.turns = self.messages, self.turns
        other.calls, other.read, other.edited = (
            Counter(self.calls),
            dict(self.read),
            dict(self.edited),
        )
        return other

    def text(self) -> str:
        parts = [
            f"[{self.messages} earlier messages ({self.turns} of your turns and their tool "
            "results) were dropped to fit the context budget."
        ]
        if self.calls:
            listed = _listing(f"{name} ×{n}" for name, n in self.calls.items())
            parts.append(f"Tools called: {listed}.")
        if self.read:
            parts.append("Files read: " + _listing(self.read) + ".")
        if self.edited:
            parts.append("Files edited: " + _listing(self.edited) + ".")
        parts.append("Call the tools again if you need their results.]")
        return " ".join(parts)


def _listing(items: Iterable[str]) -> str:
    names = list(items)
    shown = ", ".join(names[:MAX_LISTED])
    return shown if len(names) <= MAX_LISTED else f"{shown} and {len(names) - MAX_LISTED} more"
