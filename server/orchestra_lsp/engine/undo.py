"""Undo a run: its landed hunks reversed onto the files' current text, from the journal.

At landing time the engine keeps each landed file change beside the run's events
(`files/landed-NNNN.json`, a :class:`LandedChange`). An undo plan reverses, newest
first, the hunks each record says landed, moving every reversed hunk onto what the
file holds now with the landing layer's `translate`: a hunk some later edit touched
is a conflict and is left out of the proposal, so nothing is ever overwritten. The
plan's changeset is then reviewed and landed like any other proposal.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from orchestra_lsp.changes import (
    Changeset,
    FileChange,
    Hunk,
    NotText,
    Outcome,
    apply_hunks,
    compute_hunks,
    present_hunks,
    read_text_file,
    translate,
)
from orchestra_lsp.engine.git_state import GitState, git_state
from orchestra_lsp.journal import RunNotFoundError, RunSummary, list_runs, load_run
from orchestra_lsp.journal.models import RUNS_FOLDER
from orchestra_lsp.redaction import REDACTED

UNDOABLE: frozenset[Outcome] = frozenset({"applied", "partly_applied", "applied_outside_review"})
"""Outcomes whose landed hunks are on disk (an unsaved buffer, `applied_in_editor`, is
the editor's own undo's business; `unchanged` landed nothing)."""

LANDED_PREFIX = "landed-"
NOT_UNDONE = "not undone: "
"""How the notice of what an undo left out begins (the journal and `undone_runs` read it)."""
SECRET = (
    "held a secret, which the journal does not keep (it is redacted there); take it back by hand"
)
"""Why a hunk whose old text the journal holds redacted is left out: writing the
redaction marker back would lose the secret."""


class LandedChange(BaseModel):
    """What one `proposal_decided` event landed, with the texts needed to take it back."""

    model_config = ConfigDict(frozen=True)

    step_id: str
    outcome: Outcome
    landed: list[str]
    """Hunk ids of `change` that are in the file."""
    change: FileChange


class UndoIssue(BaseModel):
    """A file (or some of its hunks) the undo cannot take back, and why."""

    model_config = ConfigDict(frozen=True)

    path: str
    detail: str


class UndoPlan(BaseModel):
    """The undo proposal of run `run_id`: `changeset` (base: the files now) to review,
    and `issues`, what is left out of it (conflicts, missing journal text)."""

    run_id: str
    step: str | None = None
    file: str | None = None
    changeset: Changeset
    issues: list[UndoIssue] = []
    git: GitState | None = None
    """What git holds for the files since the run landed; None outside a git work tree."""


class UndoError(LookupError):
    """No such run, or nothing of it matches the step or file asked for."""


class UndoPending(UndoError):
    """An earlier undo of the run still waits for review and takes back some of the same
    files: a second one would be a second proposal of the same change."""


def undo_arguments(plan: UndoPlan) -> dict[str, str]:
    """The undo run's journaled arguments: `undoes` names the run it takes back (what
    `orchestra runs` reads), `step` and `file` what part of it."""
    arguments = {"undoes": plan.run_id}
    if plan.step is not None:
        arguments["step"] = plan.step
    if plan.file is not None:
        arguments["file"] = plan.file
    return arguments


class Undone(BaseModel):
    """How far a later undo run (`by`) took back a run: `whole` when everything it
    landed came back, else `part` says what was left (`step S`, `file F`, `some hunks
    left`)."""

    model_config = ConfigDict(frozen=True)

    by: str
    whole: bool
    part: list[str] = []

    def label(self) -> str:
        """`whole by RUN` or `in part (file a.py, some hunks left) by RUN`."""
        word = "whole" if self.whole else f"in part ({', '.join(self.part)})"
        return f"{word} by {self.by}"


def undone_runs(root: Path, summaries: list[RunSummary]) -> dict[str, Undone]:
    """For each run of `summaries` that an undo run among them took back, how far: a run
    is undone `whole` when its undos together took back what each of its steps landed in
    each file, leaving nothing out (one file, then the other, is whole too); otherwise
    the newest undo says what part. An undo that landed nothing does not count. Reads
    the journals of undo runs and of the runs they undo only."""
    newest: dict[str, Undone] = {}
    takes: dict[str, list[tuple[dict[str, Any], set[str]]]] = {}
    # Oldest first, so the newest undo's word wins (ids of one second do not sort by time).
    for s in sorted(summaries, key=lambda s: s.started_at):
        target = s.arguments.get("undoes")
        if not isinstance(target, str) or s.state != "finished":
            continue
        try:
            events = load_run(root, s.run_id).events
        except RunNotFoundError:
            continue
        decided = [e for e in events if e.get("type") == "proposal_decided"]
        if not any(e.get("landed") for e in decided):
            continue
        left = {
            str(e.get("message", ""))[len(NOT_UNDONE) :].split(": ", 1)[0]
            for e in events
            if e.get("type") == "notice" and str(e.get("message", "")).startswith(NOT_UNDONE)
        } | {
            str(e.get("path"))
            for e in decided
            if e.get("rejected") or e.get("outcome") != "applied"
        }
        part = [f"{k} {s.arguments[k]}" for k in ("step", "file") if k in s.arguments]
        if left:
            part.append("some hunks left")
        newest[target] = Undone(by=s.run_id, whole=not part, part=part)
        takes.setdefault(target, []).append((s.arguments, left))
    for target, verdict in newest.items():
        if not verdict.whole and _all_taken_back(root, target, takes[target]):
            newest[target] = Undone(by=verdict.by, whole=True)
    return newest


def _all_taken_back(root: Path, run_id: str, takes: list[tuple[dict[str, Any], set[str]]]) -> bool:
    """Whether undos (their arguments and the paths each left, oldest first) together
    cover every (step, file) run `run_id` landed."""
    try:
        events = load_run(root, run_id).events
    except RunNotFoundError:
        return False
    landed = {
        (str(e.get("step_id")), str(e.get("path")))
        for e in events
        if e.get("type") == "proposal_decided" and e.get("outcome") in UNDOABLE and e.get("landed")
    }
    covered: set[tuple[str, str]] = set()
    for arguments, left in takes:
        scope = {
            (step, path)
            for step, path in landed
            if arguments.get("step") in (None, step) and arguments.get("file") in (None, path)
        }
        covered = (covered - {p for p in scope if p[1] in left}) | {
            p for p in scope if p[1] not in left
        }
    return bool(landed) and landed <= covered


def undo_outlook(root: Path, run_id: str) -> list[str]:
    """What an undo of `run_id` would meet now, for people (the run page shows it):
    what it would take back, what it would leave out and why, and git's state since.
    Empty when the run landed nothing to undo."""
    try:
        plan = plan_undo(root, run_id)
    except UndoPending as pending:
        return [str(pending)]
    except UndoError:
        return []
    files = sorted(plan.changeset.files)
    lines = [f"would take back: {', '.join(files)}" if files else "nothing left to take back"]
    lines.extend(f"{NOT_UNDONE}{issue.path}: {issue.detail}" for issue in plan.issues)
    if plan.git is not None:
        lines.extend(plan.git.lines())
    return lines


def landed_record_name(index: int) -> str:
    """The journal file name (under `files/`) of a run's `index`-th landed change."""
    return f"{LANDED_PREFIX}{index:04d}.json"


