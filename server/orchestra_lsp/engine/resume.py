"""Resuming a run (`orchestra resume RUN [--from STEP]`): what the old journal says.

A failed, stopped or interrupted run is continued by a NEW run of the same command and
arguments whose first top-level steps are *reused*: their outputs (text, and the
structured `data`) come from the old run's `step_finished` events instead of the model.
By default it goes on from the first top-level step that did not complete; `--from
STEP` starts again at STEP (every step before it must have completed). Without
`--from`, the proposal the old run left pending is carried into the new run (and
settled in the old one), so it is reviewed there rather than proposed again.

A top-level step completed when its own `step_finished` is in the journal (a step
with an approve gate: and the gate's last decision was `approve`; a step whose output
waits at its approve gate is where the new run starts, at that gate, with that output).
Inside the group where the new run starts (the first top-level group that did not
complete, or the one `--from` names a step of), steps are reused one by one, by where
they ran (`build#2/implement`, `qa[1]/check`, `both/unit`): the new run replays the
group, and each step the old journal finished is taken from it instead of the model,
so a loop comes back to the round it stopped in and a `for_each` re-runs only the items
that did not finish. `--from` names a step inside a group by its path of ids
(`build/review`: its first round or item; `build#2/review`: round 2; `qa[1]/check`: item
1 only, the other items reused; `both/lint`: that branch only).
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, Field

from orchestra_lsp.engine.request import RunRequestError
from orchestra_lsp.journal import RunRecord
from orchestra_lsp.workspace import Command, Step
from orchestra_lsp.workspace.flow_checks import step_paths

#: Run states a resume continues; a finished run only with --from.
RESUMABLE = ("failed", "cancelled", "interrupted")


class ReusedStep(BaseModel):
    """A step's outputs taken from an earlier run's journal."""

    output: str
    data: Any = None
    run_id: str
    """The run whose journal gave them."""
    at_gate: bool = False
    """The step's approve gate was not passed (stopped there, or never decided): the
    new run opens the gate again on this output instead of asking the model again."""


class ResumePlan(BaseModel):
    origin: str
    command: str
    arguments: dict[str, str]
    reused: dict[str, ReusedStep]
    """Top-level step id -> its outputs, for the steps the new run does not redo."""
    start: str | None
    """The first step the new run runs (None: every step is reused)."""
    carry_changeset: dict[str, Any] | None = None
    """The old run's pending proposal, when it goes along."""
    inner: dict[str, ReusedStep] = Field(default_factory=dict)
    """Steps inside the group where the new run starts, by where they ran
    (`build#2/implement`): taken from the journal as the group is replayed."""


def completed_steps(record: RunRecord) -> dict[str, ReusedStep]:
    """Top-level steps of the run with their last outputs, in journal order; a step
    whose approve gate did not pass is marked `at_gate`."""
    done: dict[str, ReusedStep] = {}
    for event in record.events:
        kind = event.get("type")
        step = event.get("step_id")
        if not isinstance(step, str) or "/" in step or event.get("parent_step"):
            continue
        if kind == "step_finished":
            done[step] = ReusedStep(
                output=str(event.get("output", "")),
                data=event.get("data"),
                run_id=record.summary.run_id,
            )
        elif kind == "gate_opened" and event.get("gate") == "approve" and step in done:
            done[step].at_gate = True
        elif kind == "gate_decided" and event.get("gate") == "approve" and step in done:
            done[step].at_gate = event.get("decision") != "approve"
            if event.get("edited"):  # the person's edit is what the next steps saw
                done[step].output = str(event.get("output") or "")
                done[step].data = event.get("data")
    return done


def plan_resume(record: RunRecord, command: Command, from_step: str | None) -> ResumePlan:
    """Which steps to reuse; raises RunRequestError when the run cannot be resumed so."""
    run_id = record.summary.run_id
    state = record.summary.state
    if state == "running":
        raise RunRequestError(f"run {run_id} is still running")
    if state not in RESUMABLE and from_step is None:
        raise RunRequestError(
            f"run {run_id} {state}; there is nothing to continue (name a step to run "
            "again from with --from STEP)"
        )
    ids = [step.id for step in command.steps]
    completed = completed_steps(record)
    inner: dict[str, ReusedStep] = {}
    if from_step is not None:
        top = _segments(from_step)[0][0] if _segments(from_step) else ""
        if top not in ids or not _names_a_step(command.steps, _segments(from_step)):
            paths = ", ".join(step_paths(command.steps))
            raise RunRequestError(
                f"command '{command.name}' has no step '{from_step}' (its steps: {paths})"
            )
        before = ids[: ids.index(top)]
        missing = [s for s in before if s not in completed or completed[s].at_gate]
        if missing:
            raise RunRequestError(
                f"cannot resume run {run_id} from '{from_step}': step(s) "
                f"{', '.join(missing)} before it never completed there"
            )
        reused = {step: completed[step] for step in before}
        start: str | None = top
        if from_step != top:
            inner = _inner_steps(record, top, from_step, _parallel_ids(command.steps))
    else:
        start = next((s for s in ids if s not in completed or completed[s].at_gate), None)
        before = ids if start is None else ids[: ids.index(start) + 1]
        reused = {step: completed[step] for step in before if step in completed}
        if start is not None and start not in completed:
            inner = _inner_steps(record, start, None, set())
    return ResumePlan(
        origin=run_id,
        command=command.name,
        arguments={k: str(v) for k, v in record.summary.arguments.items()},
        reused=reused,
        start=start,
        carry_changeset=record.changeset if from_step is None else None,
        inner=inner,
    )


