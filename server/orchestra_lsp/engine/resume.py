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
Nested steps of a group are never reused alone: a group is reused whole or run again.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from orchestra_lsp.engine.request import RunRequestError
from orchestra_lsp.journal import RunRecord
from orchestra_lsp.workspace import Command

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
    if from_step is not None:
        if from_step not in ids:
            raise RunRequestError(
                f"command '{command.name}' has no step '{from_step}' (its steps: {', '.join(ids)})"
            )
        before = ids[: ids.index(from_step)]
        missing = [s for s in before if s not in completed or completed[s].at_gate]
        if missing:
            raise RunRequestError(
                f"cannot resume run {run_id} from '{from_step}': step(s) "
                f"{', '.join(missing)} before it never completed there"
            )
        reused = {step: completed[step] for step in before}
        start: str | None = from_step
    else:
        start = next((s for s in ids if s not in completed or completed[s].at_gate), None)
        before = ids if start is None else ids[: ids.index(start) + 1]
        reused = {step: completed[step] for step in before if step in completed}
    return ResumePlan(
        origin=run_id,
        command=command.name,
        arguments={k: str(v) for k, v in record.summary.arguments.items()},
        reused=reused,
        start=start,
        carry_changeset=record.changeset if from_step is None else None,
    )
