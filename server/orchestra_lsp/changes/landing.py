"""The one landing path: accepted hunks onto the disk, and the name of what happened.

Every front end's decisions end here (ARCHITECTURE.md §landing). `land` rebases the
accepted part of a change onto what the file holds now, writes it atomically under a
per-file lock with a compare-and-swap on the content hash, reads the file back, and
names the outcome from what it read. `read_back` names the outcome of an edit an
editor applied itself, from the text it now holds. Both use the one vocabulary,
`Outcome`, that the journal, every front end and the README share.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from orchestra_lsp.changes.encoding import NotText, TextEncoding, decode_text
from orchestra_lsp.changes.files import (
    ChangedMeanwhile,
    content_hash,
    file_lock,
    fsync_directory,
    read_bytes,
    read_text_file,
    write_atomic,
)
from orchestra_lsp.changes.hunks import Hunk, apply_hunks, which_hunks_applied
from orchestra_lsp.changes.model import FileChange
from orchestra_lsp.changes.paths import PathOutsideWorkspace, confine
from orchestra_lsp.changes.rebase import Conflict, RebaseResult, rebase, translate

Outcome = Literal[
    "applied",
    "applied_in_editor",
    "partly_applied",
    "rejected",
    "conflict",
    "unchanged",
    "applied_outside_review",
    "pending",
]
"""What became of one file of a proposal (ARCHITECTURE.md §landing, README "Review"):

- `applied`: every accepted hunk is in the file on disk, read back after writing.
- `applied_in_editor`: every accepted hunk is in the editor's buffer, not saved yet.
- `partly_applied`: some accepted hunks are in the file or buffer, others are not.
- `rejected`: no hunk was accepted; nothing was written.
- `conflict`: accepted hunks could not land (the same lines changed meanwhile, the
  file vanished, is not text or cannot hold the new characters in its encoding, or
  lies outside the workspace); nothing was written.
- `unchanged`: the accepted change was already there; nothing needed writing.
- `applied_outside_review`: found on disk when an interrupted run was reviewed again.
- `pending`: accepted, deliberately not written (`orchestra run --yes` without `--apply`).
"""

LABELS: dict[Outcome, str] = {
    "applied": "applied",
    "applied_in_editor": "applied in the editor (unsaved)",
    "partly_applied": "partly applied",
    "rejected": "rejected",
    "conflict": "conflict",
    "unchanged": "unchanged",
    "applied_outside_review": "applied outside review",
    "pending": "pending (not written)",
}
"""How each outcome reads to a person."""

LANDED: frozenset[Outcome] = frozenset(
    {"applied", "applied_in_editor", "partly_applied", "unchanged", "applied_outside_review"}
)
"""Outcomes after which (some of) the change is in the file or buffer."""

ATTEMPTS = 5
"""Rebase-and-write rounds before giving up on a file someone keeps rewriting."""


class Landing(BaseModel):
    """The outcome for one file, with the hunk ids behind it."""

    model_config = ConfigDict(frozen=True)

    path: str
    outcome: Outcome
    accepted: list[str]
    """Hunk ids the person (or the policy) accepted."""
    landed: list[str]
    """Hunk ids found in the file or buffer afterwards, by reading it back."""
    detail: str = ""
    rebased: bool = False
    """The file had changed since the agent read it; the change was merged onto it."""
    conflicts: list[Conflict] = []


def land(root: Path, change: FileChange, accepted_ids: Collection[str]) -> Landing:
    """Write the accepted hunks of `change` to its file under `root`; never raises for
    a file's state (it names it). Blocking: call it from a thread in async code."""
    accepted = _ordered(change.hunks(), accepted_ids)
    try:
        relative = confine(root, change.path)
    except PathOutsideWorkspace as error:
        return _landing(change, "conflict", accepted, [], str(error))
    if not accepted:
        return _landing(change, "rejected", [], [], "no hunk accepted")
    target = (root / relative).resolve()  # through in-workspace symlinks, not over them
    with file_lock(root, relative):
        for _ in range(ATTEMPTS):
            try:
                result = _attempt(target, change, accepted)
            except ChangedMeanwhile:
                continue
            if isinstance(result, Landing):
                return result
            written, rebased = result
            break
        else:
            return _landing(
                change, "conflict", accepted, [], "the file kept changing while it was written"
            )
        now = _read(target, change.encoding)
    if now == written:  # read back exactly what was written: the accepted hunks, no more
        return Landing(
            path=change.path, outcome="applied", accepted=accepted, landed=accepted, rebased=rebased
        )
    landing = read_back(change, accepted, now, saved=True)  # rewritten since: say what is there
    return landing.model_copy(update={"rebased": rebased})


def read_back(
    change: FileChange, accepted: Sequence[str] | None, now: str | None, *, saved: bool
) -> Landing:
    """Name the outcome from the text the file (or an editor's buffer) holds now.

    `accepted` None: the person decided inside the editor (VS Code's Refactor Preview),
    so what was applied is what was accepted. `saved` False: `now` is an unsaved buffer.
    """
    hunks = change.hunks()
    landed = present_hunks(change, now)
    chosen = landed if accepted is None else _ordered(hunks, accepted)
    if not chosen:
        return _landing(change, "rejected", [], landed, "no hunk accepted")
    if all(h in landed for h in chosen):
        outcome: Outcome = "applied" if saved else "applied_in_editor"
        detail = "" if saved else "in the editor's buffer, not saved yet"
        return _landing(change, outcome, chosen, landed, detail)
    missing = [h for h in chosen if h not in landed]
    if any(h in landed for h in chosen):
        return _landing(
            change, "partly_applied", chosen, landed, f"not in the file: {', '.join(missing)}"
        )
    return _landing(change, "conflict", chosen, landed, "none of the accepted changes is there")


