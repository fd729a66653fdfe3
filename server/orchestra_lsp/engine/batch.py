"""A batch: one command run once per item of a list (`orchestra batch`).

The items come from a list (`ticket=SHOP-12,SHOP-14`), a file (`ticket=@tickets.txt`,
one a line) or an MCP tool call whose result lists them
(`mcp__tickets__search_tickets {"status": "Ready for QA"}`). Each item is a normal run
with its own journal, `parallel` at a time. A command that can propose edits runs each
item in a git worktree of its own (detached from HEAD), so items never see each other's
edits; what an item landed there is committed on a branch
`orchestra/batch-<batch>/<item>` for a person to review and merge, and the worktree is
removed. Journals always go to the repository's own `.orchestra/runs/`.

A batch keeps its manifest and summary in `.orchestra/runs/batches/<batch-id>/`
(`batch.json`: a :class:`BatchSummary`; `summary.md`). Shards of one plan
(`--shard K/N`, a deterministic slice: item i goes to shard i mod N + 1) each write
their own; :func:`merge_batches` reads any number of them, with the run folders beside
them, back into one summary (`orchestra batch-report`).
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, Field, ValidationError

from orchestra_lsp.changes import Changeset
from orchestra_lsp.engine.engine import Engine, RunHandle
from orchestra_lsp.engine.frontend import (
    ApprovalDecision,
    ApprovalRequest,
    FileDecision,
    FrontEnd,
    PermissionRequest,
    Question,
    ReviewDecision,
    ReviewRequest,
)
from orchestra_lsp.engine.gate_answers import GateAnswer, check_gate_answers
from orchestra_lsp.engine.request import RunRequest, RunRequestError, resolve_arguments
from orchestra_lsp.journal import RunNotFoundError, load_run_folder, new_run_id
from orchestra_lsp.journal.files import atomic_write_json
from orchestra_lsp.journal.models import RUNS_FOLDER, said
from orchestra_lsp.llm import ModelClient
from orchestra_lsp.mcp.scope import split_tool_name, tool_allowed
from orchestra_lsp.workspace import Command, Workspace
from orchestra_lsp.workspace.files import MAX_FILE_BYTES, FileProblem, read_raw

BATCHES = "batches"
MANIFEST = "batch.json"
SUMMARY = "summary.md"

ItemState = Literal["finished", "failed", "cancelled", "interrupted", "running", "not run"]
ITEM_STATES: tuple[ItemState, ...] = get_args(ItemState)


class BatchError(RunRequestError):
    """The batch cannot start (no items, a bad item source, a bad shard): one line."""


class BatchItem(BaseModel):
    name: str
    """The value that varies, as the summary names the item (`SHOP-12`)."""
    arguments: dict[str, str]
    """The command's arguments for this item (the varying one and the fixed ones)."""


class BatchPlan(BaseModel):
    """What `orchestra batch … --plan --json` prints: the items, in order."""

    command: str
    argument: str
    """The argument each item sets."""
    items: list[BatchItem]

    def shard(self, index: int, count: int) -> list[BatchItem]:
        """Shard `index` (1-based) of `count`: items i with i mod count == index - 1."""
        return [item for i, item in enumerate(self.items) if i % count == index - 1]


class ItemResult(BaseModel):
    """One item's outcome, read from its run's journal."""

    item: str
    arguments: dict[str, str]
    state: ItemState = "not run"
    run_id: str | None = None
    error: str | None = None
    """Why it failed or stopped (or could not start)."""
    cost_usd: float = 0.0
    verdicts: dict[str, Any] = Field(default_factory=dict)
    """`verdict` fields of the run's structured outputs, by top-level step id."""
    report: str | None = None
    """The run's report (report.md), relative to the runs folder."""
    branch: str | None = None
    """Where the item's landed edits were committed (isolated items only)."""