def plan_undo(
    root: Path,
    run_id: str,
    *,
    step: str | None = None,
    file: str | None = None,
    buffers: Mapping[str, tuple[str, int]] | None = None,
) -> UndoPlan:
    """Build the undo proposal of `run_id` (optionally of one step or one file) from the
    journal and the files as they are now: an editor's open buffer (`buffers`:
    workspace-relative path -> (text, version)) wins over the disk, as it does for any
    proposal. Raises `UndoError` when the run is unknown or landed nothing that matches."""
    try:
        record = load_run(root, run_id)
    except LookupError as error:
        raise UndoError(str(error)) from None
    if record.summary.state == "running":  # it may land more, or over what is taken back
        raise UndoError(f"run {run_id} is still running: undo it once it has ended")
    decided = [
        e
        for e in record.events
        if e.get("type") == "proposal_decided"
        and e.get("outcome") in UNDOABLE
        and (step is None or e.get("step_id") == step)
        and (file is None or e.get("path") == file)
    ]
    records = [r for r in _landed_records(root, run_id) if _matches(r, step, file)]
    what = " ".join(
        filter(None, [f"run {run_id}", step and f"step {step}", file and f"file {file}"])
    )
    if not decided and not records:
        raise UndoError(f"{what} landed no change to undo")
    plan = UndoPlan(run_id=run_id, step=step, file=file, changeset=Changeset())
    kept = {r.change.path for r in records}
    for event in decided:
        path = str(event.get("path"))
        if path not in kept:
            kept.add(path)
            outside = event.get("outcome") == "applied_outside_review" and event.get("detail")
            plan.issues.append(
                UndoIssue(
                    path=path,
                    detail=f"{outside}; take it back by hand (git may hold the earlier text)"
                    if outside
                    else "the journal of this run does not hold the landed text (it was "
                    "recorded before Orchestra kept it); take it back by hand",
                )
            )
    by_path: dict[str, list[LandedChange]] = {}
    for landed in records:
        by_path.setdefault(landed.change.path, []).append(landed)
    for path in sorted(by_path):
        _reverse_file(root, path, by_path[path], plan, (buffers or {}).get(path))
    waiting = pending_undo(root, run_id, plan.changeset.files)
    if waiting is not None:
        raise UndoPending(
            f"{what} already has an undo waiting for review: run {waiting} (review it, "
            f"e.g. `orchestra review {waiting}`, or reject it there, before undoing again)"
        )
    landed_at = [_when(e.get("ts")) for e in decided]
    since = min((t for t in landed_at if t is not None), default=record.summary.started_at)
    # What the undo would leave: git's uncommitted state that is the run's own change
    # (taking it back leaves the file as committed) is no surprise to warn about.
    after = {path: change.proposed_text for path, change in plan.changeset.files.items()}
    plan.git = git_state(root, sorted(kept), since, undone=after)
    return plan


