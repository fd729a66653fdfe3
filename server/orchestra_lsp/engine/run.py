"""A run: a command's steps in order, with gates, review, budget and the journal.

Steps run in sequence; a step's `when` may skip it, and groups run steps inside them:
`repeat` in rounds until its `until` holds (at most `max` rounds, else the run fails
saying so), `for_each` once per item of a list and `parallel` side by side — each
branch with its own conversation and its own changeset, joined into the run's one
changeset (and one review) when the group ends (`changes.branches`).

Every event goes to the journal first (so it survives the process) and then to the
front end. Whatever ends the run — its last step, a person's "stop", a model error,
cancellation — it ends with one final event and a closed journal.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from orchestra_lsp.changes import (
    Changeset,
    FileChange,
    Landing,
    Outcome,
    apply_hunks,
    land,
    read_back,
)
from orchestra_lsp.changes.branches import join_branches
from orchestra_lsp.command_bash import bash_policy
from orchestra_lsp.engine.command_prompt import expand_command_prompt
from orchestra_lsp.engine.disk_changes import DiskChange, changed, take
from orchestra_lsp.engine.events import (
    Event,
    FileProposal,
    GateDecided,
    GateOpened,
    Notice,
    ProposalDecided,
    ProposalReady,
    RunCancelled,
    RunFailed,
    RunFinished,
    RunStarted,
    StepFinished,
    StepSkipped,
    StepStarted,
    TextDelta,
    UsageReported,
)
from orchestra_lsp.engine.frontend import (
    ApprovalDecision,
    ApprovalRequest,
    FileDecision,
    FileReview,
    FrontEnd,
    ReviewDecision,
    ReviewRequest,
)
from orchestra_lsp.engine.gate_answers import GateAnswer
from orchestra_lsp.engine.hooks import HookPermissionMode, HookRunner, HookStopped
from orchestra_lsp.engine.prompts import step_instructions, system_chunks
from orchestra_lsp.engine.resume import ReusedStep
from orchestra_lsp.engine.scope import Branch, Scope
from orchestra_lsp.engine.step_loop import StepFailed, StepOutcome, StepSettings, run_step
from orchestra_lsp.engine.structured_output import OutputContract, as_text
from orchestra_lsp.engine.task_tool import TaskArgs
from orchestra_lsp.engine.toolbox import Toolbox
from orchestra_lsp.engine.undo import (
    NOT_UNDONE,
    UNDOABLE,
    LandedChange,
    UndoPlan,
    landed_by,
    landed_record_name,
    undo_arguments,
)
from orchestra_lsp.journal import (
    ArtifactCollector,
    RunJournal,
    RunNotFoundError,
    load_run,
    settle_pending,
)
from orchestra_lsp.llm import ModelClient, ModelError, ModelTurn
from orchestra_lsp.permissions import Policy
from orchestra_lsp.redaction import SECRETS, Redactor, StreamRedactor, redact_model_json
from orchestra_lsp.retirement import end_of_life, retiring
from orchestra_lsp.shell_effects import shell_effects
from orchestra_lsp.tools import BUILTIN_TOOLS, ToolContext, WorkspaceView, as_view_buffers
from orchestra_lsp.tools.errors import ToolError
from orchestra_lsp.tools.run_shell import end_leftovers
from orchestra_lsp.workspace import Agent, Command, Step, Workspace
from orchestra_lsp.workspace.expressions import ExpressionError, evaluate, kind_of
from orchestra_lsp.workspace.templates import PositionalArguments
from orchestra_lsp.workspace.validation import says_nothing

if TYPE_CHECKING:
    from orchestra_lsp.mcp import McpPool

RunState = Literal["finished", "failed", "cancelled", "interrupted"]


#: A Stop hook may send an agent back to work this many times in one step; then the
#: step ends, as Claude Code's `stop_hook_active` lets a hook avoid an endless loop.
MAX_STOP_ROUNDS = 3
DEFAULT_MAX_PARALLEL = 4
"""Branches of a `for_each` running at once when it does not say `max_parallel`."""


class RunStopped(Exception):
    """A person (or the budget) stopped the run at a gate."""


@dataclass
class RunResult:
    run_id: str
    state: RunState
    output: str = ""
    error: str | None = None
    cost_usd: float = 0.0


@dataclass
class RunContext:
    """Everything a run needs, gathered by the engine when it starts one."""

    workspace: Workspace
    command: Command
    values: dict[str, str]
    """Arguments plus `file`, `selection`, `diagnostics` for the templates."""
    argument_list: PositionalArguments
    """The arguments for `$ARGUMENTS`, `$1`..`$9` and named `$name`."""
    journal: RunJournal
    frontend: FrontEnd
    client: ModelClient
    policy: Policy
    buffers: Callable[[], Mapping[str, tuple[str, int]]]
    unattended: bool
    """Automation mode or `--yes`: gates pass by policy, asks are refused."""
    apply: bool = True
    """When unattended: land accepted changes. False (`orchestra run --yes` without
    `--apply`): they are recorded `pending` and later steps see them, nothing is written."""
    plan: bool = False
    """Plan mode: nothing is written. Edits are proposed and shown at review, and kept
    `pending` whatever the front end answers; `run_shell` and MCP tools their server
    does not mark read-only are denied."""
    pool: McpPool | None = None
    warned_models: set[str] = field(default_factory=set)
    """Deprecated models already named to the person: shared by an engine's runs, so
    an editor warns once a session, not at every run."""
    cost_usd: float = 0.0
    cost_cap: float | None = None
    outputs: dict[str, str] = field(default_factory=dict)
    """Each step's output as text, by its own id (a loop's last round wins)."""
    data: dict[str, Any] = field(default_factory=dict)
    """Each step's output as JSON, where it has one (see `StepFinished.data`)."""
    reused: dict[str, ReusedStep] = field(default_factory=dict)
    """Resuming (engine/resume.py): top-level steps whose outputs come from an earlier
    run's journal instead of the model."""
    reused_inner: dict[str, ReusedStep] = field(default_factory=dict)
    """Resuming inside a group: steps by where they ran (`build#2/implement`), taken
    from the earlier run's journal as the group is replayed."""
    resumes: str | None = None
    """The run this one resumes."""
    gate_answers: dict[str, GateAnswer] = field(default_factory=dict)
    """Gates answered in advance (`--gate STEP=ANSWER`), by step id: decided without
    asking the front end, before `unattended` is considered."""


