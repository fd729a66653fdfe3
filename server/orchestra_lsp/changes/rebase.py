"""Three-way merge of a proposal onto a file that changed since the agent read it.

The person may keep typing while an agent works. Their text wins wherever the agent
did not touch it; where both changed the same lines differently the result is a
conflict and no merged text at all, so nothing can be silently overwritten.
"""

from __future__ import annotations

from collections.abc import Sequence

from merge3 import Merge3
from pydantic import BaseModel, ConfigDict

from orchestra_lsp.changes.hunks import Hunk, compute_hunks
from orchestra_lsp.changes.lines import split_lines


class Conflict(BaseModel):
    """Base lines `[base_start, base_end)` were changed differently on both sides."""

    model_config = ConfigDict(frozen=True)

    base_start: int
    base_end: int
    base_lines: list[str]
    proposed_lines: list[str]
    current_lines: list[str]


class RebaseResult(BaseModel):
    """Either `merged` text (clean) or the `conflicts`, never both."""

    model_config = ConfigDict(frozen=True)

    merged: str | None
    conflicts: list[Conflict] = []

    @property
    def clean(self) -> bool:
        """True when the proposal merged without conflict."""
        return self.merged is not None


def rebase(base: str, proposed: str, current: str) -> RebaseResult:
    """Merge the agent's change (`base` -> `proposed`) into `current`."""
    if current == base or proposed == current:
        return RebaseResult(merged=proposed)
    if proposed == base:
        return RebaseResult(merged=current)
    base_lines = split_lines(base)
    proposed_lines = split_lines(proposed)
    current_lines = split_lines(current)
    merge = Merge3(base_lines, proposed_lines, current_lines)
    merged: list[str] = []
    conflicts: list[Conflict] = []
    for region in merge.merge_regions():
        if len(region) == 7:
            _, z1, z2, a1, a2, b1, b2 = region
            conflicts.append(
                Conflict(
                    base_start=z1,
                    base_end=z2,
                    base_lines=base_lines[z1:z2],
                    proposed_lines=proposed_lines[a1:a2],
                    current_lines=current_lines[b1:b2],
                )
            )
            continue
        kind, start, end = region
        source = {"unchanged": base_lines, "b": current_lines}.get(kind, proposed_lines)
        merged.extend(source[start:end])
    if conflicts:
        return RebaseResult(merged=None, conflicts=conflicts)
    return RebaseResult(merged="".join(merged))


def translate(base: str, hunks: Sequence[Hunk], current: str) -> list[Hunk] | None:
    """The hunks moved onto `current`, or None when an edit of the person's touches one."""
    theirs = compute_hunks(base, current)
    current_lines = split_lines(current)
    moved: list[Hunk] = []
    for hunk in hunks:
        shift = 0
        for edit in theirs:
            if _before(edit, hunk):
                shift += len(edit.new_lines) - len(edit.old_lines)
            elif not _before(hunk, edit):
                return None
        start, end = hunk.base_start + shift, hunk.base_end + shift
        if current_lines[start:end] != hunk.old_lines:
            return None
        moved.append(hunk.model_copy(update={"base_start": start, "base_end": end}))
    return moved


def _before(first: Hunk, second: Hunk) -> bool:
    """`first` ends before `second` starts, unambiguously (an insertion at the very
    line where another change starts could go on either side of it)."""
    if first.base_end < second.base_start:
        return True
    return (
        first.base_end == second.base_start
        and first.base_start < first.base_end
        and second.base_start < second.base_end
    )
