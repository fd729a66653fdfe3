"""Line hunks between a base text and a proposal, and applying a chosen subset.

A hunk is the unit a person accepts or rejects in review, so hunk ids must be stable
(same base and proposal, same ids) and the hunks must be independent: each one
replaces a base line range that no other hunk touches, with unchanged lines between
any two of them.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Collection, Iterator, Sequence
from difflib import SequenceMatcher

from pydantic import BaseModel, ConfigDict

from orchestra_lsp.changes.lines import split_lines


class Hunk(BaseModel):
    """One changed run of lines: base lines `[base_start, base_end)` become `new_lines`.

    Line numbers are 0-based. `base_start == base_end` is a pure insertion before
    base line `base_start` (or at the end of the file when it equals the line count).
    Lines keep their terminators so that joining them restores the exact text.
    """

    model_config = ConfigDict(frozen=True)

    id: str
    base_start: int
    base_end: int
    old_lines: list[str]
    new_lines: list[str]

    @property
    def new_text(self) -> str:
        """The replacement text, as an editor edit would carry it."""
        return "".join(self.new_lines)


def compute_hunks(base: str, proposed: str) -> list[Hunk]:
    """The hunks turning `base` into `proposed`, in file order, ids `h1`, `h2`, ….

    Lines that occur exactly once in both texts anchor the diff (as patience diff
    does); `SequenceMatcher` then only runs on the small gaps between anchors. This
    keeps a 10,000-line file with hundreds of changes well inside the review budget,
    where a single `SequenceMatcher` over the whole file would not be.
    """
    old = split_lines(base)
    new = split_lines(proposed)
    return [
        Hunk(
            id=f"h{n}",
            base_start=i1,
            base_end=i2,
            old_lines=old[i1:i2],
            new_lines=new[j1:j2],
        )
        for n, (i1, i2, j1, j2) in enumerate(_changed_regions(old, new), start=1)
    ]


def apply_hunks(base: str, hunks: Sequence[Hunk], accepted_ids: Collection[str]) -> str:
    """`base` with only the hunks whose id is in `accepted_ids` applied.

    Raises `ValueError` when a hunk does not fit `base` (its old lines differ, or
    hunks overlap): applying it anyway would corrupt the file.
    """
    lines = split_lines(base)
    out: list[str] = []
    cursor = 0
    for hunk in sorted(hunks, key=lambda h: (h.base_start, h.base_end)):
        if hunk.base_start < cursor or lines[hunk.base_start : hunk.base_end] != hunk.old_lines:
            raise ValueError(f"hunk {hunk.id} does not apply to this base text")
        out.extend(lines[cursor : hunk.base_start])
        out.extend(hunk.new_lines if hunk.id in accepted_ids else hunk.old_lines)
        cursor = hunk.base_end
    out.extend(lines[cursor:])
    return "".join(out)


def which_hunks_applied(base: str, hunks: Sequence[Hunk], result_text: str) -> set[str]:
    """The ids of the hunks that were applied to `base` to give `result_text`.

    An editor may apply any subset of the hunks offered to it; this reads back which.
    The result is split into the unchanged runs between hunks, each hunk's slot
    holding either its old or its new lines. When two choices give the same text
    the one applying the hunk wins. Raises `ValueError` when `result_text` is not
    `base` with some subset applied (for instance the person also typed into it).
    """
    ordered = sorted(hunks, key=lambda h: (h.base_start, h.base_end))
    lines = split_lines(base)
    result = split_lines(result_text)
    gaps = _unchanged_runs(lines, ordered)
    if result[: len(gaps[0])] != gaps[0]:
        raise ValueError("the text does not start like the base text")
    # frontier: result position after hunk i and the gap that follows it -> choices so far
    frontier: dict[int, frozenset[str]] = {len(gaps[0]): frozenset()}
    for hunk, gap in zip(ordered, gaps[1:], strict=True):
        reached: dict[int, frozenset[str]] = {}
        for pos, chosen in frontier.items():
            for applied, piece in ((True, hunk.new_lines), (False, hunk.old_lines)):
                end = pos + len(piece)
                if result[pos:end] != piece or result[end : end + len(gap)] != gap:
                    continue
                after = end + len(gap)
                if after not in reached:
                    reached[after] = (chosen | {hunk.id}) if applied else chosen
        if not reached:
            raise ValueError(f"the text around hunk {hunk.id} matches neither side")
        frontier = reached
    if len(result) not in frontier:
        raise ValueError("the text does not end like the base text")
    return set(frontier[len(result)])


def _unchanged_runs(lines: list[str], ordered: Sequence[Hunk]) -> list[list[str]]:
    """The base lines before, between and after the hunks (one more than hunks)."""
    runs: list[list[str]] = []
    cursor = 0
    for hunk in ordered:
        runs.append(lines[cursor : hunk.base_start])
        cursor = hunk.base_end
    runs.append(lines[cursor:])
    return runs


Region = tuple[int, int, int, int]
"""Old lines `[i1, i2)` replaced by new lines `[j1, j2)`."""


def _changed_regions(old: list[str], new: list[str]) -> Iterator[Region]:
    """The changed regions, in order, each separated from the next by equal lines.

    The common head and tail are set aside first: an agent's change usually touches a
    few places, and the anchors then only need finding in the span between them."""
    head = 0
    limit = min(len(old), len(new))
    while head < limit and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < limit - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    end_old, end_new = len(old) - tail, len(new) - tail
    i, j = head, head
    anchors = _unique_anchors(old, new, head, end_old, end_new)
    for anchor_i, anchor_j in [*anchors, (end_old, end_new)]:
        if anchor_i != i or anchor_j != j:  # most anchors follow the last: no gap
            yield from _gap_regions(old, new, (i, anchor_i, j, anchor_j))
        i, j = anchor_i + 1, anchor_j + 1


def _unique_anchors(
    old: list[str], new: list[str], start: int, end_old: int, end_new: int
) -> list[tuple[int, int]]:
    """Pairs of equal lines unique in both `old[start:end_old]` and `new[start:end_new]`,
    the longest run that keeps order (absolute indices)."""
    old_span, new_span = old[start:end_old], new[start:end_new]
    old_counts = Counter(old_span)
    new_counts = Counter(new_span)
    new_unique = {line: start + j for j, line in enumerate(new_span) if new_counts[line] == 1}
    pairs = [
        (start + i, new_unique[line])
        for i, line in enumerate(old_span)
        if line in new_unique and old_counts[line] == 1
    ]
    return _longest_increasing(pairs)


def _longest_increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest subsequence of `pairs` (sorted by first) increasing in second."""
    tails: list[int] = []  # tails[k] = smallest second of an increasing run of length k+1
    tail_index: list[int] = []
    previous: list[int] = []
    for n, (_, j) in enumerate(pairs):
        if not tails or j > tails[-1]:  # the usual case: lines keep their order
            previous.append(tail_index[-1] if tail_index else -1)
            tails.append(j)
            tail_index.append(n)
            continue
        k = bisect_left(tails, j)
        tails[k] = j
        tail_index[k] = n
        previous.append(tail_index[k - 1] if k else -1)
    chain: list[tuple[int, int]] = []
    n = tail_index[-1] if tail_index else -1
    while n >= 0:
        chain.append(pairs[n])
        n = previous[n]
    chain.reverse()
    return chain