class BatchSummary(BaseModel):
    """`batch.json`, `--json` and the source of `summary.md`."""

    batch_id: str
    command: str
    argument: str
    shard: str | None = None
    """`K/N` when this is one shard of a plan (None: the whole plan, or a merge)."""
    plan: list[str] = Field(default_factory=list)
    """Every item of the plan, in order (a shard runs only its slice of it)."""
    items: list[ItemResult] = Field(default_factory=list)
    started_at: datetime
    finished_at: datetime | None = None
    sources: list[str] = Field(default_factory=list)
    """For a merge: the manifests it read."""

    @property
    def ok(self) -> bool:
        return bool(self.items) and all(item.state == "finished" for item in self.items)

    @property
    def cost_usd(self) -> float:
        return round(sum(item.cost_usd for item in self.items), 6)

    def progress(self) -> str:
        """Its items by state, `2 finished, 1 failed`; `running` or `unfinished` first
        while the batch has no end (unfinished: no item runs, its process is gone)."""
        states: dict[str, int] = {}
        for item in self.items:
            states[item.state] = states.get(item.state, 0) + 1
        order = [s for s in ITEM_STATES if s in states]
        counts = ", ".join(f"{states[s]} {said(s)}" for s in order) or "no items"
        if self.finished_at is not None:
            return counts
        return ("running" if "running" in states else "unfinished") + f": {counts}"

    def markdown(self) -> str:
        """The summary as a Markdown report."""
        states: dict[str, int] = {}
        for item in self.items:
            states[item.state] = states.get(item.state, 0) + 1
        counts = ", ".join(f"{n} {said(state)}" for state, n in sorted(states.items()))
        lines = [
            f"# Batch `{self.command}` over {self.argument}",
            "",
            f"- batch: {self.batch_id}" + (f" (shard {self.shard})" if self.shard else ""),
            f"- items: {len(self.items)} ({counts or 'none'})",
            f"- cost: ${self.cost_usd:.4f}",
            "",
            "| item | state | verdicts | cost | report |",
            "| --- | --- | --- | --- | --- |",
        ]
        for item in self.items:
            state = said(item.state) + (f": {item.error}" if item.error else "")
            lines.append(
                "| "
                + " | ".join(
                    _cell(text)
                    for text in (
                        item.item,
                        state,
                        format_verdicts(item.verdicts),
                        f"${item.cost_usd:.4f}",
                        item.report or "",
                    )
                )
                + " |"
            )
        return "\n".join(lines) + "\n"


def format_verdicts(verdicts: dict[str, Any]) -> str:
    """`review: approve; check: pass, fail` (a for_each's verdicts are listed in order)."""
    parts = []
    for step, verdict in verdicts.items():
        shown = ", ".join(map(str, verdict)) if isinstance(verdict, list) else str(verdict)
        parts.append(f"{step}: {shown}")
    return "; ".join(parts)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


# -- items ---------------------------------------------------------------------------


def varying_argument(command: Command, name: str | None) -> str:
    """The argument the items set: `name` when given, else the command's only argument,
    else its only required one. Raises BatchError otherwise."""
    names = [a.name for a in command.arguments]
    if name is not None:
        if name not in names:
            raise BatchError(
                f"command '{command.name}' has no argument '{name}' "
                f"(arguments: {', '.join(names) or 'none'})"
            )
        return name
    required = [a.name for a in command.arguments if a.required]
    for candidates in (names, required):
        if len(candidates) == 1:
            return candidates[0]
    raise BatchError(
        f"say which argument of '{command.name}' the items set, as NAME=... "
        f"(arguments: {', '.join(names) or 'none'})"
    )


def values_of(spec: str, base: Path) -> tuple[str, list[str]]:
    """`NAME=a,b,c` or `NAME=@FILE` (one value a line, `#` comments; FILE relative to
    `base`): the name and the values. Raises BatchError."""
    name, equals, rest = spec.partition("=")
    if not equals or not name.strip():
        raise BatchError(f"--each '{spec}' is not NAME=VALUE,VALUE… or NAME=@FILE")
    if rest.startswith("@"):
        text = _items_file(f"--each {name}=@{rest[1:]}", base / rest[1:])
        values = [line.split("#", 1)[0].strip() for line in text.splitlines()]
    else:
        values = [value.strip() for value in rest.split(",")]
    return name.strip(), values


