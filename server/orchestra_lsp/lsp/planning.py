"""Deciding what to send for one file, and reading back what the editor did with it.

The agent's hunks are relative to the text it read. The editor may hold something
else by now (the person kept typing): hunks that do not touch the person's edits are
moved onto the current text, keeping their ids so each can still be accepted alone;
when they cannot be moved but a three-way merge is clean, the whole rebased change
goes as one unit; a real conflict is reported and nothing is sent for that file.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from orchestra_lsp.changes import FileChange, Hunk, compute_hunks, rebase, which_hunks_applied
from orchestra_lsp.changes.lines import split_lines
from orchestra_lsp.engine.frontend import FileDecision
from orchestra_lsp.lsp.edits import FilePlan


def plan_file(
    change: FileChange,
    uri: str,
    current: str | None,
    version: int | None,
    accepted: Collection[str] | None = None,
) -> FilePlan | FileDecision:
    """What to send so that the editor shows `change` (only `accepted` hunks, if given)
    on top of `current`; or, when that cannot be done safely, the decision saying why."""
    hunks = [h for h in change.hunks() if accepted is None or h.id in accepted]
    if not hunks:
        return _decision(change, [], "rejected", "no hunk accepted")
    if change.base_text is None:
        if current is not None:
            return _decision(change, [], "conflict", "the file was created meanwhile")
        return FilePlan(
            change.path,
            uri,
            "create",
            "",
            hunks,
            None,
            proposed=change.proposed_text,
            original_ids={"h1": ["h1"]},
        )
    if current is None:
        return _decision(change, [], "conflict", "the file was deleted since it was read")
    if change.proposed_text is None:
        if current != change.base_text:
            return _decision(change, [], "conflict", "the file changed since it was read")
        return FilePlan(
            change.path, uri, "delete", current, hunks, version, original_ids={"h1": ["h1"]}
        )
    identity = {h.id: [h.id] for h in hunks}
    if current == change.base_text:
        return FilePlan(change.path, uri, "modify", current, hunks, version, original_ids=identity)
    moved = translate(change.base_text, hunks, current)
    if moved is not None:
        return FilePlan(change.path, uri, "modify", current, moved, version, original_ids=identity)
    return _coarse_rebase(change, uri, hunks, current, version)


def read_back(plan: FilePlan, now: str | None) -> FileDecision:
    """Which of the plan's hunks the editor applied, as the agent's hunk ids."""
    if plan.kind == "create":
        applied = ["h1"] if now is not None and now == plan.proposed else []
        return _outcome(plan, applied)
    if plan.kind == "delete":
        return _outcome(plan, ["h1"] if now is None else [])
    if now is None:
        return FileDecision(
            path=plan.path, accepted=[], outcome="conflict", detail="the file disappeared"
        )
    try:
        applied_ids = which_hunks_applied(plan.base, plan.hunks, now)
    except ValueError as error:
        return FileDecision(
            path=plan.path,
            accepted=[],
            outcome="conflict",
            detail=f"cannot tell which changes were applied: {error}",
        )
    if plan.all_or_nothing and applied_ids and len(applied_ids) != len(plan.hunks):
        return FileDecision(
            path=plan.path,
            accepted=[],
            outcome="conflict",
            detail="only part of a rebased change was applied",
        )
    accepted = sorted(
        {o for h in plan.hunks if h.id in applied_ids for o in plan.original_ids[h.id]},
        key=_hunk_order,
    )
    return _outcome(plan, accepted)


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


def _coarse_rebase(
    change: FileChange, uri: str, hunks: list[Hunk], current: str, version: int | None
) -> FilePlan | FileDecision:
    from orchestra_lsp.changes import apply_hunks

    assert change.base_text is not None
    wanted = apply_hunks(change.base_text, change.hunks(), {h.id for h in hunks})
    result = rebase(change.base_text, wanted, current)
    if result.merged is None:
        lines = ", ".join(f"{c.base_start + 1}-{c.base_end}" for c in result.conflicts)
        return _decision(
            change, [], "conflict", f"you changed the same lines as the agent (lines {lines})"
        )
    rebased = compute_hunks(current, result.merged)
    if not rebased:
        return _decision(change, [h.id for h in hunks], "applied", "already in the file")
    ids = [h.id for h in hunks]
    return FilePlan(
        change.path,
        uri,
        "modify",
        current,
        rebased,
        version,
        original_ids={h.id: ids for h in rebased},
        all_or_nothing=True,
    )


def _outcome(plan: FilePlan, accepted: list[str]) -> FileDecision:
    return FileDecision(
        path=plan.path, accepted=accepted, outcome="applied" if accepted else "rejected"
    )


def _decision(change: FileChange, accepted: list[str], outcome: str, detail: str) -> FileDecision:
    return FileDecision.model_validate(
        {"path": change.path, "accepted": accepted, "outcome": outcome, "detail": detail}
    )


def _hunk_order(hunk_id: str) -> tuple[int, str]:
    digits = hunk_id.lstrip("h")
    return (int(digits), hunk_id) if digits.isdigit() else (0, hunk_id)