_SEGMENT = re.compile(r"^([A-Za-z_][\w\-]*)(#\d+|\[\d+\])?$")


def _segments(path: str) -> list[tuple[str, str]]:
    """`qa[1]/check` as [("qa", "[1]"), ("check", "")]; [] when it is not a path."""
    parts = []
    for part in path.split("/"):
        match = _SEGMENT.match(part)
        if match is None:
            return []
        parts.append((match.group(1), match.group(2) or ""))
    return parts


def _names_a_step(steps: list[Step], segments: list[tuple[str, str]]) -> bool:
    """Whether `segments` walk down the command's steps (markers where groups have them)."""
    for index, (step_id, marker) in enumerate(segments):
        step = next((s for s in steps if s.id == step_id), None)
        if step is None:
            return False
        if marker.startswith("#") and step.kind != "repeat":
            return False
        if marker.startswith("[") and step.kind != "for_each":
            return False
        if index < len(segments) - 1 and not step.steps:
            return False
        steps = step.steps
    return True


def _parallel_ids(steps: list[Step]) -> set[str]:
    found = set()
    for step in steps:
        for inner in step.walk():
            if inner.kind == "parallel":
                found.add(inner.id)
    return found


def _matches(place: list[tuple[str, str]], wanted: list[tuple[str, str]]) -> bool:
    """`place` (where a step ran) is `wanted` or inside it; a segment of `wanted`
    without a round or item matches any."""
    if len(place) < len(wanted):
        return False
    return all(
        p_id == w_id and (not w_marker or p_marker == w_marker)
        for (p_id, p_marker), (w_id, w_marker) in zip(place, wanted, strict=False)
    )


def _elsewhere(
    place: list[tuple[str, str]], wanted: list[tuple[str, str]], parallel: set[str]
) -> bool:
    """`place` ran beside `wanted`, not before or after it: another item of a `for_each`
    `wanted` names an item of, or another branch of a `parallel` group."""
    for index, ((p_id, p_marker), (w_id, w_marker)) in enumerate(zip(place, wanted, strict=False)):
        if p_id != w_id:
            return False
        if w_marker.startswith("[") and p_marker != w_marker:
            return True
        if p_id in parallel and index + 1 < min(len(place), len(wanted)):
            return place[index + 1][0] != wanted[index + 1][0]
    return False


def _inner_steps(
    record: RunRecord, group: str, from_step: str | None, parallel: set[str]
) -> dict[str, ReusedStep]:
    """The steps inside top-level group `group` the old run finished (their approve
    gates passed), by where they ran, that a replay of the group takes from the journal:
    all of them, or with `from_step` those before it (in the journal) or beside it."""
    wanted = _segments(from_step) if from_step is not None else []
    run_id = record.summary.run_id
    done: dict[str, ReusedStep] = {}
    finished_at: dict[str, int] = {}
    cut: int | None = None
    for index, event in enumerate(record.events):
        step = event.get("step_id")
        if not isinstance(step, str) or not step.startswith(group) or event.get("parent_step"):
            continue
        place = _segments(step)
        if not place or place[0][0] != group or len(place) < 2:
            continue
        kind = event.get("type")
        if kind == "step_started" and wanted and cut is None and _matches(place, wanted):
            cut = index
        elif kind == "step_finished":
            done[step] = ReusedStep(
                output=str(event.get("output", "")), data=event.get("data"), run_id=run_id
            )
            finished_at[step] = index
        elif kind == "gate_opened" and event.get("gate") == "approve" and step in done:
            done[step].at_gate = True
        elif kind == "gate_decided" and event.get("gate") == "approve" and step in done:
            done[step].at_gate = event.get("decision") != "approve"
            if event.get("edited"):
                done[step].output = str(event.get("output") or "")
                done[step].data = event.get("data")
    if not wanted:
        return done
    return {
        step: reused
        for step, reused in done.items()
        if not _matches(_segments(step), wanted)
        and not reused.at_gate
        and (
            (cut is None or finished_at[step] < cut)
            or _elsewhere(_segments(step), wanted, parallel)
        )
    }