def _items_file(option: str, path: Path) -> str:
    """The text of an items file, read as the loader reads its own (a regular file, opened
    non-blocking, at most `MAX_FILE_BYTES`): a FIFO, a device such as /dev/zero or a
    huge file is refused rather than waited on or read into memory. Raises BatchError
    naming `option`, the file and, for text that is not UTF-8, the line."""
    try:
        data = read_raw(path, MAX_FILE_BYTES)
    except FileProblem as problem:
        raise BatchError(f"{option}: cannot read {path}: {problem}") from None
    if data is None:
        raise BatchError(f"{option}: cannot read {path}: there is no such file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise BatchError(
            f"{option}: {path}, line {line}: not UTF-8 text (byte {error.start} is "
            f"0x{data[error.start]:02x}); one item a line, as UTF-8"
        ) from None


def parse_tool_call(spec: str) -> tuple[str | None, str, dict[str, Any]]:
    """`[NAME=]mcp__server__tool [JSON arguments]`: the argument name (if given), the
    tool and its arguments. Raises BatchError."""
    text = spec.strip()
    name: str | None = None
    head = re.match(r"([A-Za-z_][\w\-]*)=(?=mcp__)", text)
    if head:
        name, text = head.group(1), text[head.end() :]
    tool, _, rest = text.partition(" ")
    if not re.fullmatch(r"mcp__[\w\-]+__[\w\-.]+", tool):
        raise BatchError(
            f"--each-from '{spec}' does not start with an MCP tool name "
            "(mcp__SERVER__TOOL, then its arguments as JSON)"
        )
    arguments: Any = {}
    if rest.strip():
        try:
            arguments = json.loads(rest)
        except json.JSONDecodeError as error:
            raise BatchError(
                f"--each-from: the arguments of {tool} are not JSON ({error.msg} at "
                f"column {error.colno}): {rest.strip()}"
            ) from None
    if not isinstance(arguments, dict):
        raise BatchError(f"--each-from: the arguments of {tool} must be a JSON object")
    return name, tool, arguments


#: Fields that name an item in a tool's result objects, tried in this order.
ITEM_FIELDS = ("key", "id", "name", "number", "title")


def items_in_result(text: str) -> list[str]:
    """The items a tool result lists. JSON: a list, or the one non-empty list inside an
    object (`{"tickets": [...], "unreadable": []}`); each entry a string or number, or
    an object named by its first field of ITEM_FIELDS. Other text: one item a line."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return [line.strip() for line in text.splitlines() if line.strip()]
    if isinstance(data, dict):
        lists = [value for value in data.values() if isinstance(value, list)]
        filled = [value for value in lists if value]
        if len(filled) > 1 or not lists:
            raise BatchError(
                "the tool's result is an object without exactly one list in it "
                f"(fields: {', '.join(data) or 'none'}); cannot tell which are the items"
            )
        data = filled[0] if filled else []
    if not isinstance(data, list):
        raise BatchError("the tool's result lists nothing (it is not a list)")
    items = []
    for entry in data:
        if isinstance(entry, str | int | float) and not isinstance(entry, bool):
            items.append(str(entry))
            continue
        named = (
            next((entry[f] for f in ITEM_FIELDS if isinstance(entry.get(f), str | int)), None)
            if isinstance(entry, dict)
            else None
        )
        if named is None:
            raise BatchError(
                f"an entry of the tool's result names no item (no {', '.join(ITEM_FIELDS)} "
                f"field): {json.dumps(entry)[:120]}"
            )
        items.append(str(named))
    return items


def make_plan(
    command: Command, name: str | None, values: Iterable[str], fixed: dict[str, str]
) -> BatchPlan:
    """The plan: one item per distinct non-empty value, in order, each with the fixed
    arguments; each item's arguments are checked now. Raises BatchError."""
    argument = varying_argument(command, name)
    if argument in fixed:
        raise BatchError(f"'{argument}' is set for every item and also varies; give it once")
    seen: dict[str, BatchItem] = {}
    for value in values:
        if value and value not in seen:
            arguments = {**fixed, argument: value}
            resolve_arguments(command, arguments)
            seen[value] = BatchItem(name=value, arguments=arguments)
    if not seen:
        raise BatchError("the batch has no items (the list is empty)")
    return BatchPlan(command=command.name, argument=argument, items=list(seen.values()))


