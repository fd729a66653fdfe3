"""Payloads of Orchestra's own LSP methods (`orchestra/*`), as pydantic models.

They are JSON in camelCase on the wire, like the rest of LSP, and snake_case in
Python. Every model validates what a client sends, so a malformed request is
answered with one clear error instead of failing somewhere deep in a run.
`README.md` beside this file documents each method with these shapes.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

from orchestra_lsp.context.models import Manifest


class Payload(BaseModel):
    """camelCase on the wire, either spelling accepted on the way in.

    `null` stands for "not given" wherever a field has a default: some clients (Emacs'
    JSON encoder) cannot tell `{}` or an absent key from `null`, and send `null` back
    for an empty object they received. A required field given `null` is still an error.
    """

    # Each model's validator and serializer are built on first use, not at import: the
    # prefetch child (`prefetch.py`) uses only the listing's few (a quarter of the
    # module's import time), and the server builds each as its method is first asked.
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="ignore", defer_build=True
    )

    @model_validator(mode="before")
    @classmethod
    def _null_means_default(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        defaulted = {
            key
            for name, field in cls.model_fields.items()
            if not field.is_required()
            for key in (name, field.alias)
        }
        return {k: v for k, v in data.items() if not (v is None and k in defaulted)}

    def wire(self) -> dict[str, Any]:
        """The JSON-ready dict sent to the client."""
        return self.model_dump(mode="json", by_alias=True)


class Position(Payload):
    line: int = Field(ge=0)
    character: int = Field(ge=0)


class Range(Payload):
    start: Position
    end: Position


# -- initialize -----------------------------------------------------------------------


class InitializationOptions(Payload):
    """`initializationOptions.orchestra` (the VS Code extension and the Neovim plugin
    send it); every field has a default, and a bad value is reported, not fatal."""

    events: bool = False
    """Send `orchestra/event` notifications."""
    review: Literal["applyEdit", "proposal", "message"] | None = None
    """How reviews reach the person (`client.ReviewMode`); `applyEdit` only counts when the
    capabilities allow annotated edits."""
    ask: bool = False
    """The client answers `orchestra/ask`."""
    edit: bool = False
    """The client answers `orchestra/edit`: approve gates then offer `Edit…`."""


# -- orchestra/commands, orchestra/agents ---------------------------------------------


class ArgumentInfo(Payload):
    name: str
    description: str
    required: bool
    default: str | None


class StepInfo(Payload):
    id: str
    agent: str
    gate: Literal["approve", "review"] | None
    kind: Literal["agent", "repeat", "for_each", "parallel"] = "agent"
    steps: list[StepInfo] = Field(default_factory=list)
    """A group's own steps (`repeat`, `for_each`, `parallel`), nested the same way."""
    path: str = ""
    """The step's ids from the top (`build/implement`), as `orchestra resume --from`
    takes them."""


class CodeActionInfo(Payload):
    kinds: list[str]
    when: str


class CommandInfo(Payload):
    name: str
    description: str
    arguments: list[ArgumentInfo]
    mode: str
    steps: list[StepInfo]
    code_action: CodeActionInfo | None
    uri: str
    """The file that defines it (a built-in's file inside the package)."""
    layer: str
    unavailable: str | None = None
    """Why it cannot run in this workspace (an MCP server its agents need is not
    configured), for pickers to show it disabled; None when it can."""


class CommandsResult(Payload):
    commands: list[CommandInfo]


class AgentInfo(Payload):
    name: str
    description: str
    model: str | None
    tools: list[str]
    max_turns: int
    uri: str
    layer: str


class AgentsResult(Payload):
    agents: list[AgentInfo]


# -- orchestra/run, orchestra/cancel ----------------------------------------------------


class DiagnosticInfo(Payload):
    """The parts of an LSP diagnostic a prompt needs (`{{diagnostics}}`)."""

    range: Range
    message: str
    severity: int | None = None
    source: str | None = None
    code: int | str | None = None


class RunParams(Payload):
    command: str
    arguments: dict[str, str] = Field(default_factory=dict)
    uri: str | None = None
    """The document the person is in, for `{{file}}`."""
    range: Range | None = None
    """The selection; its text becomes `{{selection}}` unless `selection` is given."""
    selection: str | None = None
    diagnostics: list[DiagnosticInfo] = Field(default_factory=list)


class RunStarted(Payload):
    run_id: str


class RunRef(Payload):
    run_id: str


class UndoParams(Payload):
    """`orchestra/undo`: take back what run `run_id` landed, or only what its step
    `step` or its workspace-relative file `file` landed. Result: `RunStarted`, the undo
    run, whose proposal is reviewed like any other."""

    run_id: str
    file: str | None = None
    step: str | None = None


