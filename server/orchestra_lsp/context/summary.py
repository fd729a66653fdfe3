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

    def add(self, message: Mapping[str, Any]) -> bool:
        """Account `message`; True when the summary names something it did not name
        before (a tool, a file), so pieces other than its numbers changed."""
        self.messages += 1
        self.turns += message.get("role") == "assistant"
        named = False
        for use in tool_uses(message):
            name = str(use.get("name", "?"))
            named |= name not in self.calls and len(self.calls) < MAX_LISTED
            self.calls[name] += 1
            arguments = use.get("input")
            path = arguments.get("path") if isinstance(arguments, Mapping) else None
            if not isinstance(arguments, Mapping) or not isinstance(path, str):
                continue
            if name in _READ_TOOLS or (name == "edit" and arguments.get("command") == "view"):
                listed = self.read
            elif name == "edit":
                listed = self.edited
            else:
                continue
            named |= path not in listed and len(listed) < MAX_LISTED
            listed[path] = None
        return named

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
        """The summary: `"".join(self.pieces())`."""
        return "".join(self.pieces())

    def pieces(self) -> list[str]:
        """The summary's text in pieces, cut before the spaces between its words and
        list items, so its tokens can be counted from pieces counted before
        (`count_tokens_joined`): from one summary to the next only a few change."""
        dropped, tools, read, edited, call, again = FIXED_PIECES
        pieces = [f"[{self.messages}", f" earlier messages ({self.turns}", dropped]
        if self.calls:
            pieces += [tools, *_listed(f"{name} ×{n}" for name, n in self.calls.items())]
            pieces[-1] += "."
        if self.read:
            pieces += [read, *_listed(self.read)]
            pieces[-1] += "."
        if self.edited:
            pieces += [edited, *_listed(self.edited)]
            pieces[-1] += "."
        pieces += [call, again]
        return pieces


FIXED_PIECES = (
    " of your turns and their tool results) were dropped to fit the context budget.",
    " Tools called:",
    " Files read:",
    " Files edited:",
    " Call",
    " the tools again if you need their results.]",
)
"""The pieces every summary shares (see `DroppedSummary.pieces`)."""


def _listed(items: Iterable[str]) -> list[str]:
    """`_listing(items)` after a space, in pieces: each item with its comma."""
    names = list(items)
    shown = names[:MAX_LISTED]
    pieces = [f" {name}," for name in shown]
    pieces[-1] = pieces[-1][:-1]
    if len(names) > MAX_LISTED:
        pieces.append(f" and {len(names) - MAX_LISTED} more")
    return pieces