async def tool_items(engine: Engine, tool: str, arguments: dict[str, Any]) -> list[str]:
    """Call `tool` through the workspace's MCP servers and read the items it lists."""
    pool = engine.pool()
    if pool is None:
        raise BatchError(f"--each-from {tool}: the workspace configures no MCP server")
    result = await pool.call(tool, arguments)
    if result.is_error:
        parsed = split_tool_name(tool)
        offered = await pool.tools_for([f"mcp__{parsed[0]}__*"]) if parsed else []
        names = ", ".join(t.name for t in offered)
        raise BatchError(
            f"--each-from {tool} failed: {result.text.strip()[:300]}"
            + (f" (the server's tools: {names})" if names else "")
        )
    return items_in_result(result.text)


def parse_shard(text: str) -> tuple[int, int]:
    """`K/N` with 1 <= K <= N; raises BatchError."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise BatchError(f"--shard '{text}' is not K/N with 1 <= K <= N (e.g. --shard 2/4)")
    return int(match.group(1)), int(match.group(2))


def proposes_edits(workspace: Workspace, command: Command) -> bool:
    """Whether a run of `command` can propose edits: a step with a review gate, or an
    agent that may use the `edit` tool."""
    if any(step.gate == "review" for step in command.steps):
        return True
    agents = [workspace.agents.get(step.agent) for step in command.steps]
    return any(agent is not None and tool_allowed(agent.tools, "edit") for agent in agents)


# -- running -------------------------------------------------------------------------


class Unattended:
    """What every front end of a batch item does at a gate: nobody is there. A gate not
    answered in advance (`gates`) or by policy (`yes`) stops the item, saying so
    through `said`; the front end only shows events (`emit`) and what is said."""

    def said(self, message: str) -> None:
        """Show why the item stopped (a front end overrides it)."""

    def _nobody(self, what: str) -> str:
        message = (
            f"{what} needs a person, and a batch has nobody to ask: answer it with "
            "--gate STEP=ANSWER, or pass --yes"
        )
        self.said(message)
        return message

    async def approve(self, request: ApprovalRequest) -> ApprovalDecision:
        what = (
            "the cost cap"
            if request.gate == "budget"
            else f"the approve gate of step '{request.step_id}'"
        )
        self._nobody(what)
        return ApprovalDecision(decision="stop")

    async def permission(self, request: PermissionRequest) -> bool:
        self._nobody(f"the call to {request.tool}")
        return False

    async def ask(self, question: Question) -> str:
        self._nobody("a question from the agent")
        return ""

    async def review(self, request: ReviewRequest, changeset: Changeset) -> ReviewDecision:
        if request.auto_accept:
            return ReviewDecision(
                files=[
                    FileDecision(path=f.path, accepted=[h.id for h in f.hunks])
                    for f in request.files
                ]
            )
        return ReviewDecision(
            files=[], stop=self._nobody(f"the review of step '{request.step_id}'")
        )


@dataclass
class BatchOptions:
    parallel: int = 1
    yes: bool = False
    apply: bool = False
    gates: Sequence[GateAnswer] = ()
    shard: tuple[int, int] | None = None


@dataclass
class BatchRunner:
    """Runs a plan's items (or one shard of them) and keeps the batch's manifest.

    `frontend_for(item)` gives each item's front end (progress, and gates nobody
    answered); `on_done(result)` is told each item's result as it ends."""

    root: Path
    plan: BatchPlan
    frontend_for: Callable[[BatchItem], FrontEnd]
    options: BatchOptions = field(default_factory=BatchOptions)
    on_done: Callable[[ItemResult], None] | None = None
    batch_id: str = field(default_factory=new_run_id)
    isolate: bool = False
    """Run each item in a git worktree of its own (see `prepare`)."""
    client: Callable[[], ModelClient] | None = None
    """Makes each item's model client (default: from the environment, as `Engine`)."""
    summary: BatchSummary = field(init=False)

    def __post_init__(self) -> None:
        self.root = self.root.resolve()
        items = self.plan.shard(*self.options.shard) if self.options.shard else self.plan.items
        shard = self.options.shard
        self.summary = BatchSummary(
            batch_id=self.batch_id,
            command=self.plan.command,
            argument=self.plan.argument,
            shard=f"{shard[0]}/{shard[1]}" if shard else None,
            plan=[item.name for item in self.plan.items],
            items=[ItemResult(item=i.name, arguments=i.arguments) for i in items],
            started_at=datetime.now(UTC),
        )
        self._items = items
        self._names: set[str] = set()
        """Worktree and branch names given so far (items whose names sanitise alike)."""
        self._running: dict[str, RunHandle] = {}
        """The items' runs going on, by run id."""
        self.cancelled = False

    def cancel(self) -> bool:
        """A person stops the batch: each item's run going on is cancelled as any run is
        (it ends `cancelled`, its journal says so), and the items not started are not
        run (`cancelled`, saying why). `run` then ends as usual, with the summary.
        False when the batch had ended, or was cancelled already."""
        if self.cancelled or self.summary.finished_at is not None:
            return False
        self.cancelled = True
        for handle in list(self._running.values()):
            handle.cancel()
        return True

    @property
    def folder(self) -> Path:
        return self.root / RUNS_FOLDER / BATCHES / self.batch_id

    def prepare(self, workspace: Workspace, command: Command) -> None:
        """Check what can be checked before any item starts (the gate answers, the
        repository a worktree needs, the command file committed there) and decide
        whether items are isolated.
        Raises RunRequestError / BatchError."""
        check_gate_answers(command, self.options.gates)
        self.isolate = proposes_edits(workspace, command)
        if self.isolate and _git(self.root, "rev-parse", "--verify", "HEAD").returncode != 0:
            raise BatchError(
                f"command '{command.name}' can propose edits, and a batch runs each item's "
                f"edits in a git worktree of its own; {self.root} is not a git repository "
                "with a commit"
            )
        if self.isolate:
            self._check_committed(command)

    def _check_committed(self, command: Command) -> None:
        """Isolated items run in worktrees of HEAD: a command file of this repository
        that HEAD lacks (new, not committed yet) would be missing from every one of them."""
        if command.mcp_prompt is not None:  # its text comes from the server
            return
        try:
            relative = command.path.resolve().relative_to(self.root).as_posix()
        except ValueError:  # a built-in, the person's own folder
            return
        if _git(self.root, "cat-file", "-e", f"HEAD:./{relative}").returncode == 0:
            return
        head = _git(self.root, "rev-parse", "--short", "HEAD").stdout.strip()
        raise BatchError(
            f"command '{command.name}' is not committed: each item runs in a git worktree "
            f"of HEAD ({head}), where {relative} does not exist; commit it first "
            f"(git add {relative} && git commit)"
        )

    async def run(self) -> BatchSummary:
        """Run every item of the slice; returns the summary (also in batch.json and
        summary.md). An item that fails does not stop the others."""
        self._save()
        limit = asyncio.Semaphore(max(1, self.options.parallel))

        async def one(index: int, item: BatchItem) -> None:
            async with limit:
                if self.cancelled:
                    result = self.summary.items[index].model_copy(
                        update={"state": "cancelled", "error": "not run: the batch was cancelled"}
                    )
                else:
                    result = await self._run_item(item, self.summary.items[index])
            self.summary.items[index] = result
            self._save()
            if self.on_done is not None:
                self.on_done(result)

        await asyncio.gather(*(one(i, item) for i, item in enumerate(self._items)))
        self.summary.finished_at = datetime.now(UTC)
        self._save()
        return self.summary

    async def _run_item(self, item: BatchItem, result: ItemResult) -> ItemResult:
        where = self.root
        branch: str | None = None
        if self.isolate:
            try:
                name = self._worktree_name(item)
                where, branch = await asyncio.to_thread(self._add_worktree, item, name)
            except BatchError as error:
                return result.model_copy(update={"state": "failed", "error": str(error)})
        try:
            client = self.client() if self.client is not None else None
            engine = Engine(where, journal_root=self.root, client=client)
            try:
                await engine.prepare(self.plan.command)
                handle = engine.start(
                    RunRequest(command=self.plan.command, arguments=item.arguments),
                    self.frontend_for(item),
                    yes=self.options.yes,
                    apply=self.options.apply,
                    gates=self.options.gates,
                )
                result.state = "running"
                result.run_id = handle.run_id
                self._save()  # `orchestra runs` shows the batch running, and its runs
                self._running[handle.run_id] = handle
                if self.cancelled:  # cancelled while this item was starting
                    handle.cancel()
                try:
                    await handle.wait()
                finally:
                    self._running.pop(handle.run_id, None)
            except RunRequestError as error:
                return result.model_copy(update={"state": "failed", "error": str(error)})
            finally:
                await engine.aclose()
        finally:
            if branch is not None:
                kept = await asyncio.to_thread(self._keep_worktree, item, where, branch)
                result.branch = kept
        return item_result(self.root / RUNS_FOLDER, result)

    def _worktree_name(self, item: BatchItem) -> str:
        """A name for the item's worktree and branch, unique in the batch."""
        safe = re.sub(r"[^A-Za-z0-9._-]+", "-", item.name).strip(".-") or "item"
        if safe in self._names:  # `a/b` and `a b` are both `a-b`
            safe = f"{safe}-{len(self._names) + 1}"
        self._names.add(safe)
        return safe

    def _add_worktree(self, item: BatchItem, safe: str) -> tuple[Path, str]:
        where = self.folder / "worktrees" / safe
        branch = f"orchestra/batch-{self.batch_id}/{safe}"
        done = _git(self.root, "worktree", "add", "-q", "-b", branch, str(where), "HEAD")
        if done.returncode != 0:
            raise BatchError(f"git worktree add for item {item.name}: {done.stderr.strip()}")
        return where, branch

    def _keep_worktree(self, item: BatchItem, where: Path, branch: str) -> str | None:
        """Commit what the item's run left in its worktree on its branch (None: it left
        nothing, and the branch is deleted), then remove the worktree."""
        kept: str | None = None
        # Landing's lock files live under .orchestra/runs/ there too: never commit them.
        _git(where, "add", "-A", "--", ".", f":(exclude){RUNS_FOLDER.as_posix()}")
        if _git(where, "diff", "--cached", "--quiet").returncode == 1:
            message = f"orchestra batch {self.batch_id}: {self.plan.command} {item.name}"
            committed = _git(
                where,
                *("-c", "user.name=Orchestra batch", "-c", "user.email=batch@orchestra.invalid"),
                *("-c", "commit.gpgsign=false", "commit", "-q", "--no-verify", "-m", message),
            )
            kept = branch if committed.returncode == 0 else None
        _git(self.root, "worktree", "remove", "--force", str(where))
        if kept is None:
            _git(self.root, "branch", "-q", "-D", branch)
        return kept

    def _save(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        atomic_write_json(self.folder / MANIFEST, self.summary.model_dump(mode="json"))
        (self.folder / SUMMARY).write_text(self.summary.markdown(), encoding="utf-8")


def _git(where: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *arguments], cwd=where, capture_output=True, text=True, timeout=120, check=False
    )


