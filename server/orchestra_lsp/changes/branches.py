"""Joining the changesets of branches that ran at the same time (`parallel`, `for_each`).

Each branch starts from a copy of the changeset as it was when the branches forked,
and proposes edits on its own. At the join every branch's edits go into the one
changeset, in branch order: a file only one branch touched is taken as it is; a file
two branches touched is merged three ways (merge3, from the text at the fork). Lines
both changed differently are never merged silently: the proposal holds both versions
between conflict markers, and the conflict is returned so the run says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from merge3 import Merge3

from orchestra_lsp.changes.lines import split_lines
from orchestra_lsp.changes.model import Changeset, FileChange


@dataclass(frozen=True)
class BranchConflict:
    """Branches `first` and `second` changed the same lines of `path` differently."""

    path: str
    first: str
    second: str

    def describe(self) -> str:
        return (
            f"{self.first} and {self.second} changed the same lines of {self.path}; the "
            "proposal holds both versions between conflict markers"
        )


def join_branches(
    target: Changeset,
    fork: Mapping[str, FileChange],
    branches: Sequence[tuple[str, Changeset]],
) -> list[BranchConflict]:
    """Bring each `(label, changeset)` of `branches` into `target`, whose files were
    `fork` when the branches started. Returns the conflicts (their files carry markers)."""
    owners: dict[str, str] = {}
    conflicts: list[BranchConflict] = []
    for label, changeset in branches:
        for path, change in changeset.files.items():
            before = fork.get(path)
            started = before.proposed_text if before is not None else change.base_text
            if change.proposed_text == started:
                if path not in target.files and before is None:
                    target.files[path] = change  # read only: its base is still worth keeping
                continue
            current = target.files.get(path)
            now = current.proposed_text if current is not None else started
            if current is None or now == started:
                target.files[path] = (
                    change
                    if current is None
                    else current.model_copy(update={"proposed_text": change.proposed_text})
                )
                owners[path] = label
                continue
            if now == change.proposed_text:
                continue
            merged, clean = _merge(started, now, change.proposed_text, owners.get(path, "?"), label)
            target.files[path] = current.model_copy(update={"proposed_text": merged})
            if not clean:
                conflicts.append(BranchConflict(path, owners.get(path, "?"), label))
            owners[path] = label
    return conflicts


def _merge(
    base: str | None, ours: str | None, theirs: str | None, ours_label: str, theirs_label: str
) -> tuple[str, bool]:
    """(merged text, clean?); a deletion merges as an empty file."""
    merge = Merge3(split_lines(base or ""), split_lines(ours or ""), split_lines(theirs or ""))
    clean = all(region[0] != "conflict" for region in merge.merge_regions())
    text = "".join(
        merge.merge_lines(
            name_a=ours_label,
            name_b=theirs_label,
            start_marker="<<<<<<<",
            mid_marker="=======",
            end_marker=">>>>>>>",
        )
    )
    return text, clean