class ResumeParams(Payload):
    """`orchestra/resume`: continue run `run_id` (failed, stopped or interrupted) in a
    new run of the same command and arguments, reusing the outputs of the steps it
    finished; with `from_step`, run again from that step — a path of ids inside groups
    (`build/review`, `build#2/review`, `qa[1]/check`), as `StepInfo.path` gives them.
    Result: `RunStarted`, the new run. RequestFailed (with the steps' paths) when the
    run cannot be resumed so."""

    run_id: str
    from_step: str | None = None


class RunPageResult(Payload):
    """`orchestra/runPage` (params: `RunRef`): where the run's page was written."""

    run_id: str
    uri: str
    """The self-contained HTML page (`report.html` in the run's journal folder)."""
    report_uri: str | None = None
    """The run's Markdown report, whose images are relative to it; None without one."""


class McpLoginParams(Payload):
    """`orchestra/mcpLogin`: authorize Orchestra with the `type: "http"` MCP server
    `server` (its name in mcp.json) through OAuth. The authorization page is opened
    with `window/showDocument` (`external: true`), or named in `window/showMessage`
    when the client cannot open it; the request answers once the person has approved
    in the browser (at most 300 s)."""

    server: str


class McpLoginResult(Payload):
    server: str
    where: str
    """Where the tokens are kept, for people: the system keyring, or a 0600 file
    under the user's config folder. Never the tokens."""


class CancelResult(Payload):
    cancelled: bool
    """False when this server is not running that run (finished, or unknown)."""


# -- orchestra/batch ---------------------------------------------------------------------


class BatchParams(Payload):
    """`orchestra/batch`: run `command` once per item (`orchestra batch`), `parallel`
    at a time, each a run with its own journal (in a git worktree of its own when the
    command can propose edits). The items: `items`, or what the MCP tool call
    `each_from` lists (`mcp__tickets__search {"status": "Ready for QA"}`). Nobody is
    asked at an item's gates: `gates` (`design=approve`, as `--gate`) and `yes` answer
    them, else the item stops there. Result: the first `BatchProgress`."""

    command: str
    items: list[str] = Field(default_factory=list)
    each_from: str | None = None
    argument: str | None = None
    """The argument the items set (default: the command's only, or only required, one)."""
    arguments: dict[str, str] = Field(default_factory=dict)
    """Arguments every item shares."""
    parallel: int = Field(default=1, ge=1, le=32)
    yes: bool = False
    gates: list[str] = Field(default_factory=list)


class BatchRef(Payload):
    """`orchestra/cancelBatch`: the batch to cancel (`BatchProgress.batch_id`). Its items'
    runs going on end `cancelled`, those not started are not run; the last
    `orchestra/batchProgress` (`done`) follows as for any batch. Result: `CancelResult`
    (False when this server is not running that batch: ended, or unknown)."""

    batch_id: str


class BatchItemInfo(Payload):
    item: str
    state: Literal["finished", "failed", "cancelled", "interrupted", "running", "not run"]
    run_id: str | None = None
    error: str | None = None
    """Why it failed or stopped (a gate nobody answered, …)."""
    cost_usd: float = 0.0
    verdicts: dict[str, Any] = Field(default_factory=dict)
    """`verdict` fields of the run's structured outputs, by top-level step id."""
    report_uri: str | None = None
    branch: str | None = None
    """Where the item's landed edits were committed (items in worktrees)."""


class BatchProgress(Payload):
    """The result of `orchestra/batch`, and the `orchestra/batchProgress` notification
    sent as each item starts and ends and once at the end (`done`), to clients that
    take `orchestra/event`. Each item's own run events come as `orchestra/event` too."""

    batch_id: str
    command: str
    argument: str
    isolated: bool
    """Each item runs in a git worktree of its own."""
    items: list[BatchItemInfo]
    done: bool = False
    ok: bool = False
    """Done, and every item finished."""
    cost_usd: float = 0.0
    summary_uri: str | None = None
    """The batch's Markdown summary (`summary.md` beside its `batch.json`)."""


# -- orchestra/runs ---------------------------------------------------------------------


class RunsParams(Payload):
    limit: int = Field(default=50, ge=1, le=1000)


class UndoneInfo(Payload):
    """How far a later undo run took back a run."""

    by: str
    """The undo run's id."""
    whole: bool
    """Everything the run landed came back."""
    label: str
    """For people: `whole by RUN` or `in part (file a.py, some hunks left) by RUN`."""


class RunInfo(Payload):
    run_id: str
    command: str
    arguments: dict[str, Any]
    state: str
    started_at: str
    finished_at: str | None
    cost_usd: float | None
    pending_proposal: bool
    awaiting_review: bool
    """A review is open for it on this server: `orchestra/proposal` returns it."""
    undone: UndoneInfo | None = None
    """A later undo run took back what it landed (wholly or in part); None otherwise."""


