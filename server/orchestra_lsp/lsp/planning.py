"""Deciding what to send an editor for one file.

The agent's hunks are relative to the text it read. The editor may hold something
else by now (the person kept typing): hunks that do not touch the person's edits are
moved onto the current text, keeping their ids so each can still be accepted alone;
when they cannot be moved but a three-way merge is clean, the whole rebased change
goes as one unit; a real conflict is reported and nothing is sent for that file.
What the editor then holds is read back and named by the engine (`changes.landing`).
"""

from __future__ import annotations

from collections.abc import Collection

from orchestra_lsp.changes import FileChange, Hunk, compute_hunks, rebase, translate
from orchestra_lsp.engine.frontend import EditorState, FileDecision
from orchestra_lsp.lsp.edits import FilePlan


def plan_file(
    change: FileChange,
    uri: str,
    current: str | None,
    version: int | None,
    accepted: Collection[str] | None = None,
) -> FilePlan | FileDecision:
    """What to send so that the editor shows `change` (only `accepted` hunks, if given)
    on top of `current`; or, when nothing is to be sent, the decision to report."""
    hunks = [h for h in change.hunks() if accepted is None or h.id in accepted]
    if not hunks:
        return FileDecision(path=change.path, accepted=[])
    if change.base_text is None:
        if current is not None:
            return _refused(change, "the file was created meanwhile")
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
        return _refused(change, "the file was deleted since it was read")
    if change.proposed_text is None:
        if current != change.base_text:
            return _refused(change, "the file changed since it was read")
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


def _coarse_rebase(
    change: FileChange, uri: str, hunks: list[Hunk], current: str, version: int | None
) -> FilePlan | FileDecision:
    from orchestra_lsp.changes import apply_hunks

    assert change.base_text is not None
    wanted = apply_hunks(change.base_text, change.hunks(), {h.id for h in hunks})
    result = rebase(change.base_text, wanted, current)
    if result.merged is None:
        lines = ", ".join(f"{c.base_start + 1}-{c.base_end}" for c in result.conflicts)
        return _refused(change, f"you changed the same lines as the agent (lines {lines})")
    rebased = compute_hunks(current, result.merged)
    if not rebased:  # already in the buffer: read back as it is
        return FileDecision(
            path=change.path,
            accepted=[h.id for h in hunks],
            editor=EditorState(text=current, saved=version is None),
        )
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


def _refused(change: FileChange, reason: str) -> FileDecision:
    return FileDecision(path=change.path, accepted=[], refused=reason)
