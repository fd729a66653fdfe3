"""The typed events of a run (DESIGN §4): every front end and the journal read these.

Each event is a small pydantic model with a `type` tag, so a front end can switch
on it and the journal can write `model_dump(mode="json")` as one JSON line.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from orchestra_lsp.changes.landing import Outcome


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True)

    run_id: str


class RunStarted(_Event):
    type: Literal["run_started"] = "run_started"
    command: str
    arguments: dict[str, str]
    workspace: str
    mode: str
    steps: list[str]
    model: str
    """The model of the first step's agent: what the run's first request names ("" for a
    run that calls no model, such as a review or an undo)."""
    models: list[str] = []
    """Every model the command's steps name, in step order, each once (an agent's own
    `model`, else the command's, else the configuration's); a sub-agent's shows in its
    `step_started` and `usage`."""


class StepStarted(_Event):
    type: Literal["step_started"] = "step_started"
    step_id: str
    agent: str
    index: int
    total: int
    attempt: int = 1
    """Greater than 1 when the step re-runs after a `revise` at its approve gate."""
    parent_step: str | None = None
    """For a sub-agent's step (the `task` tool): the step that delegated to it."""
    model: str | None = None
    """The model the step's agent calls; None for a group (`repeat`, `for_each`,
    `parallel`), whose inner steps say their own."""


class TextDelta(_Event):
    type: Literal["text_delta"] = "text_delta"
    step_id: str
    text: str


class ModelRetry(_Event):
    """The turn starts over - its stream broke off, or its reply was cut at `max_tokens`
    and is asked again with a larger limit (`reason` says which): discard its partial text."""

    type: Literal["model_retry"] = "model_retry"
    step_id: str
    reason: str


class ToolCallStarted(_Event):
    type: Literal["tool_call_started"] = "tool_call_started"
    step_id: str
    call_id: str
    tool: str
    arguments: dict[str, Any]


class ToolCallFinished(_Event):
    type: Literal["tool_call_finished"] = "tool_call_finished"
    step_id: str
    call_id: str
    tool: str
    duration_ms: float
    is_error: bool
    summary: str
    """The start of the result, for logs; the model gets all of it."""
    cut: str | None = None
    """When the result was too long for the model: the note it got instead of the rest
    (how much was left out, and where the whole result was saved)."""


class ArtifactSaved(_Event):
    """A file a tool call saved, kept in the run's folder (`artifacts/NAME`)."""

    type: Literal["artifact_saved"] = "artifact_saved"
    step_id: str
    call_id: str
    source: str
    """Where the tool saved it, relative to the workspace."""
    path: str
    """Relative to the run's folder."""
    size: int
    """Bytes."""


class PermissionAsked(_Event):
    type: Literal["permission_asked"] = "permission_asked"
    step_id: str
    tool: str
    arguments: dict[str, Any]


class PermissionDecided(_Event):
    type: Literal["permission_decided"] = "permission_decided"
    step_id: str
    tool: str
    verdict: Literal["allow", "deny"]
    rule: str | None
    reason: str
    by: Literal["policy", "person", "automation"]
    always: Literal["chosen", "applied"] | None = None
    """With `by: person`: `chosen` when they answered "always" for this session (ACP's
    `allow_always` / `reject_always`), `applied` when such an answer decided this call."""


class GateOpened(_Event):
    type: Literal["gate_opened"] = "gate_opened"
    step_id: str
    gate: Literal["approve", "review", "budget"]


class GateDecided(_Event):
    type: Literal["gate_decided"] = "gate_decided"
    step_id: str
    gate: Literal["approve", "review", "budget"]
    decision: Literal["approve", "revise", "stop"]
    feedback: str | None = None
    by: Literal["person", "automation", "preset"]
    """`preset`: answered in advance (`orchestra run --gate STEP=ANSWER`), not by a person."""
    preset: str | None = None
    """With `by: preset`: the answer as given, e.g. `design=approve`."""
    edited: bool = False
    """The person edited the step's output before approving: `output` is what the next
    steps see; the model's own answer stays in the step's `step_finished`."""
    output: str | None = None
    """With `edited`: the approved text."""
    data: Any = None
    """With `edited`, for a step with an `output` schema: the approved JSON."""


