"""Fitting a step's prompt into its token budget.

Three layers, cheapest loss first:

1. Pinned sources (persistent context, agent prompt, step instructions) always stay whole:
   they are what the agent is and what it was asked.
2. Every tool result larger than `max_tool_result_tokens` is cut to its head followed by a
   note ``[... cut N tokens of M: ...]`` that tells the model how to see more.
3. If the whole still exceeds the budget, the oldest turns are dropped: never the first
   user message (the step's instructions), never the last two messages (the exchange in
   progress), and only whole assistant/tool-result exchanges, so a tool_use never loses
   its tool_result. What was dropped is stated in a short mechanical summary (tools
   called, files read and edited).

Where the cut falls is chosen for prompt caching. The conversation is divided, from its
start, into chunks of about `CHUNK_SHARE` of the room the budget leaves; a chunk
boundary depends only on the messages before it, so it never moves as the conversation
grows. The cut is the earliest boundary that makes the whole fit. It therefore stays put,
and every call sends the same messages before its new ones (a byte-identical prefix the
API's cache can serve), until the conversation outgrows the budget again; then it jumps a
whole chunk ahead at once. Only when no boundary is enough does the cut fall on any
exchange (the fewest dropped), and failing that everything that may go is dropped.

The summary is a text block appended to the first user message rather than a message of
its own: in a tool loop every user message after the first carries the tool results of
the assistant message before it, so a standalone summary could only sit between two user
messages (breaking alternation) or beside a made-up assistant turn. Appended to the first
message it keeps roles alternating and every tool_result right after its tool_use.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from orchestra_lsp.context.messages import cut_tool_results, message_tokens, tool_uses
from orchestra_lsp.context.models import (
    Cut,
    FitResult,
    Manifest,
    Message,
    PartLabel,
    PartTokens,
    Source,
)
from orchestra_lsp.context.summary import FIXED_PIECES, DroppedSummary
from orchestra_lsp.context.tokens import count_tokens, count_tokens_joined

CHUNK_SHARE = 0.5
"""A chunk of dropped turns is about this share of the room the budget leaves for the
conversation: larger chunks mean fewer cut moves (more cache hits), smaller ones keep
more of the recent conversation."""


def fit_to_budget(
    pinned: Sequence[Source],
    conversation: Sequence[Message],
    budget_tokens: int,
    max_tool_result_tokens: int,
) -> FitResult:
    """The conversation to send with `pinned`, within `budget_tokens` when at all
    possible, and a manifest of what it holds and what was left out. `conversation` must
    be a valid Messages API conversation (it starts with the step's instructions); it is
    not modified."""
    return ConversationFitter(pinned, budget_tokens, max_tool_result_tokens).fit(conversation)


class ConversationFitter:
    """Fits one step's conversation to the budget before each of its model calls.

    A tool loop refits the same conversation, two messages longer, every turn. The
    fitter keeps what it worked out for each message it has seen (its cut form, its
    cuts, its size), so a turn pays for its new messages only. Messages are recognised
    by identity (they are never changed once in a conversation); a conversation that
    does not extend the previous one is worked out again from where they differ. The
    same list given again (the step loop's, which only appends) is taken to extend the
    last one when it still holds the last message seen at its place: comparing a long
    conversation message by message would touch every message on every turn.
    """

    def __init__(
        self, pinned: Sequence[Source], budget_tokens: int, max_tool_result_tokens: int
    ) -> None:
        self.budget_tokens = budget_tokens
        self.max_tool_result_tokens = max_tool_result_tokens
        self.sources: dict[str, int] = {}
        for source in pinned:
            self.sources[source.name] = self.sources.get(source.name, 0) + count_tokens(source.text)
        self.pinned_tokens = sum(self.sources.values())
        for piece in FIXED_PIECES:  # counted now, not in the turn of the first summary
            count_tokens(piece)
        self._seen: list[Message] = []
        self._given: Sequence[Message] | None = None
        """The conversation last given to `fit`."""
        self._fitted: list[Message] = []
        self._sizes: list[int] = []
        self._cuts: list[Cut] = []
        self._turn_lines: list[PartTokens] = []
        """Each message's manifest line as it reads once it is no longer among the latest
        (made when first asked for)."""
        self._suffix: list[int] = [0]
        """`_suffix[k]` is the size of messages [0, k): sums of any range in O(1)."""
        self._chunk = max(1, int((budget_tokens - self.pinned_tokens) * CHUNK_SHARE))
        self._boundaries: list[_Boundary] = []
        """Chunk boundaries, in order."""
        self._running = DroppedSummary()
        """Summary of messages [1, len(seen)), for the next boundary."""
        self._since_boundary = 0
        """Tokens since the last boundary (from message 1 before the first)."""
        self._kept: tuple[int, list[PartTokens]] | None = None
        """Past the budget: the cut's `end`, and the `turn` lines of the messages kept
        after it (see `_kept_lines`)."""

    def fit(self, conversation: Sequence[Message], *, per_message: bool = True) -> FitResult:
        """See :func:`fit_to_budget`. Without `per_message`, the manifest's
        `conversation` (a line per message sent) is left empty: a tool loop reports the
        rest of the manifest every turn, and the lines would be remade for nothing."""
        self._learn(conversation)
        messages, cuts = self._fitted, list(self._cuts)
        drop = self._choose_drop(self.budget_tokens - self.pinned_tokens)
        if drop is None:
            conversation_tokens = self._suffix[-1]
            lines = self._lines() if per_message else []
        else:
            end, summary, first, first_tokens = drop
            cuts.append(
                Cut(
                    kind="turns_summarised",
                    detail=summary,
                    tokens_before=self._suffix[end] - self._suffix[1],
                    tokens_after=first_tokens - self._sizes[0],
                    message_index=1,
                    messages_dropped=end - 1,
                )
            )
            messages = [first, *messages[end:]]
            conversation_tokens = first_tokens + self._suffix[-1] - self._suffix[end]
            lines = self._kept_lines(end, first, first_tokens) if per_message else []
        total = self.pinned_tokens + conversation_tokens
        # Built from the fitter's own counts, valid by construction: validating them
        # again would walk every line of a long conversation on every turn.
        manifest = Manifest.model_construct(
            sources=dict(self.sources),
            conversation=lines,
            pinned_tokens=self.pinned_tokens,
            conversation_tokens=conversation_tokens,
            total_tokens=total,
            budget_tokens=self.budget_tokens,
            fits=total <= self.budget_tokens,
            cuts=cuts,
        )
        return FitResult(messages=list(messages), manifest=manifest)

    def _choose_drop(self, room: int) -> tuple[int, str, Message, int] | None:
        """Where to cut (the index of the first message kept after the instructions),
        the summary of what goes, the first message with it and that message's tokens;
        None when everything fits. See the module docstring."""
        count = len(self._fitted)
        if self._suffix[-1] <= room:
            return None
        kept_from = self._suffix[count]

        def fits(end: int, first_tokens: int) -> bool:
            return first_tokens + kept_from - self._suffix[end] <= room

        last_usable: _Boundary | None = None
        for boundary in self._boundaries:
            if boundary.index > count - 2:
                break
            last_usable = boundary
            first, first_tokens = self._first_with(boundary)
            if fits(boundary.index, first_tokens):
                return boundary.index, boundary.summary, first, first_tokens
        # No boundary is enough: the fewest exchanges after the last one that are, and
        # failing that all that may go.
        start = last_usable.index if last_usable else 1
        running = last_usable.before.copy() if last_usable else DroppedSummary()
        best = (start, last_usable.summary) if last_usable else None
        for end in range(start, count - 1):
            if end >= 3 and self._fitted[end].get("role") == "assistant":
                best = (end, running.text())
                count_tokens_joined(running.pieces())  # see `_first_with`
                first = _with_summary(self._fitted[0], best[1])
                first_tokens = message_tokens(first)
                if fits(end, first_tokens):
                    return end, best[1], first, first_tokens
            running.add(self._fitted[end])
        if best is None:
            return None
        first = _with_summary(self._fitted[0], best[1])
        return best[0], best[1], first, message_tokens(first)

    def _first_with(self, boundary: _Boundary) -> tuple[Message, int]:
        """The instructions with `boundary`'s summary, and their tokens: worked out once
        per boundary (the instructions never change while it stands)."""
        if boundary.first is None:
            # The summary's count, from its pieces (most counted for earlier summaries),
            # is then the tokenizer cache's answer for the summary's text.
            count_tokens_joined(boundary.before.pieces())
            first = _with_summary(self._fitted[0], boundary.summary)
            boundary.first = (first, message_tokens(first))
        return boundary.first

    def _kept_lines(self, end: int, first: Message, first_tokens: int) -> list[PartTokens]:
        """The manifest's lines for the instructions (with the summary) and messages
        [end, count): the lines before the latest two are kept from turn to turn while
        the cut stays at `end`, and only new ones are made."""
        count = len(self._fitted)
        if self._kept is None or self._kept[0] != end:
            self._kept = (end, [])
        kept = self._kept[1]
        turns_end = count - 2  # messages [end, turns_end) read `turn`
        for index in range(end + len(kept), turns_end):
            kept.append(_line(1 + index - end, self._fitted[index], self._sizes[index], "turn"))
        head = _line(0, first, first_tokens, "instructions")
        latest = [
            _line(1 + index - end, self._fitted[index], self._sizes[index], "latest")
            for index in range(max(turns_end, end), count)
        ]
        return [head, *kept[: max(turns_end - end, 0)], *latest]

    def _lines(self) -> list[PartTokens]:
        """The manifest's lines for the whole conversation: only the latest two differ
        from last turn's (their label)."""
        count = len(self._fitted)
        tail = range(max(count - 2, 0), count)
        # Made when first asked for: a tool loop's fit never asks (`per_message`).
        for index in range(len(self._turn_lines), tail.start):
            label: PartLabel = "instructions" if index == 0 else "turn"
            self._turn_lines.append(_line(index, self._fitted[index], self._sizes[index], label))
        return [*self._turn_lines[: tail.start], *_lines(self._fitted, self._sizes, tail)]

    def _learn(self, conversation: Sequence[Message]) -> None:
        """Bring the per-message work up to date with `conversation`."""
        seen = len(self._seen)
        if (
            conversation is self._given
            and len(conversation) >= seen
            and (seen == 0 or conversation[seen - 1] is self._seen[-1])
        ):
            known = seen
        else:
            known = _shared_prefix(self._seen, conversation)
        self._given = conversation
        if known < len(self._seen):
            self._kept = None
            del self._seen[known:], self._fitted[known:], self._sizes[known:]
            del self._turn_lines[known:], self._suffix[known + 1 :]
            self._cuts = [cut for cut in self._cuts if cut.message_index < known]
            self._relearn_chunks()
        for index in range(known, len(conversation)):
            message = conversation[index]
            fitted, cuts = cut_tool_results(
                message,
                index,
                self.max_tool_result_tokens,
                _tool_names(conversation[index - 1]) if index else {},
            )
            self._seen.append(message)
            self._fitted.append(fitted)
            self._sizes.append(message_tokens(fitted))
            self._suffix.append(self._suffix[-1] + self._sizes[-1])
            self._cuts.extend(cuts)
            self._chunk_step(index)

    def _chunk_step(self, index: int) -> None:
        """Account message `index` (just learned) to the chunks; see the module docstring."""
        if index == 0:
            return
        fitted = self._fitted[index]
        if index >= 3 and fitted.get("role") == "assistant" and self._since_boundary >= self._chunk:
            before = self._running.copy()
            boundary = _Boundary(index, before.text(), before)
            # Counted now, a chunk before the cut can move here: the turn it moves on
            # then costs no more than another.
            self._first_with(boundary)
            self._boundaries.append(boundary)
            self._since_boundary = 0
        if self._running.add(fitted):
            # A new item in the summary's lists (a file read, a tool called): its pieces
            # are counted now, a turn at a time, so the boundary that will need them
            # counts only what changed since (see `_first_with`).
            count_tokens_joined(self._running.pieces())
        self._since_boundary += self._sizes[index]

    def _relearn_chunks(self) -> None:
        """After the conversation diverged: the chunk state of the messages kept."""
        self._running, self._since_boundary, self._boundaries = DroppedSummary(), 0, []
        for index in range(1, len(self._fitted)):
            self._chunk_step(index)


@dataclass
class _Boundary:
    """A chunk boundary: cutting here keeps message `index` on."""

    index: int
    summary: str
    """What dropping messages [1, index) would say."""
    before: DroppedSummary
    """The summary's state, to go on from when no boundary is enough."""
    first: tuple[Message, int] | None = None
    """The instructions with `summary`, and their tokens, once asked for."""


class ContextBudget(BaseModel):
    """The budget settings of config.toml's `[model]`, bound to :func:`fit_to_budget`."""

    model_config = ConfigDict(frozen=True)

    budget_tokens: int = Field(default=150_000, gt=0)
    max_tool_result_tokens: int = Field(default=10_000, gt=0)

    def fit(self, pinned: Sequence[Source], conversation: Sequence[Message]) -> FitResult:
        """See :func:`fit_to_budget`."""
        return fit_to_budget(pinned, conversation, self.budget_tokens, self.max_tool_result_tokens)


def _shared_prefix(seen: list[Message], conversation: Sequence[Message]) -> int:
    """How many leading messages the two share, by identity; checked whole at C speed
    first, since in a tool loop the conversation only grows. (List equality compares
    identical items without looking into them; an equal copy of a message counts as
    seen, and its fitted form is the same.)"""
    if len(conversation) >= len(seen) and seen == list(conversation[: len(seen)]):
        return len(seen)
    for index, (old, new) in enumerate(zip(seen, conversation, strict=False)):
        if old is not new:
            return index
    return min(len(seen), len(conversation))


def _tool_names(previous: Message) -> dict[str, str]:
    """Tool names by tool_use id in the message before a tool result: the conversation
    is valid, so a result answers a tool_use of the message just before it."""
    return {str(use.get("id")): str(use.get("name")) for use in tool_uses(previous)}


def _with_summary(message: Mapping[str, Any], summary: str) -> Message:
    content = message.get("content")
    blocks = (
        list(content)
        if isinstance(content, list)
        else [{"type": "text", "text": str(content or "")}]
    )
    return {**message, "content": [*blocks, {"type": "text", "text": summary}]}


def _lines(
    messages: Sequence[Message], sizes: Sequence[int], indices: Iterable[int] | None = None
) -> list[PartTokens]:
    """The manifest's lines for `messages` (those at `indices`, by default all)."""
    count = len(messages)
    return [
        _line(index, messages[index], sizes[index], _label(index, count))
        for index in (range(count) if indices is None else indices)
    ]


def _line(index: int, message: Message, tokens: int, label: PartLabel) -> PartTokens:
    """One manifest line, from the fitter's own counts (valid by construction)."""
    return PartTokens.model_construct(
        index=index, role=str(message.get("role")), tokens=tokens, label=label
    )


def _label(index: int, count: int) -> PartLabel:
    if index == 0:
        return "instructions"
    return "latest" if index >= count - 2 else "turn"