# -- reading results back -------------------------------------------------------------


def item_result(runs: Path, result: ItemResult) -> ItemResult:
    """`result` completed from its run's folder under `runs` (state, cost, error,
    verdicts, report); unchanged when the run's folder is not there."""
    if result.run_id is None:
        return result
    try:
        record = load_run_folder(runs / result.run_id)
    except RunNotFoundError:
        return result
    events = record.events
    ends = [e for e in events if e.get("type") in ("run_failed", "run_cancelled")]
    error = result.error
    if ends:
        error = str(ends[-1].get("error") or ends[-1].get("reason") or "")
    report = runs / result.run_id / "report.md"
    return result.model_copy(
        update={
            "state": record.summary.state,
            "cost_usd": round(record.summary.cost_usd or 0.0, 6),
            "error": error if record.summary.state != "finished" else None,
            "verdicts": verdicts(events),
            "report": f"{result.run_id}/report.md" if report.is_file() else None,
        }
    )


def verdicts(events: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The `verdict` fields of the top-level steps' structured outputs (`data` of
    `step_finished`): an object's own, a list's (for_each) in order, a group's by step."""
    found: dict[str, Any] = {}
    for event in events:
        step = event.get("step_id")
        if (
            event.get("type") != "step_finished"
            or event.get("parent_step")
            or not isinstance(step, str)
            or "/" in step
        ):
            continue
        verdict = _verdict_of(event.get("data"))
        if verdict is not None:
            found[step] = verdict
    return found


