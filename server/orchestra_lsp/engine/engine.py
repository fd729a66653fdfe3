"""`Engine`: the door front ends use to start runs on one workspace.

It loads the workspace (keeping the last good configuration when a reload finds
errors), owns the model client and the MCP pool shared by its runs, and starts each
run as an asyncio task, so a front end never holds a long run inside one request.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from orchestra_lsp.changes import Changeset
from orchestra_lsp.engine.events import Notice
from orchestra_lsp.engine.frontend import FrontEnd
from orchestra_lsp.engine.gate_answers import GateAnswer, check_gate_answers
from orchestra_lsp.engine.request import RunRequest, RunRequestError, resolve_arguments
from orchestra_lsp.permissions import Policy, PolicyError
from orchestra_lsp.redaction import SECRETS, Redactor, environment_secrets
from orchestra_lsp.workspace import (
    ArgumentSpec,
    Command,
    Layer,
    McpServer,
    SourceRef,
    Step,
    Workspace,
    keep_last_good,
    load_workspace,
)
from orchestra_lsp.workspace.loader import default_user_dir
from orchestra_lsp.workspace.templates import PositionalArguments

if TYPE_CHECKING:
    from orchestra_lsp.engine.resume import ResumePlan
    from orchestra_lsp.engine.run import Run, RunResult
    from orchestra_lsp.engine.undo import UndoPlan
    from orchestra_lsp.llm import ModelClient
    from orchestra_lsp.mcp import McpPool
    from orchestra_lsp.mcp.relay import McpRelay
    from orchestra_lsp.tools.base import Terminal

# What only a run needs (the run loop, tools, journal writer, model client: some 3 MiB
# and a tenth of a second of imports) is imported by the methods that start one, so an
# editor's idle server, which only lists and checks the workspace, never loads it.

Buffers = Callable[[], Mapping[str, tuple[str, int]]]

#: Safe without asking, whatever config.toml says: reading, searching, proposing edits
#: (nothing is written before review), asking the person a question (asking whether
#: to ask would be absurd) and read-only git. Config rules add to these, and a config
#: deny still beats them.
DEFAULT_ALLOW = (
    "ask_user",
    "skill",
    "task",
    "read_file",
    "list_files",
    "search",
    "edit",
    "run_shell(git status*)",
    "run_shell(git diff*)",
    "run_shell(git log*)",
    "run_shell(git show*)",
)


@dataclass
class RunHandle:
    run_id: str
    task: asyncio.Task[RunResult]
    journal_dir: Path
    run: Run
    _done: list[RunResult] = field(default_factory=list)

    def cancel(self) -> None:
        """A person stops the run: it ends `cancelled` and withdraws its open review."""
        self.task.cancel()

    def interrupt(self) -> None:
        """The front end went away (client exit, window reload, server shutdown): the
        run ends `interrupted`, keeping its proposal for a later review."""
        self.run.interrupted = True
        self.task.cancel()

    async def wait(self) -> RunResult:
        from orchestra_lsp.engine.run import RunResult

        """The run's result; a cancelled run gives a `cancelled` result, not an error."""
        try:
            return await asyncio.shield(self.task)
        except asyncio.CancelledError:
            if not self.task.cancelled():
                raise  # the waiter itself was cancelled
            if self.run.interrupted:
                return RunResult(self.run_id, "interrupted", error="interrupted")
            return RunResult(self.run_id, "cancelled", error="cancelled")