class RunsResult(Payload):
    runs: list[RunInfo]


# -- orchestra/proposal, orchestra/decide -----------------------------------------------


class HunkInfo(Payload):
    id: str
    range: Range
    """What the hunk replaces, in `originalText`, in the negotiated encoding."""
    old_text: str
    new_text: str


class ProposalFile(Payload):
    path: str
    """Workspace-relative POSIX path."""
    uri: str
    kind: Literal["create", "modify", "delete"]
    original_text: str | None
    """What the agent read (None for a file it creates)."""
    proposed_text: str | None
    """None for a file it deletes."""
    base_version: int | None
    hunks: list[HunkInfo]
    decided: bool


class ProposalResult(Payload):
    run_id: str
    step_id: str
    agent: str
    files: list[ProposalFile]
    recovered: bool
    """The run was interrupted (server restart); its proposal came back from the journal."""


class GateChoice(Payload):
    decision: Literal["approve", "revise", "stop"]
    feedback: str | None = None
    edited: str | None = None
    """With `approve`: the step's output as the person edited it (text, or JSON for a
    step with an `output` schema); the next steps see it. An edit the schema refuses
    opens the gate again, with `GateInfo.problem` saying why."""


class GateInfo(Payload):
    """`orchestra/gate` (params: `RunRef`): the run's open approve or budget gate, to
    show the step's output (and edit it) the client's own way; answered with
    `orchestra/decide` `{runId, gate: GateChoice}`."""

    run_id: str
    step_id: str
    """Where the step ran (`build#2/implement` inside a loop)."""
    agent: str
    gate: Literal["approve", "budget"]
    output: str
    """The text to approve or edit; after an edit that was not taken, the person's edit."""
    format: Literal["text", "json"]
    """`json`: the step has an `output` schema; an edit must be JSON it accepts."""
    editable: bool
    """False for a budget gate."""
    message: str = ""
    """For a budget gate: why the run paused."""
    problem: str | None = None
    """Why the person's previous edit was not taken (with its line and column, or the
    fields the schema refuses)."""
    output_schema: dict[str, Any] | None = None
    """The step's `output` JSON Schema, with `format: json`."""


class FileChoice(Payload):
    path: str
    accepted: list[str] | Literal["all"] = Field(default_factory=list)
    """Hunk ids to apply, or "all"; the others are rejected."""


class DecideParams(Payload):
    run_id: str
    gate: GateChoice | None = None
    """Answers an open approve gate of the run."""
    files: list[FileChoice] = Field(default_factory=list)
    """Answers the run's open review, file by file."""
    final: bool = False
    """Close the review now: files not yet decided are rejected."""


class FileDecided(Payload):
    path: str
    accepted: list[str]
    """The hunk ids recorded as accepted (the first decision of a file wins)."""


class DecideResult(Payload):
    files: list[FileDecided]
    """The decisions recorded by this call. The outcome of each file (`applied`,
    `applied_in_editor`, `conflict`, …) comes afterwards as a `proposal_decided` event:
    the edit is sent and read back after this answer, never while the client waits."""
    undecided: list[str]
    """Files of the review still waiting for a decision."""
    gate_answered: bool = False


# -- orchestra/context ------------------------------------------------------------------


class ContextParams(Payload):
    command: str
    arguments: dict[str, str] = Field(default_factory=dict)
    """Arguments not given show as `<name>`."""


class StepContext(Payload):
    step_id: str
    agent: str
    manifest: Manifest
    """Per source (persistent context, agent prompt, tools, instructions) in tokens, the
    totals and the budget: the engine's `Manifest` (snake_case, as the `context` event
    carries it)."""
    mcp_tools_counted: bool
    """False when the agent may use MCP tools, whose declarations are not counted yet."""


class ContextResult(Payload):
    command: str
    steps: list[StepContext]


# -- orchestra/ask (server to client) ---------------------------------------------------


class AskParams(Payload):
    run_id: str
    step_id: str
    question: str
    choices: list[str] | None = None


class AskResult(Payload):
    answer: str | None = None
    """None: the person dismissed the question."""


# -- orchestra/edit (server to client) --------------------------------------------------


class EditParams(Payload):
    """Sent when the person picked `Edit…` at an approve gate (clients declaring
    `experimental.orchestra.edit`): open `text` for editing and answer with the
    edited text."""

    run_id: str
    step_id: str
    agent: str
    text: str
    format: Literal["text", "json"]
    problem: str | None = None
    """Why the previous edit was not taken; `text` is then that edit."""


class EditResult(Payload):
    text: str | None = None
    """The edited text, which approves the step with it; None: the person gave up the
    edit, and the gate is asked again."""