def _verdict_of(data: Any) -> Any:
    if isinstance(data, list):
        inner = [_verdict_of(entry) for entry in data]
        return inner if any(v is not None for v in inner) else None
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("verdict"), str | bool | int | float):
        return data["verdict"]
    inner_map = {k: _verdict_of(v) for k, v in data.items()}
    inner_map = {k: v for k, v in inner_map.items() if v is not None}
    if not inner_map:
        return None
    if len(inner_map) == 1:
        return next(iter(inner_map.values()))
    return inner_map


def find_manifests(places: Iterable[Path]) -> list[Path]:
    """Every batch.json in or under `places` (files are taken as given), sorted."""
    found: set[Path] = set()
    for place in places:
        if place.is_file():
            found.add(place.resolve())
        elif place.is_dir():
            found.update(
                p.resolve() for p in place.rglob(MANIFEST) if p.parent.parent.name == BATCHES
            )
    return sorted(found)


#: A manifest lists every item's name and outcome: far larger than a workspace file may
#: be, still bounded (a batch.json that is a FIFO or a device is refused, not waited on).
MAX_MANIFEST_BYTES = 64 * 1024 * 1024


def _manifest_bytes(path: Path) -> bytes:
    """A batch.json, read safely (see `_items_file`). Raises FileProblem."""
    data = read_raw(path, MAX_MANIFEST_BYTES)
    if data is None:
        raise FileProblem("it is gone")
    return data