class Engine:
    def __init__(
        self,
        root: Path,
        *,
        buffers: Buffers | None = None,
        client: ModelClient | None = None,
        user_dir: Path | None = None,
        journal_root: Path | None = None,
        mcp_servers: Mapping[str, McpServer] | None = None,
        terminal: Terminal | None = None,
        mcp_relay: McpRelay | None = None,
        on_notice: Callable[[str, str], None] | None = None,
    ) -> None:
        """`mcp_servers`: servers the front end brings (an ACP client's `mcpServers`),
        added to the workspace's own; a workspace server of the same name wins.
        `terminal`: the front end's terminal, where `run_shell` runs its commands when
        no sandbox is configured. `mcp_relay`: how the front end's own MCP servers
        (an ACP client's `type: "acp"`) are reached. `on_notice(level, message)`:
        where an MCP server's trouble goes while no run is going on to carry it (level
        "info", "warning" or "error"), e.g. while `mcp_commands` lists prompts."""
        self.root = root.resolve()
        self.journal_root = (journal_root or root).resolve()
        """Whose `.orchestra/runs/` keeps the runs' journals: the workspace itself,
        or the repository a batch item's worktree was made from."""
        self.buffers: Buffers = buffers or dict
        self._extra_servers = dict(mcp_servers or {})
        self.terminal = terminal
        self._mcp_relay = mcp_relay
        self._client = client
        self._user_dir = user_dir
        self._pool: McpPool | None = None
        self._mcp_commands: dict[str, Command] = {}
        self._listeners: dict[str, Callable[[Notice], None]] = {}
        self._on_notice = on_notice
        self._warned_models: set[str] = set()
        self.runs: dict[str, RunHandle] = {}
        self.workspace = self._load()

    def _load(self) -> Workspace:
        return self._with_extra(load_workspace(self.root, user_dir=self._user_dir))

    def _with_extra(self, workspace: Workspace) -> Workspace:
        if not self._extra_servers:
            return workspace
        servers = {**self._extra_servers, **workspace.mcp_servers}
        return workspace.model_copy(update={"mcp_servers": servers})

    async def reload(self, overlays: Mapping[Path, str] | None = None) -> Workspace:
        """Re-read the files; where a file now has errors its last good version stays."""
        fresh = load_workspace(self.root, user_dir=self._user_dir, overlays=overlays)
        previous = self.workspace
        fresh = self._with_extra(keep_last_good(previous, fresh))
        self.workspace = fresh
        if self._pool is not None and fresh.mcp_servers != previous.mcp_servers:
            pool, self._pool = self._pool, None
            await pool.aclose()  # the next run starts the servers as now configured
        return fresh

    @property
    def client(self) -> ModelClient:
        if self._client is None:
            from orchestra_lsp.llm import ModelClient

            self._client = ModelClient()
        return self._client

    def pool(self) -> McpPool | None:
        """The MCP pool, created on first need (importing the `mcp` SDK then)."""
        servers = {n: s for n, s in self.workspace.mcp_servers.items() if not s.spec.disabled}
        if not servers:
            return None
        if self._pool is None:
            from orchestra_lsp.mcp import McpPool

            mcp = self.workspace.config.mcp
            self._pool = McpPool(
                servers,
                call_timeout=mcp.call_timeout_seconds,
                startup_timeout=mcp.startup_timeout_seconds,
                on_notice=self._notice,
                max_result_tokens=self.workspace.config.model.max_tool_result_tokens,
                workspace=self.root,
                tokens=self._user_dir or default_user_dir(),
                relay=self._mcp_relay,
            )
        return self._pool

    def _notice(self, level: str, message: str) -> None:
        """An MCP server's trouble (it would not start, it crashed) reaches every run
        that is going on, as an event: the pool is shared, the runs are not. With no
        run going on, it goes to the front end's `on_notice`, if it gave one."""
        if not self._listeners and self._on_notice is not None:
            self._on_notice(level, message)
        for run_id, listener in list(self._listeners.items()):
            listener(Notice(run_id=run_id, level=_level(level), message=message))

    async def mcp_commands(self, wait: float | None = None) -> dict[str, Command]:
        """Commands offered by MCP servers as prompts (`mcp__<server>__<prompt>`, their
        arguments the prompt's); this starts the configured servers. Later `start`
        calls can run them. A server that fails is left out (and noticed), and so is,
        with `wait` (seconds), one not started within it (`McpPool.prompts`)."""
        pool = self.pool()
        if pool is None:  # no server: the MCP SDK is not imported at all (an idle LSP)
            self._mcp_commands = {}
            return {}
        from orchestra_lsp.mcp.prompts import command_name

        default = self.workspace.config.agents.default
        commands: dict[str, Command] = {}
        for p in await pool.prompts(wait):
            server = self.workspace.mcp_servers.get(p.server)
            path = Path(server.source_path) if server else self.root / ".orchestra" / "mcp.json"
            layer = Layer.REPOSITORY if path.parent.name == ".orchestra" else Layer.COMPAT
            name = command_name(p.server, p.prompt)
            commands[name] = Command(
                name=name,
                description=p.description or f"prompt '{p.prompt}' of MCP server '{p.server}'",
                arguments=[
                    ArgumentSpec(name=a.name, description=a.description, required=a.required)
                    for a in p.arguments
                ],
                mode="orchestration",
                steps=[Step(id="main", agent=default, prompt="")],
                instructions="",
                code_action=None,
                mcp_prompt=(p.server, p.prompt),
                source=SourceRef(path=path, layer=layer),
            )
        self._mcp_commands = commands
        return commands

    def loaded_mcp_commands(self) -> dict[str, Command]:
        """The MCP prompt commands as last loaded, without starting anything."""
        return dict(self._mcp_commands)

    def command(self, name: str) -> Command | None:
        """A command by name: the workspace's, or an MCP prompt loaded by `prepare`."""
        return self.workspace.commands.get(name) or self._mcp_commands.get(name)

    async def prepare(self, command: str) -> None:
        """Make `command` known before `start`: an `mcp__<server>__<prompt>` name not
        seen yet loads the servers' prompts (starting them); others need nothing."""
        if command.startswith("mcp__") and self.command(command) is None:
            await self.mcp_commands()

    def policy(self, extra_allow: list[str]) -> Policy:
        rules = self.workspace.config.permissions
        claude = self.workspace.claude_settings  # merged: deny beats ask beats allow
        try:
            return Policy.from_strings(
                allow=[*DEFAULT_ALLOW, *rules.allow, *claude.allow, *extra_allow],
                ask=[*rules.ask, *claude.ask],
                deny=[*rules.deny, *claude.deny],
                workspace=str(self.root),
                protected=rules.protected,
            )
        except PolicyError as error:
            raise RunRequestError(
                f"the permission rules in .orchestra/config.toml are malformed: {error}"
            ) from None

    def check_credentials(self, command: Command) -> None:
        """Raise RunRequestError when every model call of `command` would fail for want
        of a key: a run (or a batch of them) that cannot succeed does not start."""
        needs_model = next(command.agent_steps(), None) is not None
        if needs_model and (problem := self.client.credentials_problem()):
            raise RunRequestError(str(problem))

    def start(
        self,
        request: RunRequest,
        frontend: FrontEnd,
        *,
        yes: bool = False,
        apply: bool = True,
        gates: Sequence[GateAnswer] = (),
        resume: ResumePlan | None = None,
        plan: bool = False,
    ) -> RunHandle:
        """Start a run and return at once; raise RunRequestError if it cannot start.

        `yes`: gates pass by policy. `apply` False: accepted changes of an unattended run
        are recorded `pending` instead of landing (`orchestra run --yes` without `--apply`).
        `gates`: gates answered in advance (engine/gate_answers.py), checked against the
        command before anything starts; they win over `yes`. `resume`: see `resume`.
        `plan`: plan mode, where nothing is written: edits are proposed and shown, kept
        `pending`; `run_shell` and MCP tools not marked read-only are denied.
        """
        workspace = self.workspace
        command = self.command(request.command)
        if command is None:
            raise RunRequestError(self.no_command(request.command))
        missing = sorted({s.agent for s in command.agent_steps()} - set(workspace.agents))
        if missing:
            broken = workspace.broken_agents
            named = [
                f"{name} (its file has errors: {broken[name]})" if name in broken else name
                for name in missing
            ]
            what = "unusable" if any(name in broken for name in missing) else "undefined"
            # The check's own words for it, positioned at the step (with its suggestion).
            said = [
                d.render(self.root)
                for d in workspace.errors
                if d.path == command.path and any(f"'{name}'" in d.message for name in missing)
            ] or [  # steps that name no agent: the default's own diagnostic, in config.toml
                d.render(self.root)
                for d in workspace.errors
                if any(f"default agent '{name}'" in d.message for name in missing)
            ]
            if said:
                more = (
                    f" (and {len(said) - 1} more: see `orchestra check`)" if len(said) > 1 else ""
                )
                raise RunRequestError(f"command '{command.name}' cannot run: {said[0]}{more}")
            raise RunRequestError(
                f"command '{command.name}' uses {what} agent(s): {', '.join(named)}; "
                "run `orchestra check`"
            )
        arguments = resolve_arguments(command, request.arguments)
        answers = check_gate_answers(command, gates)
        # Before anything runs (its journal, MCP servers, `!`cmd`` lines).
        self.check_credentials(command)
        values = {
            **arguments,
            "file": request.file or "",
            "selection": request.selection or "",
            "diagnostics": request.diagnostics or "",
        }
        return self._launch(
            command,
            values,
            frontend,
            unattended=yes or command.mode == "automation",
            apply=apply,
            argument_list=_positional(command, arguments),
            arguments=arguments,
            gate_answers=answers,
            resume=resume,
            plan=plan,
        )

    def resume(
        self,
        run_id: str,
        frontend: FrontEnd,
        *,
        from_step: str | None = None,
        yes: bool = False,
        apply: bool = True,
        gates: Sequence[GateAnswer] = (),
    ) -> RunHandle:
        """Continue run `run_id` (failed, stopped or interrupted) in a new run of the same
        command and arguments, reusing the outputs of the steps it completed; from
        `from_step` when given (engine/resume.py). Raises RunRequestError when the run
        is unknown, still running, or cannot be resumed from there."""
        from orchestra_lsp.engine.resume import plan_resume
        from orchestra_lsp.journal import RunNotFoundError, load_run, settle_pending

        try:
            record = load_run(self.journal_root, run_id)
        except RunNotFoundError as error:
            raise RunRequestError(str(error)) from None
        command = self.command(record.summary.command)
        if command is None:
            raise RunRequestError(
                f"run {run_id} ran command '{record.summary.command}', which the workspace "
                "no longer has"
            )
        plan = plan_resume(record, command, from_step)
        request = RunRequest(command=command.name, arguments=plan.arguments)
        handle = self.start(request, frontend, yes=yes, apply=apply, gates=gates, resume=plan)
        if plan.carry_changeset is not None:
            # The proposal moves to the new run, whose journal keeps it from now on.
            handle.run.ctx.journal.write_changeset(plan.carry_changeset)
            settle_pending(self.journal_root, run_id)
        return handle

    def start_prompt(
        self, text: str, frontend: FrontEnd, *, yes: bool = False, plan: bool = False
    ) -> RunHandle:
        """Run the default agent on a person's free text, as a one-step command named
        `prompt` (an agent panel's plain message). The text is the step's argument, never
        part of a template, so `{{...}}` in it stays literal. `yes`, `plan`: as for
        `start`."""
        default = self.workspace.config.agents.default
        if default not in self.workspace.agents:
            raise RunRequestError(f"the default agent '{default}' is not defined")
        command = Command(
            name="prompt",
            description="a message to the default agent",
            arguments=[ArgumentSpec(name="request", required=True)],
            mode="orchestration",
            steps=[Step(id="main", agent=default, prompt="{{request}}")],
            instructions="",
            code_action=None,
            source=SourceRef(path=self.root / ".orchestra", layer=Layer.REPOSITORY),
        )
        arguments = {"request": text}
        return self._launch(
            command,
            {**arguments, "file": "", "selection": "", "diagnostics": ""},
            frontend,
            unattended=yes,
            argument_list=_positional(command, arguments),
            arguments=arguments,
            plan=plan,
        )

    def _launch(
        self,
        command: Command,
        values: dict[str, str],
        frontend: FrontEnd,
        *,
        unattended: bool,
        apply: bool = True,
        argument_list: PositionalArguments | None = None,
        arguments: dict[str, str] | None = None,
        origin: str | None = None,
        changeset: Changeset | None = None,
        undo: UndoPlan | None = None,
        gate_answers: dict[str, GateAnswer] | None = None,
        resume: ResumePlan | None = None,
        plan: bool = False,
    ) -> RunHandle:
        """Open the journal and start the run's task; `origin` and `changeset` make it
        the review of a run that was interrupted."""
        from orchestra_lsp.engine.run import Run, RunContext
        from orchestra_lsp.engine.undo import undo_arguments
        from orchestra_lsp.journal import RunJournal

        workspace = self.workspace
        policy = self.policy(command.allowed_tools)
        client = self.client
        secrets = [
            *workspace.secrets(),
            client.api_key,
            *environment_secrets(os.environ),
        ]
        SECRETS.add(s for s in secrets if s)
        journal = RunJournal.start(
            self.journal_root,
            command.name,
            undo_arguments(undo)
            if undo is not None
            else {"run": origin}
            if origin is not None
            else arguments or {},
            redactor=Redactor(s for s in secrets if s),
        )
        ctx = RunContext(
            workspace=workspace,
            command=command,
            values=values,
            argument_list=argument_list or PositionalArguments("", []),
            journal=journal,
            frontend=frontend,
            client=client,
            policy=policy,
            buffers=self.buffers,
            unattended=unattended,
            apply=apply,
            plan=plan,
            pool=self.pool() if _needs_mcp(workspace, command, values) else None,
            cost_cap=workspace.config.model.max_cost_usd,
            warned_models=self._warned_models,
            gate_answers=gate_answers or {},
            reused=dict(resume.reused) if resume is not None else {},
            reused_inner=dict(resume.inner) if resume is not None else {},
            resumes=None if resume is None else resume.origin,
        )
        run = Run(ctx)
        run.tool_context.terminal = self.terminal
        if changeset is not None:
            run.changeset.files = changeset.files
        if undo is not None:
            run.changeset.files = dict(undo.changeset.files)
        if resume is not None and resume.carry_changeset is not None:
            run.changeset.files = Changeset.model_validate(resume.carry_changeset).files
        self._listeners[run.run_id] = run.emit
        if undo is not None:
            work = run.review_undo(undo)
        else:
            work = run.execute() if origin is None else run.review_left_by(origin)
        task = asyncio.get_running_loop().create_task(work, name=f"orchestra-run-{run.run_id}")
        task.add_done_callback(lambda _: self._listeners.pop(run.run_id, None))
        handle = RunHandle(journal.run_id, task, journal.directory, run)
        self.runs[handle.run_id] = handle
        return handle

    def no_command(self, name: str) -> str:
        """Why there is no command `name`: its file's first error, positioned as
        `orchestra check` prints it, and how many more, when a command file of that
        name did not load; else the commands there are."""
        stem = name.rsplit(":", 1)[-1]
        errors = [
            d
            for d in self.workspace.errors
            if d.path.parent.name in ("commands", "prompts")
            and d.path.name.removesuffix(".md").removesuffix(".prompt") == stem
        ]
        if not errors:
            from orchestra_lsp.workspace.tool_names import did_you_mean

            names = sorted([*self.workspace.commands, *self._mcp_commands])
            close = did_you_mean(name, names).removeprefix(" (").removesuffix(")")
            known = ", ".join(names)
            return (
                f"no command '{name}'{'; ' + close if close else ''} (commands: {known or 'none'})"
            )
        errors.sort(key=lambda d: (str(d.path), d.line, d.column))
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        return (
            f"command '{name}' cannot run, its file has errors: "
            f"{errors[0].render(self.root)}{more}; see `orchestra check`"
        )

    def recover(self, run_id: str, frontend: FrontEnd) -> RunHandle:
        """Review again the proposal of a run that was interrupted (its process died)
        before its review: a short run of its own, whose journal records the decisions."""
        from orchestra_lsp.journal import RunNotFoundError, load_run

        try:
            record = load_run(self.root, run_id)
        except RunNotFoundError as error:
            raise RunRequestError(str(error)) from None
        if record.changeset is None or record.summary.state == "running":
            raise RunRequestError(f"run {run_id} has no proposal waiting for review")
        changeset = Changeset.model_validate(record.changeset)
        started = [e for e in record.events if e.get("type") == "step_started"]
        agent = str(started[-1]["agent"]) if started else self.workspace.config.agents.default
        command = Command(
            name=f"review of {run_id}",
            description=f"the proposal run {run_id} ({record.summary.command}) left pending",
            arguments=[],
            mode="orchestration",
            steps=[Step(id="review", agent=agent, prompt="", gate="review")],
            instructions="",
            code_action=None,
            source=SourceRef(path=self.root / ".orchestra", layer=Layer.REPOSITORY),
        )
        return self._launch(
            command, {}, frontend, unattended=False, origin=run_id, changeset=changeset
        )

    def plan_undo(
        self,
        run_id: str,
        *,
        step: str | None = None,
        file: str | None = None,
        buffers: Mapping[str, tuple[str, int]] | None = None,
    ) -> UndoPlan:
        """What an undo of `run_id` (its `step` or `file`) would propose, against
        `buffers` (default: the editor's open buffers now) over the disk. Reads files
        and asks git: a front end on an event loop calls it in a thread, with a copy of
        the buffers taken on the loop. Raises RunRequestError when the run is unknown
        or landed nothing that matches."""
        from orchestra_lsp.engine.undo import UndoError, plan_undo

        try:
            return plan_undo(
                self.root,
                run_id,
                step=step,
                file=file,
                buffers=self.buffers() if buffers is None else buffers,
            )
        except UndoError as error:
            raise RunRequestError(str(error)) from None

    def undo(
        self,
        run_id: str,
        frontend: FrontEnd,
        *,
        step: str | None = None,
        file: str | None = None,
        yes: bool = False,
        apply: bool = True,
        plan: UndoPlan | None = None,
    ) -> RunHandle:
        """Take back what run `run_id` landed (one `step` or `file` of it when given; or
        `plan`, made by `plan_undo` beforehand): a run of its own, journaled with
        `undoes`, whose proposal is reviewed like any other. Raises RunRequestError
        when the run is unknown or landed nothing."""
        if plan is None:
            plan = self.plan_undo(run_id, step=step, file=file)
        agent = self.workspace.config.agents.default
        command = Command(
            name="undo",
            description=f"take back what run {run_id} landed",
            arguments=[],
            mode="orchestration",
            steps=[Step(id="undo", agent=agent, prompt="", gate="review")],
            instructions="",
            code_action=None,
            source=SourceRef(path=self.root / ".orchestra", layer=Layer.REPOSITORY),
        )
        return self._launch(command, {}, frontend, unattended=yes, apply=apply, undo=plan)

    def warm_up(self) -> None:
        """Do now, once, what the first run would otherwise do on the event loop: import
        the model SDK (and the MCP SDK when servers are configured), load the tokenizer
        (together a second or more of CPU); then leave what survives out of the garbage
        collector's passes (`gc.freeze`, once a process): modules, classes and schemas
        never die, and a full pass over them, which Python makes every so often during
        a long run, cost 1-3 ms in the middle of a turn (bench/long_run.py). Blocking:
        a server calls it in a thread before its first run, the CLI before the run."""
        import importlib

        from orchestra_lsp.context import tokens

        modules = ["anthropic", "orchestra_lsp.engine.run"]
        if self.workspace.mcp_servers:
            modules.append("orchestra_lsp.mcp.pool")
        for module in modules:
            with contextlib.suppress(ImportError):  # the run will say so, in its own words
                importlib.import_module(module)
        tokens.load()
        _freeze_survivors()

    async def aclose(self) -> None:
        """Stop: runs still going are `interrupted` (nobody cancelled them), so their
        proposals stay offered for review."""
        for handle in list(self.runs.values()):
            if not handle.task.done():
                handle.interrupt()
                await handle.wait()
        if self._pool is not None:
            await self._pool.aclose()
            self._pool = None
        if self._client is not None:
            await self._client.aclose()