class FileProposal(BaseModel):
    path: str
    kind: Literal["create", "modify", "delete"]
    hunks: int


class ProposalReady(_Event):
    type: Literal["proposal_ready"] = "proposal_ready"
    step_id: str
    files: list[FileProposal]


class ProposalDecided(_Event):
    type: Literal["proposal_decided"] = "proposal_decided"
    step_id: str
    path: str
    accepted: list[str]
    """Hunk ids the person (or the policy) accepted."""
    rejected: list[str]
    landed: list[str] = []
    """Hunk ids read back from the file or buffer afterwards."""
    outcome: Outcome
    """One word of the landing vocabulary (`changes.landing.Outcome`)."""
    detail: str = ""


class UsageReported(_Event):
    type: Literal["usage"] = "usage"
    step_id: str
    agent: str
    model: str
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int
    cost_usd: float
    run_cost_usd: float
    """The run's total so far, for a live display."""


class ContextReported(_Event):
    type: Literal["context"] = "context"
    step_id: str
    manifest: dict[str, Any]


class Notice(_Event):
    """Something a person should know that is not a failure of the run (e.g. an MCP
    server that would not start, so its tools are missing)."""

    type: Literal["notice"] = "notice"
    level: Literal["info", "warning", "error"]
    message: str


class HookRan(_Event):
    """One Claude Code hook command ran (see `engine.hooks`)."""

    type: Literal["hook_ran"] = "hook_ran"
    step_id: str
    event: str
    command: str
    tool: str | None = None
    exit_code: int | None
    """None when it timed out and was killed."""
    duration_ms: float
    decision: str
    """ok, context, block, allow, deny, ask, stop, or error."""
    stderr: str = ""


class StepFinished(_Event):
    """A step's end. `step_id` is where it ran: `ID` at the top level, `G/ID` inside the
    `parallel` group G, `G#R/ID` in round R of the `repeat` group G, `G[I]/ID` for item
    I (0-based) of the `for_each` group G; the last part is the id templates use."""

    type: Literal["step_finished"] = "step_finished"
    step_id: str
    output: str
    turns: int
    data: Any = None
    """The output as JSON: a step's validated structured answer (`output:` schema), a
    `for_each`'s list of its items' answers, a `parallel` or `repeat` group's
    `{id: answer}`; null for a step that answers in text."""
    cost_usd: float | None = None
    """What this step's own model calls cost (a group: its steps together)."""
    reused_from: str | None = None
    """Resumed: the run whose journal gave this output (no model call was made)."""


class StepSkipped(_Event):
    """A step whose `when` did not hold: it did not run and has no output."""

    type: Literal["step_skipped"] = "step_skipped"
    step_id: str
    when: str


class RunFinished(_Event):
    type: Literal["run_finished"] = "run_finished"
    cost_usd: float
    output: str
    """The last step's output: the run's answer."""
    report: str | None = None
    """Where that answer is saved as Markdown (in the run's journal folder)."""


class RunFailed(_Event):
    type: Literal["run_failed"] = "run_failed"
    error: str
    step_id: str | None = None


class RunCancelled(_Event):
    type: Literal["run_cancelled"] = "run_cancelled"
    reason: str


Event = Annotated[
    RunStarted
    | StepStarted
    | TextDelta
    | ModelRetry
    | ToolCallStarted
    | ToolCallFinished
    | ArtifactSaved
    | PermissionAsked
    | PermissionDecided
    | GateOpened
    | GateDecided
    | ProposalReady
    | ProposalDecided
    | UsageReported
    | ContextReported
    | Notice
    | HookRan
    | StepFinished
    | StepSkipped
    | RunFinished
    | RunFailed
    | RunCancelled,
    Field(discriminator="type"),
]

FINAL_EVENTS = ("run_finished", "run_failed", "run_cancelled")