class Run:
    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx
        self.run_id = ctx.journal.run_id
        self.changeset = Changeset()
        self.carried_from: str | None = None
        """The run whose pending proposal this run reviews (review_left_by)."""
        self.view = WorkspaceView(
            ctx.workspace.root, self.changeset, as_view_buffers(ctx.buffers())
        )
        shell = ctx.workspace.config.shell
        self.tool_context = ToolContext(
            view=self.view,
            env=dict(ctx.workspace.claude_settings.env),
            sandbox=shell.sandbox,
            sandbox_network=shell.network,
        )
        self._text_stream = StreamRedactor(SECRETS.redactor)
        self._covering: Redactor | None = None
        """The last process-wide redactor seen to cover the journal's (see `emit`)."""
        self._last_delta: TextDelta | None = None
        self.artifacts = ArtifactCollector(ctx.workspace.root, ctx.journal.directory)
        settings = ctx.workspace.claude_settings
        self.hooks = (
            HookRunner(
                hooks=settings.hooks,
                root=ctx.workspace.root,
                run_id=self.run_id,
                transcript=ctx.journal.directory / "events.jsonl",
                emit=self.emit,
                env=settings.env,
                permission_mode="plan" if ctx.plan else settings.default_mode,
                on_disk_change=self._changed_outside_review,
            )
            if settings.hooks
            else None
        )
        self._tasks = 0
        """Sub-agents started so far (`task`), for their step ids."""
        self.session_context: list[str] = []
        """What SessionStart hooks added: it goes with the first step's prompt."""
        self.reviewed: dict[str, str | None] = {}
        """Text accepted at a review but not applied (the CLI without --apply): later
        steps see it, and the end-of-run review skips files still at that text."""
        self.interrupted = False
        """Set when the front end went away (not a person's cancel): the run ends
        `interrupted` and keeps its changeset for a later review."""
        self.decided: list[ProposalDecided] = []
        self._outside_seen: set[tuple[str, bytes | None, bool]] = set()
        """Disk changes made outside review already journaled (path, bytes after, gone)."""
        self._landed_count = 0
        self.scope = Scope(ctx.outputs, ctx.data)
        self.step_costs: dict[str, float] = {}
        """Model cost by placed step id (`qa[1]/check`), for each step's and branch's cost."""
        self._gate_lock = asyncio.Lock()
        """Branches running at once ask a person one gate at a time."""
        """Landed changes kept in the journal so far (`files/landed-NNNN.json`)."""
        """Every file decision of the run, for the report's "What landed"."""

    def emit(self, event: Event) -> None:
        """Journal `event` and show it, secrets redacted first: every front end (the
        terminal, the editor) gets what the journal gets. Streamed text goes through a
        stream redactor, so a secret split across deltas is caught too."""
        if isinstance(event, TextDelta):
            self._last_delta = event
            text = self._text_stream.feed(event.text)
            if not text:
                return
            if text != event.text:  # held back or redacted: show what may be shown
                event = event.model_copy(update={"text": text})
        else:
            rest = self._text_stream.flush()
            if rest and self._last_delta is not None:
                self._publish(self._last_delta.model_copy(update={"text": rest}))
            redactor = SECRETS.redactor
            event, data, encoded = redact_model_json(event, redactor)
            if redactor is not self._covering and self.ctx.journal.covered_by(redactor):
                self._covering = redactor
            # Redacted already, by a redactor that knows every secret the journal's does
            # (the engine adds the run's secrets to SECRETS before it starts the journal);
            # its line reuses the screen's encoding of the event.
            self.ctx.journal.append(data, screened=redactor is self._covering, encoded=encoded)
            self.ctx.frontend.emit(event)
            return
        self._publish(event)

    def _publish(self, event: Event) -> None:
        self.ctx.journal.append(event)
        self.ctx.frontend.emit(event)

    async def execute(self) -> RunResult:
        """Run the command's steps, gates and reviews to the run's one final event."""
        return await self._ended(self._execute())

    async def _execute(self) -> RunResult:
        command = self.ctx.command
        models = self._command_models()
        self.emit(
            RunStarted(
                run_id=self.run_id,
                command=command.name,
                arguments={a.name: self.ctx.values.get(a.name, "") for a in command.arguments},
                workspace=str(self.ctx.workspace.root),
                mode="automation" if self.ctx.unattended else command.mode,
                steps=[s.id for s in command.steps],
                model=models[0] if models else "",
                models=models,
            )
        )
        if command.mcp_prompt is None and says_nothing(command):
            self.emit(
                Notice(
                    run_id=self.run_id,
                    level="warning",
                    message=f"the command '{command.name}' has no instructions (an empty "
                    "body and no step prompt): the model is sent its arguments alone",
                )
            )
        output = ""
        if self.hooks is not None and self.hooks.has("SessionStart") and command.steps:
            started = await self.hooks.run(
                "SessionStart", command.steps[0].id, {"source": "startup"}
            )
            self.session_context = started.context
        if self.ctx.resumes is not None:
            self._say_resumed()
        for index, step in enumerate(command.steps):
            reused = self.ctx.reused.get(step.id)
            if reused is not None:
                output = await self._resume_step(index, step, reused)
                continue
            produced = await self._run_step(index, step, self.scope)
            output = output if produced is None else produced
        if self._pending_files():
            await self._review(command.steps[-1])
        report_text = self.artifacts.embed(output).strip() + self._what_landed()
        report = str(self.ctx.journal.write_report(report_text)) if report_text.strip() else None
        self.emit(
            RunFinished(
                run_id=self.run_id, cost_usd=self.ctx.cost_usd, output=output, report=report
            )
        )
        return RunResult(self.run_id, "finished", output, cost_usd=self.ctx.cost_usd)

    async def review_left_by(self, origin: str) -> RunResult:
        """Offer again the proposal an interrupted run left pending (its changeset is
        this run's): one review, recorded in this run's journal."""

        async def review(step: Step) -> None:
            await self._review(step, recovery=True)
            settle_pending(self.ctx.workspace.root, origin)

        # The proposal stays pending in the origin's journal alone until it is decided
        # here: a copy in this run's would be a second, landable copy of one proposal.
        self.carried_from = origin
        return await self._ended(self._review_run({"run": origin}, review))

    async def review_undo(self, plan: UndoPlan) -> RunResult:
        """Offer the undo of an earlier run (`plan`, whose changeset is this run's) as one
        review; what cannot be taken back is said first, as warnings."""

        async def review(step: Step) -> None:
            if plan.git is not None:  # what git holds since: what the undo will meet
                level = "warning" if plan.git.notable else "info"
                for line in plan.git.lines():
                    self.emit(Notice(run_id=self.run_id, level=level, message=line))
            for issue in plan.issues:
                self.emit(
                    Notice(
                        run_id=self.run_id,
                        level="warning",
                        message=f"{NOT_UNDONE}{issue.path}: {issue.detail}",
                    )
                )
            await self._review(step)

        return await self._ended(self._review_run(undo_arguments(plan), review))

    async def _review_run(
        self, arguments: dict[str, str], review: Callable[[Step], Awaitable[None]]
    ) -> RunResult:
        """A run that is one review of the changeset it was given (no model call)."""
        step = self.ctx.command.steps[0]
        self.emit(
            RunStarted(
                run_id=self.run_id,
                command=self.ctx.command.name,
                arguments=arguments,
                workspace=str(self.ctx.workspace.root),
                mode=self.ctx.command.mode,
                steps=[step.id],
                model="",  # a person reviews: no model is called
            )
        )
        await review(step)
        # Like any run's: no report when there is nothing to say (an undo whose every
        # hunk conflicts decided nothing); an empty one would still be opened for people.
        landed = self._what_landed().strip()
        report = str(self.ctx.journal.write_report(landed)) if landed else None
        self.emit(RunFinished(run_id=self.run_id, cost_usd=0.0, output="", report=report))
        return RunResult(self.run_id, "finished")

    async def _ended(self, work: Awaitable[RunResult]) -> RunResult:
        """Await `work` and make whatever ends it the run's one final event: a stop at a
        gate, a cancel (or the front end going away), a model or step failure, a bug;
        then end what the run's shells left running and close the journal."""
        try:
            return await work
        except (RunStopped, HookStopped) as stopped:
            return self._cancelled(str(stopped))
        except asyncio.CancelledError:
            self._ended_by_cancel()
            raise
        except (ModelError, StepFailed) as error:
            return self._failed(str(error))
        except Exception as error:  # a bug: say so in one line, keep the journal whole
            return self._failed(f"internal error: {type(error).__name__}: {error}")
        finally:
            # What the run's shell commands left running (a server started in the
            # background) ends with the run.
            end_leftovers(self.tool_context)
            self.ctx.journal.close()

    def _ended_by_cancel(self) -> None:
        """A person's cancel ends the run `cancelled`; a front end that went away leaves
        it `interrupted` (no final event: the journal says so when it closes)."""
        if self.interrupted:
            self._save_pending()
            self.ctx.journal.flush(sync=True)
        else:
            self._cancelled("cancelled")

    def _cancelled(self, reason: str) -> RunResult:
        self._save_pending()
        self.emit(RunCancelled(run_id=self.run_id, reason=reason))
        return RunResult(self.run_id, "cancelled", error=reason, cost_usd=self.ctx.cost_usd)

    def _failed(self, message: str) -> RunResult:
        self._save_pending()
        self.emit(RunFailed(run_id=self.run_id, error=message))
        return RunResult(self.run_id, "failed", error=message, cost_usd=self.ctx.cost_usd)

    def _save_pending(self) -> None:
        """Keep undecided proposals in the journal, so nothing proposed is lost (a
        review of another run's proposal leaves it pending there, see review_left_by)."""
        if self._pending_files() and self.carried_from is None:
            self.ctx.journal.write_changeset(self.changeset.model_dump(mode="json"))

    # -- steps and approve gates ---------------------------------------------------

    async def _run_step(self, index: int, step: Step, scope: Scope) -> str | None:
        """One step of any kind, in `scope`; its output text, or None when skipped."""
        place = scope.place(step.id)
        if step.when is not None and not self._holds(step.when, scope, place, "when"):
            scope.forget(step.id)
            self.emit(StepSkipped(run_id=self.run_id, step_id=place, when=step.when))
            return None
        if step.kind == "agent":
            reused = self.ctx.reused_inner.get(place)
            if reused is not None and not reused.at_gate:
                return self._reuse_inner(step, scope, place, reused)
            given = None if reused is None else StepOutcome(reused.output, 0, reused.data)
            outcome = await self._step(index, step, scope, reused=given)
            scope.keep(step.id, outcome.output, outcome.data)
            if step.gate == "review":
                if scope.branch is None:
                    await self._review(step.model_copy(update={"id": place}))
                else:
                    # One review, when the branches join.
                    scope.branch.review = scope.branch.review or step.id
            return outcome.output
        self.emit(
            StepStarted(
                run_id=self.run_id,
                step_id=place,
                agent=step.agent,
                index=index,
                total=len(self.ctx.command.steps),
            )
        )
        if step.kind == "repeat":
            value: Any = await self._repeat(index, step, scope)
        elif step.kind == "for_each":
            value = await self._for_each(index, step, scope)
        else:
            value = await self._parallel(index, step, scope)
        text = as_text(value)
        scope.keep(step.id, text, value)
        self.emit(
            StepFinished(
                run_id=self.run_id,
                step_id=place,
                output=text,
                turns=0,
                data=value,
                cost_usd=round(self._spent(place), 6),
            )
        )
        return text

    def _holds(self, expression: str, scope: Scope, place: str, key: str) -> bool:
        return bool(self._evaluate(expression, scope, place, key))

    def _evaluate(self, expression: str, scope: Scope, place: str, key: str) -> Any:
        try:
            return evaluate(expression, scope.expression_names(self.ctx.values))
        except ExpressionError as error:
            raise StepFailed(f"step '{place}': `{key}: {expression}`: {error}") from None

    def _spent(self, prefix: str) -> float:
        """The model cost so far of the steps placed at or under `prefix`."""
        return sum(
            cost
            for place, cost in self.step_costs.items()
            if place == prefix or place.startswith((prefix + "/", prefix + "#", prefix + "["))
        )

    async def _repeat(self, index: int, step: Step, scope: Scope) -> dict[str, Any]:
        """Rounds of the group's steps until `until` holds; past `max` the run fails."""
        place = scope.place(step.id)
        assert step.until is not None and step.max is not None  # the loader checked
        for round_no in range(1, step.max + 1):
            inner = scope.within(f"{place}#{round_no}/")
            for inner_step in step.steps:
                await self._run_step(index, inner_step, inner)
            if self._holds(step.until, scope, place, "until"):
                return {s.id: scope.value(s.id) for s in step.steps}
        raise StepFailed(
            f"step '{place}': `until: {step.until}` still did not hold after {step.max} "
            f"round(s) (`max: {step.max}`); the run stops here"
        )

    async def _for_each(self, index: int, step: Step, scope: Scope) -> list[Any]:
        """The group's steps once per item, `max_parallel` items at a time; the list of
        each item's last answer."""
        place = scope.place(step.id)
        assert step.for_each is not None
        items = self._evaluate(step.for_each, scope, place, "for_each")
        if not isinstance(items, list):
            raise StepFailed(
                f"step '{place}': `for_each: {step.for_each}` is {kind_of(items)}, not a list"
            )
        last = step.steps[-1].id
        limit = asyncio.Semaphore(step.max_parallel or DEFAULT_MAX_PARALLEL)
        branches = [
            (f"{place}[{i}]", self._fork(scope, f"{place}[{i}]/", {step.as_: item}))
            for i, item in enumerate(items)
        ]

        async def one(branch: Scope) -> Any:
            async with limit:
                for inner in step.steps:
                    await self._run_step(index, inner, branch)
            return branch.value(last)

        return await self._join(place, scope, branches, [one(b) for _, b in branches])

    async def _parallel(self, index: int, step: Step, scope: Scope) -> dict[str, Any]:
        """Each of the group's steps at the same time, each on its own changeset."""
        place = scope.place(step.id)
        branches = [(f"{place}/{inner.id}", self._fork(scope, f"{place}/")) for inner in step.steps]

        async def one(inner: Step, branch: Scope) -> Any:
            await self._run_step(index, inner, branch)
            for nested in inner.walk():  # what the branch's steps answered is seen after
                if nested.id in branch.outputs:
                    scope.keep(nested.id, branch.outputs[nested.id], branch.data.get(nested.id))
            return branch.value(inner.id)

        runs = [one(inner, b) for inner, (_, b) in zip(step.steps, branches, strict=True)]
        values = await self._join(place, scope, branches, runs)
        return {inner.id: value for inner, value in zip(step.steps, values, strict=True)}

    def _fork(self, scope: Scope, prefix: str, names: Mapping[str, Any] | None = None) -> Scope:
        changeset, context = self._workspace_of(scope)
        return scope.child(prefix, Branch.fork_from(changeset, context), names)

    def _workspace_of(self, scope: Scope) -> tuple[Changeset, ToolContext]:
        if scope.branch is not None:
            return scope.branch.changeset, scope.branch.tool_context
        return self.changeset, self.tool_context

    async def _join(
        self,
        place: str,
        scope: Scope,
        branches: list[tuple[str, Scope]],
        runs: Sequence[Awaitable[Any]],
    ) -> list[Any]:
        """Run the branches concurrently; whatever happens, join their edits into the
        scope's changeset (a conflict is said, and stops an unattended run); review
        once if a step of theirs had a review gate."""
        try:
            async with asyncio.TaskGroup() as group:
                tasks = [group.create_task(_awaited(run)) for run in runs]
        except BaseExceptionGroup as failed:
            first = next(
                (e for e in failed.exceptions if not isinstance(e, asyncio.CancelledError)),
                failed.exceptions[0],
            )
            raise first from None
        finally:
            conflicts = self._join_edits(scope, branches)
        costs = ", ".join(f"{label} ${self._spent(label):.4f}" for label, _ in branches)
        if branches:
            self.emit(
                Notice(
                    run_id=self.run_id, level="info", message=f"{place}: cost per branch: {costs}"
                )
            )
        if conflicts and self.ctx.unattended:
            raise StepFailed(
                f"step '{place}': {'; '.join(conflicts)}; nothing was written (the proposal is "
                "kept in the journal for review)"
            )
        wanted = [b.branch.review for _, b in branches if b.branch is not None and b.branch.review]
        if wanted:
            if scope.branch is None:
                review = Step(id=f"{place}/{wanted[0]}", agent=self.ctx.command.steps[0].agent)
                await self._review(review)
            else:
                scope.branch.review = scope.branch.review or wanted[0]
        return [task.result() for task in tasks]

    def _join_edits(self, scope: Scope, branches: list[tuple[str, Scope]]) -> list[str]:
        changeset, _ = self._workspace_of(scope)
        joined = [(label, b.branch.changeset) for label, b in branches if b.branch is not None]
        fork = branches[0][1].branch.fork if branches and branches[0][1].branch else {}
        conflicts = [c.describe() for c in join_branches(changeset, fork, joined)]
        for message in conflicts:
            self.emit(Notice(run_id=self.run_id, level="warning", message=message))
        if scope.branch is None and joined:
            self._save_pending()
        return conflicts

    def _say_resumed(self) -> None:
        reused = ", ".join([*self.ctx.reused, *self.ctx.reused_inner]) or "none"
        self.emit(
            Notice(
                run_id=self.run_id,
                level="info",
                message=f"resumes run {self.ctx.resumes}: outputs of step(s) {reused} "
                "taken from its journal"
                + ("; pending changes carried over" if self._pending_files() else ""),
            )
        )

    def _reuse_inner(self, step: Step, scope: Scope, place: str, reused: ReusedStep) -> str:
        """A step inside a group, as the earlier run's journal has it (its gates passed
        there; what it proposed was decided there)."""
        scope.keep(step.id, reused.output, reused.data)
        self.emit(
            StepFinished(
                run_id=self.run_id,
                step_id=place,
                output=reused.output,
                turns=0,
                data=reused.data,
                reused_from=reused.run_id,
            )
        )
        return reused.output

    async def _resume_step(self, index: int, step: Step, reused: ReusedStep) -> str:
        """A top-level step resumed from an earlier run: its outputs as that run's journal
        has them (a group's whole); a gate it stopped at is opened again on them."""
        self.scope.keep(step.id, reused.output, reused.data)
        self.emit(
            StepFinished(
                run_id=self.run_id,
                step_id=step.id,
                output=reused.output,
                turns=0,
                data=reused.data,
                reused_from=reused.run_id,
            )
        )
        output = reused.output
        if reused.at_gate:
            given = StepOutcome(output=reused.output, turns=0, data=reused.data)
            outcome = await self._step(index, step, self.scope, reused=given)
            self.scope.keep(step.id, outcome.output, outcome.data)
            output = outcome.output
        if step.gate == "review":
            await self._review(step)
        return output

    async def _step(
        self, index: int, step: Step, scope: Scope, *, reused: StepOutcome | None = None
    ) -> StepOutcome:
        """Run the step, and its approve gate until approved; `reused`: an output from
        an earlier run, taken to the gate instead of asking the model first."""
        feedback: str | None = None
        previous: str | None = None
        attempt = 1
        while True:
            if reused is not None:
                outcome, reused = reused, None
            else:
                outcome = await self._run_agent(index, step, scope, attempt, feedback, previous)
            if step.gate != "approve":
                return outcome
            placed = step.model_copy(update={"id": scope.place(step.id)})
            decision, approved = await self._approve(placed, outcome)
            if decision.decision == "approve":
                return approved
            if decision.decision == "stop":
                raise RunStopped(f"stopped at the approve gate of step '{placed.id}'")
            feedback, previous, attempt = decision.feedback or "", outcome.output, attempt + 1

    async def _run_agent(
        self,
        index: int,
        own: Step,
        scope: Scope,
        attempt: int,
        feedback: str | None,
        previous: str | None,
        stop_rounds: int = 0,
    ) -> StepOutcome:
        ctx = self.ctx
        agent = ctx.workspace.agents[own.agent]
        step = own.model_copy(update={"id": scope.place(own.id)})
        self.emit(
            StepStarted(
                run_id=self.run_id,
                step_id=step.id,
                agent=agent.name,
                index=index,
                total=len(ctx.command.steps),
                attempt=attempt,
                model=self._model_of(agent),
            )
        )
        values = scope.template_values(ctx.values, step.prompt)
        values["feedback"] = feedback or ""
        if ctx.command.mcp_prompt is not None:
            step = await self._mcp_step(step)
        instructions = step_instructions(
            ctx.command,
            step,
            values,
            ctx.argument_list,
            feedback=feedback,
            previous_output=previous,
        )
        if ctx.command.claude:
            instructions = await self._expand_claude_prompt(step, instructions)
        if ctx.pool is not None:
            instructions = await self._attach_resources(instructions)
        if stop_rounds:
            assert feedback is not None
            instructions += (
                f"\n\nYour previous answer was:\n\n{previous}\n\nA Stop hook of this "
                f"repository did not let you stop yet:\n\n{feedback}\n\nContinue accordingly."
            )
        if self.decided:  # facts of earlier reviews, so no step claims a rejected change
            instructions += "\n\n" + self._review_note()
        contract = None if step.output is None else OutputContract(step.id, step.output)
        if contract is not None:
            instructions += "\n\n" + contract.instructions()
        instructions = await self._prompt_hooks(step, agent, instructions, first=index == 0)
        _, context = self._workspace_of(scope)
        outcome = await self._agent_loop(
            step,
            agent,
            instructions,
            lambda args: self._delegate(index, step, args, context),
            context,
            contract,
        )
        self.emit(
            StepFinished(
                run_id=self.run_id,
                step_id=step.id,
                output=outcome.output,
                turns=outcome.turns,
                data=outcome.data,
                cost_usd=round(self._spent(step.id), 6),  # its sub-agents' too
            )
        )
        if self.hooks is not None and self.hooks.has("Stop") and stop_rounds < MAX_STOP_ROUNDS:
            payload = {
                "stop_hook_active": stop_rounds > 0,
                "last_assistant_message": outcome.output,
            }
            stop = await self.hooks.run("Stop", step.id, payload, mode=self._hook_mode(agent))
            if stop.stop_run:
                raise RunStopped(stop.stop_run)
            if stop.blocked:
                return await self._run_agent(
                    index, own, scope, attempt, stop.reason, outcome.output, stop_rounds + 1
                )
        return outcome

    async def _agent_loop(
        self,
        step: Step,
        agent: Agent,
        instructions: str,
        delegate: Callable[[TaskArgs], Awaitable[str]] | None,
        context: ToolContext | None = None,
        contract: OutputContract | None = None,
    ) -> StepOutcome:
        """One agent's tool loop on `instructions`, with its own tools and policy, on the
        run's workspace or a branch's (`context`)."""
        ctx = self.ctx
        in_branch = context is not None and context is not self.tool_context
        toolbox = Toolbox(
            run_id=self.run_id,
            step_id=step.id,
            agent=agent.name,
            patterns=agent.tools,
            excluded=agent.excluded_tools,
            skills=ctx.workspace.skills,
            policy=self._agent_policy(agent),
            context=context or self.tool_context,
            frontend=ctx.frontend,
            emit=self.emit,
            unattended=ctx.unattended,
            plan=ctx.plan,
            pool=ctx.pool,
            on_edit=None if in_branch else self._save_pending,
            artifacts=self.artifacts,
            save_file=ctx.journal.save_file,
            hooks=self.hooks,
            bypass=agent.permission_mode == "bypassPermissions"
            and ctx.workspace.claude_settings.bypass_allowed,
            hook_mode=self._hook_mode(agent),
            agents=ctx.workspace.agents,
            delegate=delegate,
            on_disk_change=functools.partial(self._changed_outside_review, step.id),
            disk_root=ctx.workspace.root,
        )
        await toolbox.load()
        model = self._model_of(agent)
        self._warn_if_retiring(model)
        settings = ctx.workspace.config.model
        return await run_step(
            StepSettings(
                run_id=self.run_id,
                step_id=step.id,
                model=model,
                max_turns=agent.max_turns,
                max_output_tokens=settings.max_output_tokens,
                budget_tokens=settings.context_budget_tokens,
                max_tool_result_tokens=settings.max_tool_result_tokens,
                on_max_turns=step.on_max_turns,
                output=contract,
            ),
            ctx.client,
            agent,
            system_chunks(ctx.workspace.context.text, self._with_skills(agent)),
            instructions,
            toolbox,
            self.emit,
            lambda turn: self._account(step, agent.name, turn),
        )

    async def _delegate(
        self, index: int, parent: Step, args: TaskArgs, context: ToolContext | None = None
    ) -> str:
        """The `task` tool: a sub-agent on a fresh context, its events nested under the
        parent step, its edits in the run's changeset; SubagentStop hooks may send it
        back to work."""
        self._tasks += 1
        agent = self.ctx.workspace.agents[args.subagent_type]
        step = Step(id=f"{parent.id}/task-{self._tasks}", agent=agent.name, prompt=args.prompt)
        self.emit(
            StepStarted(
                run_id=self.run_id,
                step_id=step.id,
                agent=agent.name,
                index=index,
                total=len(self.ctx.command.steps),
                parent_step=parent.id,
                model=self._model_of(agent),
            )
        )
        instructions = args.prompt
        for rounds in range(MAX_STOP_ROUNDS + 1):
            outcome = await self._agent_loop(step, agent, instructions, None, context)
            if (
                self.hooks is None
                or not self.hooks.has("SubagentStop")
                or rounds == MAX_STOP_ROUNDS
            ):
                break
            payload = {
                "stop_hook_active": rounds > 0,
                "agent_type": agent.name,
                "last_assistant_message": outcome.output,
            }
            stop = await self.hooks.run(
                "SubagentStop", step.id, payload, mode=self._hook_mode(agent)
            )
            if stop.stop_run:
                raise RunStopped(stop.stop_run)
            if not stop.blocked:
                break
            instructions = (
                f"{args.prompt}\n\nYour previous answer was:\n\n{outcome.output}\n\n"
                f"A SubagentStop hook did not let you stop yet:\n\n{stop.reason}"
            )
        self.emit(
            StepFinished(
                run_id=self.run_id, step_id=step.id, output=outcome.output, turns=outcome.turns
            )
        )
        return outcome.output or "(the agent gave no answer)"

    def _hook_mode(self, agent: Agent) -> HookPermissionMode:
        """Claude Code's `permission_mode` for hooks during `agent`'s turns: a plan-mode
        run's `plan` wins; else the agent's own `permissionMode` as it is in force
        (`bypassPermissions` only where the person's settings allow it; `dontAsk`,
        not supported, runs under the normal policy), else the settings'
        `permissions.defaultMode`."""
        if self.ctx.plan:
            return "plan"
        mode = agent.permission_mode
        settings = self.ctx.workspace.claude_settings
        if mode == "bypassPermissions" and settings.bypass_allowed:
            return mode
        return mode if mode in ("plan", "acceptEdits") else settings.default_mode

    async def _prompt_hooks(
        self, step: Step, agent: Agent, instructions: str, *, first: bool
    ) -> str:
        """SessionStart's context (first step) and UserPromptSubmit, which may add
        context or block the prompt, stopping the run with its reason."""
        extra = list(self.session_context) if first else []
        if self.hooks is not None and self.hooks.has("UserPromptSubmit"):
            submitted = await self.hooks.run(
                "UserPromptSubmit", step.id, {"prompt": instructions}, mode=self._hook_mode(agent)
            )
            if submitted.stop_run:
                raise RunStopped(submitted.stop_run)
            if submitted.blocked:
                raise RunStopped(f"a UserPromptSubmit hook blocked the prompt: {submitted.reason}")
            extra += submitted.context
        return "\n\n".join([instructions, *extra])

    def _with_skills(self, agent: Agent) -> Agent:
        """Claude Code's `skills` field: those skills' bodies are in the agent's prompt
        from the start (the others load on demand through the `skill` tool)."""
        if not agent.skills:
            return agent
        skills = self.ctx.workspace.skills
        bodies = [
            f"# Skill: {name}\n\n{skills[name].body}" for name in agent.skills if name in skills
        ]
        missing = [name for name in agent.skills if name not in skills]
        if missing:
            self.emit(
                Notice(
                    run_id=self.run_id,
                    level="warning",
                    message=f"agent '{agent.name}' preloads unknown skill(s): {', '.join(missing)}",
                )
            )
        prompt = "\n\n".join([agent.prompt, *bodies])
        return agent.model_copy(update={"prompt": prompt})

    def _agent_policy(self, agent: Agent) -> Policy:
        """The run's policy plus the agent's own deny rules (`disallowedTools`, `plan`)."""
        policy = self.ctx.policy
        if (
            agent.permission_mode == "bypassPermissions"
            and not self.ctx.workspace.claude_settings.bypass_allowed
        ):
            self.emit(
                Notice(
                    run_id=self.run_id,
                    level="warning",
                    message=f"agent '{agent.name}' asks for permissionMode bypassPermissions; "
                    "refused: it runs under the normal permission policy (your own "
                    "~/.claude/settings.json may allow it with permissions.defaultMode)",
                )
            )
        if not agent.deny:
            return policy
        own = Policy.from_strings(deny=agent.deny, workspace=policy.workspace)
        return replace(policy, deny=(*policy.deny, *own.deny))

    async def _expand_claude_prompt(self, step: Step, text: str) -> str:
        """`` !`cmd` `` and `@file` in a Claude Code command (see `command_prompt`)."""
        workspace = self.ctx.workspace
        policy = bash_policy(
            self.ctx.command.allowed_tools,
            [rule.text for rule in self.ctx.policy.deny],
            str(workspace.root),
            self.ctx.policy.protected,
            allow=[*workspace.config.permissions.allow, *workspace.claude_settings.allow],
        )

        async def shell(line: str) -> tuple[str, bool]:
            # A line writes without review like any shell command: watched the same way.
            root = self.ctx.workspace.root
            named = shell_effects(line, str(root), lambda _: False).writes
            before = await asyncio.to_thread(take, root, named)
            result = await BUILTIN_TOOLS["run_shell"].run({"command": line}, self.tool_context)
            found = await asyncio.to_thread(changed, root, before)
            if found:
                self._changed_outside_review(step.id, f"the command's line `{line}`", found)
            if result.is_error:
                return result.text, True
            # Claude Code inlines the output alone; a failure keeps run_shell's status line.
            return result.text.removesuffix("[exit code 0]").rstrip("\n"), False

        def read(target: str) -> str | None:
            if target.startswith(("~", "/")):
                raise ValueError("it is outside the workspace")
            try:
                relative = self.view.resolve(target)
            except ToolError as error:
                raise ValueError(str(error)) from None
            try:
                snapshot = self.view.read(relative)
            except ToolError:
                return None  # a folder or a binary file: left as written
            return None if snapshot is None else snapshot.text

        return await expand_command_prompt(
            text,
            run_id=self.run_id,
            step_id=step.id,
            policy=policy,
            shell=shell,
            read=read,
            emit=self.emit,
            plan=self.ctx.plan,
        )

    def _model_of(self, agent: Agent) -> str:
        """The model `agent` calls in this run: its own `model`, else the command's, else
        the configuration's."""
        ctx = self.ctx
        return agent.model or ctx.command.model or ctx.workspace.config.model.name

    def _command_models(self) -> list[str]:
        """The models the command's agent steps call, in step order, each once."""
        agents = self.ctx.workspace.agents
        models = [
            self._model_of(agents[inner.agent])
            for step in self.ctx.command.steps
            for inner in step.walk()
            if inner.kind == "agent" and inner.agent in agents
        ]
        return list(dict.fromkeys(models))

    def _warn_if_retiring(self, model: str) -> None:
        """Say so when a model in use is deprecated: past its end-of-life day every
        call to it fails."""
        if model in self.ctx.warned_models:
            return
        self.ctx.warned_models.add(model)
        day = end_of_life(model)
        if day is not None:
            self.emit(
                Notice(
                    run_id=self.run_id,
                    level="warning",
                    message=f"{retiring(model, day)}; name a newer one (`[model] name` in "
                    ".orchestra/config.toml, or the agent's `model`)",
                )
            )

    async def _attach_resources(self, instructions: str) -> str:
        """Attach the MCP resources the prompt mentions as `@server:uri` (journaled)."""
        from orchestra_lsp.mcp.attachments import attach, mentions

        assert self.ctx.pool is not None
        servers = self.ctx.workspace.mcp_servers
        if not mentions(instructions, servers):
            return instructions
        text, attached = await attach(instructions, self.ctx.pool, servers)
        for item in attached:
            what = f"@{item.server}:{item.uri}"
            self.emit(
                Notice(
                    run_id=self.run_id,
                    level="warning" if item.error else "info",
                    message=f"MCP resource {what} could not be attached: {item.error}"
                    if item.error
                    else f"MCP resource {what} attached to the prompt ({item.chars:,} characters)",
                )
            )
        return text

    async def _mcp_step(self, step: Step) -> Step:
        """The step of an MCP prompt command: the server renders the prompt text."""
        from orchestra_lsp.mcp import McpFailure

        assert self.ctx.command.mcp_prompt is not None and self.ctx.pool is not None
        server, prompt = self.ctx.command.mcp_prompt
        # An optional argument left empty is not sent, so the server's default applies.
        given = {a.name: self.ctx.values.get(a.name, "") for a in self.ctx.command.arguments}
        arguments = {name: value for name, value in given.items() if value}
        try:
            text = await self.ctx.pool.get_prompt(server, prompt, arguments)
        except McpFailure as error:
            message = f"MCP server '{server}' could not give prompt '{prompt}': {error}"
            raise RunStopped(message) from None
        return step.model_copy(update={"prompt": text})

    async def _approve(
        self, step: Step, outcome: StepOutcome
    ) -> tuple[ApprovalDecision, StepOutcome]:
        """The step's approve gate; with `approve`, the outcome the next steps see: the
        model's, or the person's edit of it (checked against the step's `output`)."""
        contract = None if step.output is None else OutputContract(step.id, step.output)
        plain = contract is None or contract.schema.get("type") == "string"
        request = ApprovalRequest(
            run_id=self.run_id,
            step_id=step.id,
            agent=step.agent,
            output=outcome.output,
            editable=True,
            format="text" if plain else "json",
            output_schema=step.output,
        )
        edit = _EditCheck(outcome, contract)
        decision = await self._gate(request, unattended="approve", edit=edit)
        return decision, edit.approved or outcome

    async def _gate(
        self,
        request: ApprovalRequest,
        *,
        unattended: Literal["approve", "stop"],
        edit: _EditCheck | None = None,
    ) -> ApprovalDecision:
        """An approve or budget gate: a person decides, or the policy when unattended.
        An edited output that `edit` does not take is said, and the gate asked again on
        the person's text, so no edit is lost."""
        gate = request.gate
        async with self._gate_lock:
            while True:
                self.emit(GateOpened(run_id=self.run_id, step_id=request.step_id, gate=gate))
                preset = self._preset(request.step_id, gate)
                by: Literal["person", "automation", "preset"]
                if preset is not None:
                    answer: Literal["approve", "stop"] = (
                        "approve" if preset.answer == "approve" else "stop"
                    )
                    decision = ApprovalDecision(decision=answer)
                    by = "preset"
                elif self.ctx.unattended:
                    decision = ApprovalDecision(decision=unattended)
                    by = "automation"
                else:
                    decision = await self.ctx.frontend.approve(request)
                    by = "person"
                if edit is None or decision.decision != "approve" or decision.edited is None:
                    break
                problem = edit.take(decision.edited)
                if problem is None:
                    break
                self.emit(
                    Notice(
                        run_id=self.run_id,
                        level="warning",
                        message=f"step '{request.step_id}': the edited output was not taken "
                        f"({problem}); the gate is open again on your text",
                    )
                )
                request = request.model_copy(update={"output": decision.edited, "problem": problem})
        approved = edit.approved if edit is not None and decision.decision == "approve" else None
        self.emit(
            GateDecided(
                run_id=self.run_id,
                step_id=request.step_id,
                gate=gate,
                decision=decision.decision,
                feedback=decision.feedback,
                by=by,
                preset=None if preset is None else preset.given,
                edited=approved is not None,
                output=None if approved is None else approved.output,
                data=None if approved is None else approved.data,
            )
        )
        return decision

    def _preset(self, step_id: str, gate: str) -> GateAnswer | None:
        """The answer given in advance for this gate of this step, if any."""
        # A step inside a group is placed (`build#2/implement`): its own id answers too.
        answer = self.ctx.gate_answers.get(step_id) or self.ctx.gate_answers.get(
            step_id.rsplit("/", 1)[-1]
        )
        return answer if answer is not None and answer.gate == gate else None

    # -- usage and the cost cap ------------------------------------------------------

    async def _account(self, step: Step, agent: str, turn: ModelTurn) -> None:
        ctx = self.ctx
        ctx.cost_usd += turn.cost_usd
        self.step_costs[step.id] = self.step_costs.get(step.id, 0.0) + turn.cost_usd
        usage = turn.usage
        self.emit(
            UsageReported(
                run_id=self.run_id,
                step_id=step.id,
                agent=agent,
                model=turn.model,
                input_tokens=usage.input_tokens,
                output_tokens=usage.output_tokens,
                cache_read_tokens=usage.cache_read_tokens,
                cache_write_tokens=usage.cache_write_tokens,
                cost_usd=turn.cost_usd,
                run_cost_usd=round(ctx.cost_usd, 6),
            )
        )
        if ctx.cost_cap is None or ctx.cost_usd <= ctx.cost_cap:
            return
        message = (
            f"the run has cost ${ctx.cost_usd:.4f}, past its cap of ${ctx.cost_cap:.2f} "
            "(max_cost_usd in .orchestra/config.toml)"
        )
        decision = await self._gate(
            ApprovalRequest(
                run_id=self.run_id,
                step_id=step.id,
                agent=agent,
                output="",
                gate="budget",
                message=message + "; continue?",
            ),
            unattended="stop",
        )
        if decision.decision != "approve":
            raise RunStopped(f"stopped: {message}")
        ctx.cost_cap = ctx.cost_usd * 2  # ask again if it doubles

    # -- review ------------------------------------------------------------------------

    def _pending_files(self) -> list[str]:
        return [
            path
            for path, change in self.changeset.files.items()
            if change.kind != "unchanged"
            and not (path in self.reviewed and self.reviewed[path] == change.proposed_text)
        ]

    async def _review(self, step: Step, *, recovery: bool = False) -> None:
        paths = self._pending_files()
        if not paths:
            return
        changes = [self.changeset.files[path] for path in paths]
        if self.carried_from is None:
            self.ctx.journal.write_changeset(self.changeset.model_dump(mode="json"))
        if recovery:
            changes = await asyncio.to_thread(self._outside_review, step.id, changes)
            if not changes:
                self.ctx.journal.clear_changeset()
                return
        files = [
            FileReview(
                path=change.path,
                base_text=change.base_text,
                proposed_text=change.proposed_text,
                base_version=change.base_version,
                hunks=change.hunks(),
            )
            for change in changes
        ]
        self.emit(GateOpened(run_id=self.run_id, step_id=step.id, gate="review"))
        self.emit(
            ProposalReady(
                run_id=self.run_id,
                step_id=step.id,
                files=[
                    FileProposal(path=f.path, kind=c.kind, hunks=len(f.hunks))
                    for f, c in zip(files, changes, strict=True)
                ],
            )
        )
        preset = self._preset(step.id, "review")
        if preset is not None:
            every = preset.answer == "accept-all"
            decision = ReviewDecision(
                files=[
                    FileDecision(path=f.path, accepted=[h.id for h in f.hunks] if every else [])
                    for f in files
                ]
            )
        else:
            request = ReviewRequest(
                run_id=self.run_id,
                step_id=step.id,
                agent=step.agent,
                files=files,
                auto_accept=self.ctx.unattended or self.ctx.plan,
                plan=self.ctx.plan,
            )
            decision = await self.ctx.frontend.review(request, self.changeset)
            if self.ctx.plan:  # shown only: every hunk is kept, none written
                kept = [FileDecision(path=f.path, accepted=[h.id for h in f.hunks]) for f in files]
                decision = ReviewDecision(files=kept)
        if decision.stop is not None:
            raise RunStopped(decision.stop)
        await self._settle(step, files, decision, preset)

    def _outside_review(self, step_id: str, changes: list[FileChange]) -> list[FileChange]:
        """At the review of a run's kept proposal: hunks already on disk landed without
        a decision recorded here. Another run whose landing left them there: `unchanged`,
        already applied by that run (nobody accepted anything here, nothing is written,
        and an undo of this run will not take them back). Otherwise, for an interrupted
        run (its process may have landed them before it died) `applied_outside_review`;
        for one that never reached its landing, `unchanged`, found in the file. Offers
        only the rest."""
        root = self.ctx.workspace.root
        origin = self.carried_from
        try:
            died = origin is not None and load_run(root, origin).summary.state == "interrupted"
        except RunNotFoundError:
            died = False
        offered: list[FileChange] = []
        for change in changes:
            try:
                now = (root / change.path).read_text(encoding="utf-8")
            except FileNotFoundError:
                now = None
            except (OSError, UnicodeDecodeError):
                offered.append(change)
                continue
            landing = read_back(change, None, now, saved=True)
            if not landing.landed:
                offered.append(change)
                continue
            who = landed_by(root, change, landing.landed, besides={self.run_id})
            if who is not None or not died:
                found = (
                    f"already applied by run {who}"
                    if who is not None
                    else "already in the file, put there outside this run's review"
                )
                self._record(
                    step_id,
                    _plain(change, "unchanged", [], f"{found}; nothing written"),
                    [],
                    change,
                )
            else:
                self._record(
                    step_id,
                    landing.model_copy(
                        update={
                            "outcome": "applied_outside_review",
                            "detail": "found on disk when the interrupted run was reviewed again",
                        }
                    ),
                    [h.id for h in change.hunks()],
                    change,
                )
            rest = [h.id for h in change.hunks() if h.id not in landing.landed]
            if rest and change.base_text is not None and change.proposed_text is not None:
                offered.append(change)
            else:
                self.changeset.files.pop(change.path, None)
        return offered

    async def _settle(
        self,
        step: Step,
        files: list[FileReview],
        decision: ReviewDecision,
        preset: GateAnswer | None = None,
    ) -> None:
        """Land each file's decision, journal its outcome, and carry on from there."""
        by_path = {d.path: d for d in decision.files}
        remaining = Changeset()
        any_accepted = False
        for review in files:
            change = self.changeset.files[review.path]
            landing = await self._land(change, by_path.get(review.path))
            any_accepted = any_accepted or bool(landing.accepted)
            self._record(step.id, landing, [h.id for h in review.hunks], change)
            if landing.outcome == "pending":
                # Not on disk yet: later steps still see what was accepted.
                kept = _accepted_text(review, landing.accepted)
                remaining.files[review.path] = change.model_copy(update={"proposed_text": kept})
                self.reviewed[review.path] = kept
        self.emit(
            GateDecided(
                run_id=self.run_id,
                step_id=step.id,
                gate="review",
                decision="approve" if any_accepted else "stop",
                by="preset"
                if preset is not None
                else "automation"
                if self.ctx.unattended
                else "person",
                preset=None if preset is None else preset.given,
            )
        )
        self.changeset.files = remaining.files
        if remaining.files:
            self.ctx.journal.write_changeset(self.changeset.model_dump(mode="json"))
        else:
            self.ctx.journal.clear_changeset()
        self.view.buffers = as_view_buffers(self.ctx.buffers())

    async def _land(self, change: FileChange, made: FileDecision | None) -> Landing:
        """The one place a decision becomes an outcome (ARCHITECTURE.md §landing)."""
        if made is None:
            return _plain(change, "rejected", [], "not decided")
        if made.refused is not None:
            return _plain(change, "conflict", [], made.refused)
        if made.editor is not None:
            return read_back(change, made.accepted, made.editor.text, saved=made.editor.saved)
        accepted = [h.id for h in change.hunks() if h.id in (made.accepted or [])]
        if not accepted:
            return _plain(change, "rejected", [], "no hunk accepted")
        # `pending` reads "pending (not written)" (LABELS): the detail says why alone.
        if self.ctx.plan:
            return _plain(change, "pending", accepted, "plan mode writes nothing")
        if self.ctx.unattended and not self.ctx.apply:
            return _plain(change, "pending", accepted, "pass --apply to write accepted changes")
        # Asked again as it lands: a folder on its path may have become a symbolic link
        # to a protected one since the edit was allowed (`ln -s .claude foo`).
        if self.ctx.unattended and (protected := self.ctx.policy.protection(change.path)):
            return _plain(
                change,
                "conflict",
                [],
                f"not written: it is protected now (`{protected[1]}`, through a symbolic link "
                "made after it was proposed?); a person must accept it",
            )
        return await asyncio.to_thread(land, self.ctx.workspace.root, change, accepted)

    def _record(self, step_id: str, landing: Landing, ids: list[str], change: FileChange) -> None:
        if landing.outcome in UNDOABLE and landing.landed:
            self._keep_landed(step_id, landing, change)
        event = ProposalDecided(
            run_id=self.run_id,
            step_id=step_id,
            path=landing.path,
            accepted=landing.accepted,
            rejected=[i for i in ids if i not in landing.accepted],
            landed=landing.landed,
            outcome=landing.outcome,
            detail=landing.detail,
        )
        self.decided.append(event)
        self.emit(event)

    def _changed_outside_review(self, step_id: str, by: str, changes: list[DiskChange]) -> None:
        """Files a shell command, an MCP tool or a hook changed on disk during the run,
        without review: journaled as `applied_outside_review` (with the texts, when the
        call named the file, so `orchestra undo` can take it back), and said aloud."""
        for found in changes:
            key = (found.path, found.after, found.gone)
            if key in self._outside_seen:  # parallel calls both saw it
                continue
            self._outside_seen.add(key)
            detail = f"{found.verb} on disk by {by}, outside review"
            self.emit(
                Notice(
                    run_id=self.run_id,
                    level="warning",
                    message=f"{found.path} was {detail}",
                )
            )
            change = found.file_change()
            ids = [h.id for h in change.hunks()] if change is not None else []
            if change is None:
                detail += (
                    "; the journal keeps no copy of it (not text, or too large)"
                    if found.known
                    else "; its earlier content was not kept (the call did not name it)"
                )
            landing = Landing(
                path=found.path,
                outcome="applied_outside_review",
                accepted=[],
                landed=ids,
                detail=detail,
            )
            if change is not None and ids:
                self._keep_landed(step_id, landing, change)
            event = ProposalDecided(
                run_id=self.run_id,
                step_id=step_id,
                path=found.path,
                accepted=[],
                rejected=[],
                landed=ids,
                outcome="applied_outside_review",
                detail=detail,
            )
            self.decided.append(event)
            self.emit(event)

    def _keep_landed(self, step_id: str, landing: Landing, change: FileChange) -> None:
        """Keep the texts behind what landed beside the events, so `orchestra undo` can
        take it back from the journal alone (engine/undo.py)."""
        self._landed_count += 1
        record = LandedChange(
            step_id=step_id, outcome=landing.outcome, landed=landing.landed, change=change
        )
        name = landed_record_name(self._landed_count)
        self.ctx.journal.save_file(name, record.model_dump_json().encode("utf-8"))

    def _what_landed(self) -> str:
        """The report's closing section: facts computed from the decisions, so that no
        report claims a change a person rejected."""
        if not self.decided:
            return ""
        lines = ["", "", "## What landed", ""]
        for d in self.decided:
            parts = [f"outcome `{d.outcome}`"]
            if d.accepted:
                parts.append(f"accepted {', '.join(d.accepted)}")
            if d.rejected:
                parts.append(f"rejected {', '.join(d.rejected)}")
            if d.detail:
                parts.append(d.detail)
            lines.append(f"- `{d.path}`: " + "; ".join(parts))
        return "\n".join(lines) + "\n"

    def _review_note(self) -> str:
        """What the next step's agent is told about earlier reviews."""
        lines = [
            "Decisions on the changes proposed so far (these are facts; do not claim "
            "a rejected or unapplied change was made):"
        ]
        for d in self.decided:
            hunks = f"accepted {', '.join(d.accepted) or 'nothing'}"
            if d.rejected:
                hunks += f", rejected {', '.join(d.rejected)}"
            lines.append(f"- {d.path}: {d.outcome} ({hunks})")
        return "\n".join(lines)