def list_batches(root: Path, limit: int | None = None) -> list[BatchSummary]:
    """The batches recorded in `root`'s runs folder, newest first (the `limit` newest),
    each item's state, cost and verdicts re-read from its run's folder. A manifest
    that cannot be read is left out (`batch-report` names its fault)."""
    runs = root / RUNS_FOLDER
    found: list[BatchSummary] = []
    for path in find_manifests([runs / BATCHES]):
        try:
            summary = BatchSummary.model_validate_json(_manifest_bytes(path))
        except (FileProblem, ValidationError):
            continue
        summary.items = [item_result(runs, item) for item in summary.items]
        found.append(summary)
    found.sort(key=lambda s: s.started_at, reverse=True)
    return found if limit is None else found[:limit]


def merge_batches(places: Sequence[Path]) -> BatchSummary:
    """One summary of the batches (shards) found in `places` — folders holding runs
    folders, such as CI artifacts: each item's state, cost and verdicts re-read from
    its run's folder beside the manifest; a plan's items that no shard ran are listed
    `not run`. Raises BatchError when there is nothing to merge or the batches are of
    different commands."""
    manifests = find_manifests(places)
    if not manifests:
        where = ", ".join(str(p) for p in places)
        raise BatchError(f"no batch manifest ({BATCHES}/*/{MANIFEST}) under {where}")
    summaries: list[tuple[Path, BatchSummary]] = []
    for path in manifests:
        try:
            summaries.append((path, BatchSummary.model_validate_json(_manifest_bytes(path))))
        except (FileProblem, ValidationError) as error:
            raise BatchError(f"{path}: not a batch manifest ({_first_line(error)})") from None
    commands = {(s.command, s.argument) for _, s in summaries}
    if len(commands) > 1:
        raise BatchError(
            "the batches are of different commands: "
            + ", ".join(f"{c} over {a}" for c, a in sorted(commands))
        )
    command, argument = commands.pop()
    plan: list[str] = []
    results: dict[str, ItemResult] = {}
    for path, summary in summaries:
        runs = path.parent.parent.parent
        for name in summary.plan:
            if name not in plan:
                plan.append(name)
        for item in summary.items:
            fresh = item_result(runs, item)
            if fresh.report is not None:
                fresh.report = str(runs / fresh.report)
            earlier = results.get(item.item)
            if earlier is None or _rank(fresh) >= _rank(earlier):
                results[item.item] = fresh
    for name in results:
        if name not in plan:
            plan.append(name)
    items = [
        results.get(name)
        or ItemResult(item=name, arguments={argument: name}, error="no shard ran it")
        for name in plan
    ]
    return BatchSummary(
        batch_id="+".join(sorted({s.batch_id for _, s in summaries})),
        command=command,
        argument=argument,
        plan=plan,
        items=items,
        started_at=min(s.started_at for _, s in summaries),
        finished_at=max((s.finished_at for _, s in summaries if s.finished_at), default=None),
        sources=[str(path) for path, _ in summaries],
    )


def _rank(result: ItemResult) -> tuple[int, str]:
    """Which of two results of one item a merge keeps: a run over none, then the later run."""
    return (0 if result.run_id is None else 1, result.run_id or "")


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__