def pending_undo(root: Path, run_id: str, paths: Collection[str]) -> str | None:
    """The newest undo run of `run_id` whose proposal still waits for review (stopped,
    interrupted, or at its review now) and takes back one of `paths`; None if none."""
    for summary in list_runs(root):  # newest first
        if summary.arguments.get("undoes") != run_id or not summary.pending_proposal:
            continue
        try:
            changeset = load_run(root, summary.run_id).changeset or {}
        except RunNotFoundError:
            continue
        if set(changeset.get("files", {})) & set(paths):
            return summary.run_id
    return None


def landed_by(
    root: Path, change: FileChange, hunks: Collection[str], *, besides: Collection[str]
) -> str | None:
    """The newest run (other than those of `besides`) whose landing left `change.path`
    holding every hunk of `hunks` (ids of `change`), for people (`RUN`, or `RUN (the
    review of ORIGIN)`): who put them there, when a
    proposal's review finds them on disk already. None when no run's journal says so
    (the file was edited by hand, or by a run that did not keep its landed text)."""
    for summary in list_runs(root):  # newest first
        if summary.run_id in besides:
            continue
        reviewed = summary.arguments.get("run")  # a review of another run's proposal
        who = f"{summary.run_id} (the review of {reviewed})" if reviewed else summary.run_id
        for landed in reversed(_landed_records(root, summary.run_id)):
            if landed.change.path != change.path:
                continue
            theirs = landed.change
            if theirs.base_text is not None and theirs.proposed_text is not None:
                left: str | None = apply_hunks(theirs.base_text, theirs.hunks(), set(landed.landed))
            else:  # a creation or a deletion is one hunk: all of it landed
                left = theirs.proposed_text
            if set(hunks) <= set(present_hunks(change, left)):
                return who
    return None