def _gap_regions(old: list[str], new: list[str], gap: Region) -> Iterator[Region]:
    """The changed regions between two anchors, found by `SequenceMatcher`."""
    i1, i2, j1, j2 = gap
    while i1 < i2 and j1 < j2 and old[i1] == new[j1]:
        i1, j1 = i1 + 1, j1 + 1
    while i1 < i2 and j1 < j2 and old[i2 - 1] == new[j2 - 1]:
        i2, j2 = i2 - 1, j2 - 1
    if i1 == i2 and j1 == j2:
        return
    if i1 == i2 or j1 == j2 or (i2 - i1 == 1 and j2 - j1 == 1):  # nothing to match
        yield (i1, i2, j1, j2)
        return
    matcher = SequenceMatcher(None, old[i1:i2], new[j1:j2], autojunk=False)
    for tag, a1, a2, b1, b2 in matcher.get_opcodes():
        if tag != "equal":
            yield (i1 + a1, i1 + a2, j1 + b1, j1 + b2)


def hunk_diff(base: str, hunks: Sequence[Hunk], hunk_id: str, context: int = 3) -> str:
    """One hunk as `git add -p` shows it: its `@@ -a,b +c,d @@` line (1-based starts,
    counts written as unified diffs write them), up to `context` unchanged base lines
    on each side (never into a neighbouring hunk), then its `-` and `+` lines; a last
    line without a terminator is followed by `\\ No newline at end of file`.

    Raises KeyError when no hunk has `hunk_id`."""
    ordered = sorted(hunks, key=lambda h: h.base_start)
    index = next((i for i, h in enumerate(ordered) if h.id == hunk_id), None)
    if index is None:
        raise KeyError(hunk_id)
    hunk, old = ordered[index], split_lines(base)
    low = ordered[index - 1].base_end if index > 0 else 0
    high = ordered[index + 1].base_start if index + 1 < len(ordered) else len(old)
    before = old[max(low, hunk.base_start - context) : hunk.base_start]
    after = old[hunk.base_end : min(high, hunk.base_end + context)]
    old_start = hunk.base_start - len(before)
    new_start = old_start + sum(len(h.new_lines) - len(h.old_lines) for h in ordered[:index])
    old_range = _unified_range(old_start, len(before) + len(hunk.old_lines) + len(after))
    new_range = _unified_range(new_start, len(before) + len(hunk.new_lines) + len(after))
    body = [
        *(f" {line}" for line in before),
        *(f"-{line}" for line in hunk.old_lines),
        *(f"+{line}" for line in hunk.new_lines),
        *(f" {line}" for line in after),
    ]
    return f"@@ -{old_range} +{new_range} @@\n" + "".join(
        line if line.endswith(("\n", "\r")) else f"{line}\n\\ No newline at end of file\n"
        for line in body
    )


def _unified_range(start: int, count: int) -> str:
    """`start` (0-based) and `count` as a unified diff's range: `5` for one line, `5,3`,
    and for no lines the line before (`4,0`), as GNU diff and git write them."""
    if count == 1:
        return str(start + 1)
    return f"{start if count == 0 else start + 1},{count}"