_frozen = False


def _freeze_survivors() -> None:
    """Collect what is garbage now, then move every object left to the collector's
    permanent generation: later passes walk only what was made after. Once a process:
    objects of a later engine (after a reload) stay collectable."""
    global _frozen
    if _frozen:
        return
    _frozen = True
    import gc

    gc.collect()
    gc.freeze()


def _positional(command: Command, arguments: dict[str, str]) -> PositionalArguments:
    if command.takes_one_string:
        return PositionalArguments.split(arguments.get("ARGUMENTS", ""), command.argument_names)
    return PositionalArguments.of_values(
        [arguments[a.name] for a in command.arguments if arguments[a.name]]
    )


def _needs_mcp(workspace: Workspace, command: Command, values: Mapping[str, str]) -> bool:
    """Whether a run needs the MCP pool: an MCP prompt, an agent with MCP tools, or an
    `@server:uri` resource mentioned in the command's text or its arguments."""
    if command.mcp_prompt:
        return True
    agents = {s.agent for s in command.agent_steps()}
    if any(tool.startswith("mcp__") for name in agents for tool in workspace.agents[name].tools):
        return True
    from orchestra_lsp.mcp.attachments import mentions

    texts = [command.instructions, *(s.prompt for s in command.agent_steps()), *values.values()]
    return any(mentions(text, workspace.mcp_servers) for text in texts if "@" in text)


def _level(level: str) -> Literal["info", "warning", "error"]:
    return "info" if level == "info" else "error" if level == "error" else "warning"