@dataclass
class _EditCheck:
    """What an approve gate takes from a person's edit of the step's output."""

    original: StepOutcome
    contract: OutputContract | None
    approved: StepOutcome | None = None
    """The edited outcome, once an edit was taken (None: approved as it was)."""

    def take(self, text: str) -> str | None:
        """Take `text` as the step's output; None when taken (or the same as the
        model's), else why not."""
        original = self.original
        if self.contract is None:
            # Editors end a saved file with a newline; the model's text may not.
            edited = text if original.output.endswith("\n") else text.rstrip("\n")
            self.approved = None if edited == original.output else replace(original, output=edited)
            return None
        value, problem = self.contract.read_edit(text)
        if problem is not None:
            return problem
        self.approved = (
            None if value == original.data else replace(original, output=as_text(value), data=value)
        )
        return None


def _plain(change: FileChange, outcome: Outcome, accepted: list[str], detail: str) -> Landing:
    return Landing(path=change.path, outcome=outcome, accepted=accepted, landed=[], detail=detail)


def _accepted_text(review: FileReview, accepted: list[str]) -> str | None:
    if review.base_text is None or review.proposed_text is None:
        return review.proposed_text  # a creation or deletion is one hunk: all of it
    return apply_hunks(review.base_text, review.hunks, set(accepted))


async def _awaited(run: Awaitable[Any]) -> Any:
    return await run