def present_hunks(change: FileChange, now: str | None) -> list[str]:
    """The ids of the change's hunks that `now` holds, in file order.

    Exact when `now` is the base with some hunks applied; otherwise (the person also
    edited the file) a hunk counts as present when merging it onto `now` changes nothing.
    """
    hunks = change.hunks()
    if change.base_text is None:  # a creation: one hunk, all of the text
        return ["h1"] if now is not None and now == change.proposed_text else []
    if change.proposed_text is None:  # a deletion
        return ["h1"] if now is None else []
    if now is None:
        return []
    try:
        found = which_hunks_applied(change.base_text, hunks, now)
    except ValueError:
        found = {h.id for h in hunks if _holds(change.base_text, hunks, h, now)}
    return [h.id for h in hunks if h.id in found]


def _holds(base: str, hunks: Sequence[Hunk], hunk: Hunk, now: str) -> bool:
    """Whether `now` (edited by others too) holds `hunk`: undoing it from the text with
    only it applied moves cleanly onto `now`, or merging it onto `now` changes nothing."""
    applied = apply_hunks(base, hunks, {hunk.id})
    undo = Hunk(
        id=hunk.id,
        base_start=hunk.base_start,
        base_end=hunk.base_start + len(hunk.new_lines),
        old_lines=hunk.new_lines,
        new_lines=hunk.old_lines,
    )
    if translate(applied, [undo], now) is not None:
        return True
    return rebase(base, applied, now).merged == now


def _attempt(
    target: Path, change: FileChange, accepted: list[str]
) -> Landing | tuple[str | None, bool]:
    """One round: the final Landing when nothing is to be written (or cannot be), else
    write and return (the text written, None for a deletion; whether it was rebased).
    Raises ChangedMeanwhile to retry."""
    try:
        raw = read_bytes(target)
        found = None if raw is None else decode_text(raw, change.encoding)
    except NotText as error:
        return _landing(change, "conflict", accepted, [], f"not a text file: {error}")
    except IsADirectoryError:
        return _landing(change, "conflict", accepted, [], "it is a folder now")
    current, encoding = found if found is not None else (None, change.encoding)
    expect = content_hash(raw)
    if change.proposed_text is None:  # delete
        if current is None:
            return _landing(change, "unchanged", accepted, ["h1"], "already deleted")
        if current != change.base_text:
            return _landing(change, "conflict", accepted, [], "the file changed since it was read")
        if content_hash(read_bytes(target)) != expect:
            raise ChangedMeanwhile(target.name)
        target.unlink()
        fsync_directory(target.parent)
        return None, False
    if change.base_text is None:  # create
        if current == change.proposed_text:
            return _landing(change, "unchanged", accepted, ["h1"], "already there")
        if current is not None:
            return _landing(change, "conflict", accepted, [], "the file was created meanwhile")
        if (refused := _unwritable(change, accepted, change.proposed_text, encoding)) is not None:
            return refused
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            blocker = next((p for p in target.parents if p.exists() and not p.is_dir()), None)
            where = f"{blocker.name} on its path" if blocker is not None else "a part of its path"
            return _landing(
                change,
                "conflict",
                accepted,
                [],
                f"cannot create it: {where} is a file, not a folder",
            )
        write_atomic(target, change.proposed_text, encoding, expect=expect)
        return change.proposed_text, False
    if current is None:
        return _landing(change, "conflict", accepted, [], "the file was deleted since it was read")
    hunks = [h for h in change.hunks() if h.id in accepted]
    desired = apply_hunks(change.base_text, change.hunks(), set(accepted))
    moved = None if current == change.base_text else translate(change.base_text, hunks, current)
    if moved is not None:  # hunk by hunk: edits on other (even adjacent) lines stay apart
        result = RebaseResult(merged=apply_hunks(current, moved, set(accepted)))
    else:
        result = rebase(change.base_text, desired, current)
    if result.merged is None:
        lines = ", ".join(f"{c.base_start + 1}–{c.base_end}" for c in result.conflicts)
        return Landing(
            path=change.path,
            outcome="conflict",
            accepted=accepted,
            landed=[],
            detail=f"the file changed since it was read and the changes overlap (lines {lines})",
            conflicts=result.conflicts,
        )
    if result.merged == current:  # merging the accepted hunks changes nothing
        return _landing(change, "unchanged", accepted, accepted, "already in the file")
    if (refused := _unwritable(change, accepted, result.merged, encoding)) is not None:
        return refused
    write_atomic(target, result.merged, encoding, expect=expect)
    return result.merged, current != change.base_text


def _unwritable(
    change: FileChange, accepted: list[str], text: str, encoding: TextEncoding
) -> Landing | None:
    """A conflict when `text` holds a character the file's encoding cannot store."""
    at = encoding.unencodable(text)
    if at is None:
        return None
    line = text.count("\n", 0, at) + 1
    return _landing(
        change,
        "conflict",
        accepted,
        [],
        f"line {line} holds {text[at]!r}, which {encoding.label} cannot store",
    )


def _read(path: Path, encoding: TextEncoding) -> str | None:
    try:
        found = read_text_file(path, encoding)
    except (NotText, IsADirectoryError):
        return None
    return None if found is None else found[0]


def _ordered(hunks: Sequence[Hunk], ids: Collection[str]) -> list[str]:
    return [h.id for h in hunks if h.id in ids]


def _landing(
    change: FileChange, outcome: Outcome, accepted: list[str], landed: list[str], detail: str
) -> Landing:
    return Landing(
        path=change.path, outcome=outcome, accepted=accepted, landed=landed, detail=detail
    )