def _when(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _reverse_file(
    root: Path,
    path: str,
    records: list[LandedChange],
    plan: UndoPlan,
    buffer: tuple[str, int] | None,
) -> None:
    encoding = records[-1].change.encoding
    if buffer is not None:  # what the person sees in the editor, saved or not
        now: str | None = buffer[0]
    else:
        try:
            found = read_text_file(root / path, encoding)
        except (NotText, IsADirectoryError) as error:
            plan.issues.append(UndoIssue(path=path, detail=f"not a text file now: {error}"))
            return
        now, encoding = found if found is not None else (None, encoding)
    text = now
    for landed in reversed(records):  # newest first: each undo meets the text it left
        text = _reverse(landed, text, plan)
    if text != now:
        plan.changeset.files[path] = FileChange(
            path=path, base_text=now, proposed_text=text, encoding=encoding
        )


def _reverse(landed: LandedChange, now: str | None, plan: UndoPlan) -> str | None:
    """`now` with `landed` taken back as far as it cleanly can be; what cannot is an issue."""
    change = landed.change
    path = change.path
    if change.base_text is None:  # the run created the file: offer to delete it
        if now is None:
            return None
        if now != change.proposed_text:
            edited = "conflict: the file was edited after the run created it"
            plan.issues.append(UndoIssue(path=path, detail=edited))
            return now
        return None
    if change.proposed_text is None:  # the run deleted the file: offer to restore it
        if now is not None:
            if now != change.base_text:
                plan.issues.append(
                    UndoIssue(path=path, detail="conflict: a file was created there since")
                )
            return now
        if REDACTED in change.base_text:
            plan.issues.append(UndoIssue(path=path, detail=SECRET))
            return None
        return change.base_text
    if now is None:
        plan.issues.append(UndoIssue(path=path, detail="conflict: the file was deleted since"))
        return None
    after = apply_hunks(change.base_text, change.hunks(), set(landed.landed))
    before = apply_hunks(change.base_text, change.hunks(), set())
    reversed_hunks = compute_hunks(after, before)
    moved: list[Hunk] = []
    shift = 0  # where each reversed hunk's result starts in `before`
    for hunk in reversed_hunks:
        placed = translate(after, [hunk], now)
        done = _taken_back(hunk, hunk.base_start + shift, before, now)
        shift += len(hunk.new_lines) - len(hunk.old_lines)
        if any(REDACTED in line for line in hunk.new_lines):
            plan.issues.append(UndoIssue(path=path, detail=f"line {hunk.base_start + 1} {SECRET}"))
        elif placed is None and done:
            continue  # an earlier undo (or the person) already took this hunk back
        elif placed is None:
            lines = f"{hunk.base_start + 1}–{max(hunk.base_end, hunk.base_start + 1)}"
            plan.issues.append(
                UndoIssue(
                    path=path,
                    detail=f"conflict: lines {lines} as the run left them were edited since; "
                    "left as they are",
                )
            )
        else:
            moved.extend(placed)
    if not moved:
        return now
    try:
        return apply_hunks(now, moved, {h.id for h in moved})
    except ValueError:  # two reversed hunks moved onto overlapping lines
        plan.issues.append(
            UndoIssue(path=path, detail="conflict: later edits overlap the run's changes")
        )
        return now


def _taken_back(hunk: Hunk, start: int, before: str, now: str) -> bool:
    """`now` holds, where `hunk` would put it, what `hunk` restores (`before`'s lines
    from `start`), untouched by other edits: the hunk was taken back already."""
    forward = Hunk(
        id=hunk.id,
        base_start=start,
        base_end=start + len(hunk.new_lines),
        old_lines=hunk.new_lines,
        new_lines=hunk.old_lines,
    )
    return translate(before, [forward], now) is not None


def _landed_records(root: Path, run_id: str) -> list[LandedChange]:
    folder = root / RUNS_FOLDER / run_id / "files"
    records: list[LandedChange] = []
    for path in sorted(folder.glob(f"{LANDED_PREFIX}*.json")):
        try:
            records.append(LandedChange.model_validate_json(path.read_bytes()))
        except (OSError, ValidationError, json.JSONDecodeError):
            continue  # the event's issue ("does not hold the landed text") says so
    return records


def _matches(record: LandedChange, step: str | None, file: str | None) -> bool:
    return (step is None or record.step_id == step) and (file is None or record.change.path == file)
