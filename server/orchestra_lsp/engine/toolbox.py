"""The tools one agent may use in one step, and running a call under the policy.

Only the tools an agent lists are offered to the model. Every call is decided by the
permission policy first (deny beats ask beats allow; unlisted: ask); an `ask` goes
to the person through the front end, and every decision becomes an event.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import functools
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orchestra_lsp.changes import FileChange, NotText, decode_text
from orchestra_lsp.engine.disk_changes import DiskChange, DiskState, changed, take
from orchestra_lsp.engine.events import (
    ArtifactSaved,
    Event,
    Notice,
    PermissionAsked,
    PermissionDecided,
    ToolCallFinished,
    ToolCallStarted,
)
from orchestra_lsp.engine.frontend import (
    CANNOT_ASK,
    FrontEnd,
    PermissionAnswer,
    PermissionRequest,
    Question,
)
from orchestra_lsp.engine.hooks import (
    CLAUDE_NAMES,
    HookOutcome,
    HookPermissionMode,
    HookRunner,
    HookStopped,
    claude_tool_input,
    proposal_tree,
    runs_as_code,
)
from orchestra_lsp.engine.nested_context import NestedInstructions
from orchestra_lsp.engine.skill_tool import NAME as SKILL_TOOL
from orchestra_lsp.engine.skill_tool import load_skill, skill_spec
from orchestra_lsp.engine.task_tool import NAME as TASK_TOOL
from orchestra_lsp.engine.task_tool import TaskArgs, task_spec
from orchestra_lsp.journal import ArtifactCollector
from orchestra_lsp.permissions import Decision, Policy, Verdict, named_paths
from orchestra_lsp.redaction import SECRETS
from orchestra_lsp.shell_effects import shell_effects
from orchestra_lsp.tools import ASK_USER_SPEC, BUILTIN_TOOLS, ToolContext, spec_of
from orchestra_lsp.tools.ask_user import AskUserArgs
from orchestra_lsp.tools.base import parse_args
from orchestra_lsp.tools.errors import ToolError
from orchestra_lsp.workspace.agents import Agent
from orchestra_lsp.workspace.skills import Skill
from orchestra_lsp.workspace.tool_names import split_pattern

if TYPE_CHECKING:
    from mcp_types import ElicitRequestParams, ElicitResult

    from orchestra_lsp.mcp import McpPool, McpTool

SUMMARY_CHARS = 200


def _offered(pattern_names: Sequence[str], tool: str) -> bool:
    return any(fnmatch.fnmatchcase(tool, name) for name in pattern_names)


def builtin_specs_for(patterns: Sequence[str], *, can_ask: bool) -> list[dict[str, Any]]:
    """Declarations of the built-in tools an agent's allow-list matches. `ask_user` is
    left out when nobody can answer (automation)."""
    names = [split_pattern(p)[0] for p in patterns]
    specs = [spec_of(tool) for name, tool in BUILTIN_TOOLS.items() if _offered(names, name)]
    if can_ask and _offered(names, ASK_USER_SPEC.name):
        specs.append(ASK_USER_SPEC)
    return [spec.model_dump() for spec in specs]


def _saves_files(tool: str) -> bool:
    """Whether a call of `tool` may save a file worth keeping as evidence: the other
    built-in tools only read, and `edit` proposes rather than writes."""
    return tool.startswith("mcp__") or tool == "run_shell"


@dataclass
class Toolbox:
    """One agent's tools for one step; `call` runs one tool_use block to a tool_result."""

    run_id: str
    step_id: str
    agent: str
    patterns: list[str]
    policy: Policy
    context: ToolContext
    frontend: FrontEnd
    emit: Callable[[Event], None]
    unattended: bool
    """Automation mode: no one answers `ask`, so it means deny."""
    plan: bool = False
    """Plan mode: tools that could write (`run_shell`, MCP tools not marked read-only)
    are denied; `edit` only proposes, as always."""
    pool: McpPool | None = None
    on_edit: Callable[[], None] | None = None
    """Called after an `edit` changed the changeset: the run journals it at once, so a
    proposal survives the process dying before review."""
    save_file: Callable[[str, bytes], Path] | None = None
    """Keeps a file in the run's folder (the whole of a tool result cut for the model)."""
    excluded: list[str] = field(default_factory=list)
    """Tool-name globs never offered, whatever the patterns match (`disallowedTools`)."""
    artifacts: ArtifactCollector | None = None
    """Copies the files a call saved into the run's folder (see `journal.artifacts`)."""
    skills: Mapping[str, Skill] = field(default_factory=dict)
    """What the `skill` tool offers, when the agent's patterns allow it."""
    hooks: HookRunner | None = None
    """Claude Code's PreToolUse / PostToolUse hooks, when the settings have some."""
    bypass: bool = False
    """bypassPermissions, allowed by the person's own settings: asks become allows."""
    hook_mode: HookPermissionMode = "default"
    """The agent's permission mode as hooks are told it (`permission_mode`)."""
    agents: Mapping[str, Agent] = field(default_factory=dict)
    delegate: Callable[[TaskArgs], Awaitable[str]] | None = None
    """Runs a `task` call's sub-agent to its answer; None where delegation is not
    possible (inside a sub-agent)."""
    on_disk_change: Callable[[str, list[DiskChange]], None] | None = None
    """Told (by what, which files) when a call that writes without review — a shell
    command, an MCP tool not marked read-only — changed workspace files on disk."""
    disk_root: Path | None = None
    """The workspace on disk, watched around such calls (a branch's view may be a copy)."""
    specs: list[dict[str, Any]] = field(default_factory=list)
    _cut: str | None = None
    _generation: int = 0
    _read_only: set[str] = field(default_factory=set)
    """MCP tools their server marks `readOnlyHint` (plan mode allows them)."""

    def __post_init__(self) -> None:
        self._nested = NestedInstructions(self.context.view)

    async def load(self) -> None:
        """Collect the specs of the built-in and MCP tools the agent's patterns allow."""
        self.specs = builtin_specs_for(self.patterns, can_ask=not self.unattended)
        names = [split_pattern(p)[0] for p in self.patterns]
        mcp_patterns = [name for name in names if name.startswith("mcp__")]
        if mcp_patterns and self.pool is not None:
            self._generation = self.pool.generation
            mcp_tools = await self.pool.tools_for(mcp_patterns)
            self.specs += [tool.spec() for tool in mcp_tools]
            self._read_only |= {tool.name for tool in mcp_tools if tool.read_only}
            self.policy = self.policy.with_hints(
                annotation_hints(mcp_tools), [tool.name for tool in mcp_tools if tool.read_only]
            )
        skill = skill_spec(self.skills) if _offered(names, SKILL_TOOL) else None
        if skill is not None:
            self.specs.append(skill.model_dump())
        if self.delegate is not None and _offered(names, TASK_TOOL):
            task = task_spec(self._delegable(), self.agent)
            if task is not None:
                self.specs.append(task.model_dump())
        if self.excluded:
            self.specs = [s for s in self.specs if not _offered(self.excluded, s["name"])]

    async def refresh(self) -> None:
        """Between turns: when an MCP server said its tools changed, offer the new set.

        The model client sends tools sorted by name, so an unchanged set stays
        byte-identical (the head of the prompt cache); the change is journaled.
        """
        if self.pool is None or self.pool.generation == self._generation:
            return
        before = [spec["name"] for spec in self.specs]
        await self.load()
        added = [name for name in (s["name"] for s in self.specs) if name not in before]
        removed = [name for name in before if not self.offers(name)]
        if added or removed:
            change = "; ".join(
                part
                for part in (
                    f"added {', '.join(added)}" if added else "",
                    f"removed {', '.join(removed)}" if removed else "",
                )
                if part
            )
            self.emit(
                Notice(
                    run_id=self.run_id,
                    level="info",
                    message=f"MCP tools of agent '{self.agent}' changed: {change}",
                )
            )

    def offers(self, name: str) -> bool:
        return any(spec["name"] == name for spec in self.specs)

    async def call(self, block: dict[str, Any]) -> dict[str, Any]:
        call_id = str(block.get("id", ""))
        name = str(block.get("name", ""))
        arguments = block.get("input") if isinstance(block.get("input"), dict) else {}
        assert isinstance(arguments, dict)
        self.emit(
            ToolCallStarted(
                run_id=self.run_id,
                step_id=self.step_id,
                call_id=call_id,
                tool=name,
                arguments=arguments,
            )
        )
        started = time.perf_counter()
        since = time.time()
        self._cut = None
        try:
            content, is_error = await self._decide_and_run(name, arguments, call_id)
        except HookStopped as stopped:  # the call ends in the journal before the run does
            self.emit(
                ToolCallFinished(
                    run_id=self.run_id,
                    step_id=self.step_id,
                    call_id=call_id,
                    tool=name,
                    duration_ms=round((time.perf_counter() - started) * 1000, 3),
                    is_error=True,
                    summary=f"a hook stopped the run: {stopped}"[:SUMMARY_CHARS],
                )
            )
            raise
        # What a tool read (`printenv`, a config file, an MCP reply) goes to the model:
        # a known secret or a token shape in it never does.
        content = SECRETS.redactor.redact(content)
        if name == "edit" and not is_error and self.on_edit is not None:
            self.on_edit()
        text = content if isinstance(content, str) else _text_of(content)
        self.emit(
            ToolCallFinished(
                run_id=self.run_id,
                step_id=self.step_id,
                call_id=call_id,
                tool=name,
                duration_ms=round((time.perf_counter() - started) * 1000, 3),
                is_error=is_error,
                summary=text[:SUMMARY_CHARS],
                cut=self._cut,
            )
        )
        if self.artifacts is not None and not is_error and _saves_files(name):
            await self._keep_artifacts(call_id, arguments, text, since)
        result: dict[str, Any] = {"type": "tool_result", "tool_use_id": call_id, "content": content}
        if is_error:
            result["is_error"] = True
        return result

    async def _keep_artifacts(
        self, call_id: str, arguments: dict[str, Any], text: str, since: float
    ) -> None:
        assert self.artifacts is not None
        collect = functools.partial(self.artifacts.collect, arguments, text, since=since)
        for artifact in await asyncio.to_thread(collect):
            self.emit(
                ArtifactSaved(
                    run_id=self.run_id,
                    step_id=self.step_id,
                    call_id=call_id,
                    source=artifact.source,
                    path=artifact.relative,
                    size=artifact.size,
                )
            )

    async def _decide_and_run(
        self, name: str, arguments: dict[str, Any], call_id: str
    ) -> tuple[str | list[dict[str, Any]], bool]:
        if not self.offers(name):
            return f"tool '{name}' is not available to agent '{self.agent}'", True
        outside = self._leaves_workspace(name, arguments)
        if outside is not None:
            return outside, True
        hook = await self._pre_tool_hook(name, arguments)
        if hook is not None and hook.blocked:
            self.emit(
                PermissionDecided(
                    run_id=self.run_id,
                    step_id=self.step_id,
                    tool=name,
                    verdict="deny",
                    rule=None,
                    reason=f"blocked by a PreToolUse hook: {hook.reason}",
                    by="policy",
                )
            )
            return f"The call to {name} was blocked by a PreToolUse hook: {hook.reason}", True
        refused = await self._refusal(name, arguments, hook.permission if hook else None)
        if refused is not None:
            return refused, True
        before = await self._disk_before(name, arguments)
        try:
            content, is_error = await self._run(name, arguments, call_id)
        except ToolError as error:
            content, is_error = str(error), True
        if before is not None:
            await self._disk_after(f"`{name}`", before)
        return await self._post_tool_hook(name, arguments, content, is_error), is_error

    async def _disk_before(self, name: str, arguments: dict[str, Any]) -> DiskState | None:
        """The workspace's state before a call that may write outside review; None for
        a call that cannot (built-in tools but the shell, read-only MCP tools)."""
        root = self.disk_root
        if root is None or self.on_disk_change is None:
            return None
        if name == "run_shell":
            command = arguments.get("command")
            named = (
                shell_effects(command, str(root), lambda _: False).writes
                if isinstance(command, str)
                else []
            )
        elif name.startswith("mcp__") and name not in self._read_only:
            named = named_paths(arguments, str(root))
        else:
            return None
        return await asyncio.to_thread(take, root, named)

    async def _disk_after(self, by: str, before: DiskState) -> None:
        assert self.disk_root is not None and self.on_disk_change is not None
        found = await asyncio.to_thread(changed, self.disk_root, before)
        if found:
            self.on_disk_change(by, found)

    async def _pre_tool_hook(self, name: str, arguments: dict[str, Any]) -> HookOutcome | None:
        if self.hooks is None or not self.hooks.has("PreToolUse"):
            return None
        payload = {
            "tool_name": CLAUDE_NAMES.get(name, name),
            "tool_input": claude_tool_input(name, arguments, self.context.view.root),
        }
        outcome = await self.hooks.run(
            "PreToolUse", self.step_id, payload, tool=name, mode=self.hook_mode
        )
        if outcome.stop_run:
            raise HookStopped(outcome.stop_run)
        return outcome

    async def _post_tool_hook(
        self,
        name: str,
        arguments: dict[str, Any],
        content: str | list[dict[str, Any]],
        is_error: bool,
    ) -> str | list[dict[str, Any]]:
        """PostToolUse: a blocking hook's words reach the model beside the result."""
        if self.hooks is None or not self.hooks.has("PostToolUse"):
            return content
        text = content if isinstance(content, str) else _text_of(content)
        change = self._proposed(arguments) if name == "edit" and not is_error else None
        root = self.context.view.root
        refused = None if change is None else self._runs_as_code(name, change.path)
        if refused is not None:
            return _with_notes(content, [refused])
        with contextlib.ExitStack() as scratch:
            if change is not None:  # the hook works on the proposal, never on the disk
                data = (
                    None
                    if change.proposed_text is None
                    else change.encoding.encode(change.proposed_text)
                )
                root = scratch.enter_context(proposal_tree(root, change.path, data))
            payload = {
                "tool_name": CLAUDE_NAMES.get(name, name),
                # The proposal's own path, so an absolute one cannot lead to the disk.
                "tool_input": claude_tool_input(
                    name, {**arguments, "path": change.path} if change else arguments, root
                ),
                "tool_response": {"content": text, "is_error": is_error},
            }
            outcome = await self.hooks.run(
                "PostToolUse", self.step_id, payload, tool=name, mode=self.hook_mode, cwd=root
            )
            folded = self._fold(change, root) if change is not None else None
        if outcome.stop_run:
            raise HookStopped(outcome.stop_run)
        notes = ([f"PostToolUse hook: {outcome.reason}"] if outcome.blocked else []) + [
            f"PostToolUse hook: {extra}" for extra in outcome.context
        ]
        if folded:
            notes.append(folded)
        return _with_notes(content, notes)

    def _runs_as_code(self, name: str, path: str) -> str | None:
        """When the proposed `path` is a file the PostToolUse hooks' tools may run as
        code (a protected path, or see `hooks.runs_as_code`), they do not run on it
        before a person reviewed it: a formatter would load the model's configuration
        and run it. Journals and shows why; returns the note for the model. None: the
        hooks may run."""
        assert self.hooks is not None
        commands = self.hooks.commands("PostToolUse", name)
        if not commands:
            return None
        protection = self.policy.protection(path)
        why = (
            f"it is a protected path (`{protection[1]}`)"
            if protection is not None
            else runs_as_code(path, commands, self.context.view.root)
        )
        if why is None:
            return None
        message = (
            f"PostToolUse hook not run on the proposed {path} before review: {why}, so a "
            "hook's tools would run what the proposal says before a person accepted it; "
            "the proposal stays as written, for review"
        )
        self.emit(Notice(run_id=self.run_id, level="warning", message=message))
        return message

    def _proposed(self, arguments: dict[str, Any]) -> FileChange | None:
        """The proposal an `edit` call just made or changed."""
        path = arguments.get("path")
        if not isinstance(path, str):
            return None
        try:
            relative = self.context.view.resolve(path)
        except ToolError:
            return None
        return self.context.view.changeset.get(relative)

    def _fold(self, change: FileChange, scratch: Path) -> str | None:
        """What a PostToolUse hook made of the proposed file in its scratch tree becomes
        the proposal (reviewed with the rest); a note for the model, None when the hook
        left it as it was."""
        try:
            data = (scratch / change.path).read_bytes()
            text: str | None = decode_text(data, change.encoding)[0]
        except FileNotFoundError:
            text = None
        except (OSError, NotText) as error:
            return f"PostToolUse hook: its change to {change.path} was not kept ({error})"
        if text == change.proposed_text:
            return None
        if text is None:
            self.context.view.changeset.delete(change.path)
        else:
            self.context.view.changeset.propose(change.path, text)
        self.emit(
            Notice(
                run_id=self.run_id,
                level="info",
                message=f"a PostToolUse hook changed the proposed {change.path}: its change "
                "is part of the proposal, for review (the file on disk is untouched)",
            )
        )
        return (
            f"PostToolUse hook: it changed the proposed {change.path}; its change is part of "
            "the proposal (read the file again before editing it further)"
        )

    def _leaves_workspace(self, name: str, arguments: dict[str, Any]) -> str | None:
        """A built-in tool's path outside the workspace: the tool refuses it whatever
        anyone allows, so say so at once instead of asking a person about it."""
        path = arguments.get("path")
        if name not in BUILTIN_TOOLS or not isinstance(path, str):
            return None
        try:
            self.context.view.resolve(path)
        except ToolError as error:
            return str(error)
        return None

    async def _refusal(
        self, name: str, arguments: dict[str, Any], hook: str | None = None
    ) -> str | None:
        """None when the call may go ahead; else why not, for the model to read.

        `hook` is a PreToolUse hook's permissionDecision: `allow` spares the person the
        question (a deny rule still wins), `ask` asks even where a rule allows. With
        `bypass` (bypassPermissions, allowed by the person's own settings) what would be
        asked is allowed."""
        if self.plan and _writes(name, self._read_only):
            reason = "plan mode: nothing is written (switch the mode to run it)"
            self.emit(
                PermissionDecided(
                    run_id=self.run_id,
                    step_id=self.step_id,
                    tool=name,
                    verdict="deny",
                    rule=None,
                    reason=reason,
                    by="policy",
                )
            )
            return f"The call to {name} was not made: {reason}."
        decision = self.policy.decide(name, arguments)
        if hook == "allow" and decision.verdict == "ask":
            decision = Decision(verdict="allow", rule=None, reason="allowed by a PreToolUse hook")
        elif hook == "ask" and decision.verdict == "allow":
            reason = "a PreToolUse hook asks for confirmation"
            decision = Decision(verdict="ask", rule=decision.rule, reason=reason)
        elif self.bypass and decision.verdict == "ask":
            decision = Decision(
                verdict="allow", rule=None, reason="permissionMode bypassPermissions"
            )
        verdict, by = decision.verdict, "policy"
        always = None
        if verdict == "ask":
            if self.unattended:
                verdict, by = "deny", "automation"
            else:
                self.emit(
                    PermissionAsked(
                        run_id=self.run_id, step_id=self.step_id, tool=name, arguments=arguments
                    )
                )
                answer = await self.frontend.permission(
                    PermissionRequest(
                        run_id=self.run_id,
                        step_id=self.step_id,
                        tool=name,
                        arguments=arguments,
                        reason=decision.reason,
                    )
                )
                if isinstance(answer, PermissionAnswer):
                    always = answer.always
                    answer = answer.allow
                verdict, by = ("allow" if answer else "deny"), "person"
        self.emit(
            PermissionDecided(
                run_id=self.run_id,
                step_id=self.step_id,
                tool=name,
                verdict="allow" if verdict == "allow" else "deny",
                rule=decision.rule,
                reason=decision.reason,
                by=by,
                always=always,
            )
        )
        if verdict != "allow":
            why = {
                # The reason names what the rule denied when the call's own text does
                # not (`grep -r TOKEN .` reads `secrets/a` that `Read(secrets/**)` denies).
                "policy": f"denied by the permission rule `{decision.rule}`"
                + (
                    ""
                    if decision.reason == f"denied by rule `{decision.rule}`"
                    else f": {decision.reason}"
                ),
                "person": "the person declined this call",
                "automation": "it needs a person's approval and this run is unattended; "
                "an allow rule in .orchestra/config.toml would permit it"
                if decision.rule is None
                # A rule matched, yet a person must approve (a hazard, a protected path):
                # no rule can permit it, so say why instead.
                else f"it needs a person's approval and this run is unattended: {decision.reason}",
            }[by]
            return f"The call to {name} was not made: {why}."
        return None

    async def _run(
        self, name: str, arguments: dict[str, Any], call_id: str
    ) -> tuple[str | list[dict[str, Any]], bool]:
        if name == ASK_USER_SPEC.name:
            return await self._ask(arguments), False
        if name == SKILL_TOOL:
            return self._load_skill(arguments), False
        if name == TASK_TOOL:
            return await self._task(arguments), False
        tool = BUILTIN_TOOLS.get(name)
        if tool is not None:
            policy = self.policy
            context = self.context
            if policy.withholds_any():  # search and list_files leave those files out
                context = replace(context, withheld=lambda p: policy.withholds(p) is not None)
            result = await tool.run(arguments, context)
            path = arguments.get("path")
            if name in ("read_file", "edit") and isinstance(path, str) and not result.is_error:
                nested = self._nested.for_path(path)
                if nested is not None:
                    return f"{result.text}\n\n{nested}", False
            return result.text, result.is_error
        assert self.pool is not None  # offered MCP tools come from the pool
        mcp_result = await self.pool.call(
            name, arguments, spill=self._spill(call_id), elicit=self._elicit
        )
        self._cut = mcp_result.cut_note
        return mcp_result.content, mcp_result.is_error

    def _delegable(self) -> Mapping[str, Agent]:
        """Agents a `task` may start: all, or those named by `task(NAME)` patterns
        (Claude Code's `Task(agent_type)`)."""
        parts = map(split_pattern, self.patterns)
        named = [arg for name, arg in parts if name == TASK_TOOL and arg]
        if not named:
            return self.agents
        return {n: a for n, a in self.agents.items() if _offered(named, n)}

    async def _task(self, arguments: dict[str, Any]) -> str:
        args = parse_args(TaskArgs, arguments)
        agents = self._delegable()
        if args.subagent_type not in agents or args.subagent_type == self.agent:
            names = ", ".join(sorted(n for n in agents if n != self.agent)) or "none"
            raise ToolError(f"no agent '{args.subagent_type}' to delegate to (agents: {names})")
        assert self.delegate is not None  # offered only with a delegate
        return await self.delegate(args)

    def _load_skill(self, arguments: dict[str, Any]) -> str:
        """A skill's text; from now on its `allowed-tools` are allowed in this step, as
        Claude Code allows them while a skill is active."""
        skill, text = load_skill(self.skills, arguments)
        if skill.allowed_tools and arguments.get("file") is None:
            extra = Policy.from_strings(allow=skill.allowed_tools).allow
            self.policy = replace(self.policy, allow=(*self.policy.allow, *extra))
        return text

    async def _elicit(self, server: str, params: ElicitRequestParams) -> ElicitResult:
        """A server's request for input during a call: a gate for the person, asked
        through the front end like `ask_user`; declined when nobody is there. The
        outcome (never the answers) is journaled."""
        from mcp_types import ElicitRequestFormParams, ElicitResult

        from orchestra_lsp.mcp.elicitation import NobodyToAsk, ask_form, ask_url

        if self.unattended:
            result = ElicitResult(action="decline")
            why = "declined: this run is unattended (automation mode or --yes), nobody can answer"
        else:

            async def ask(
                text: str, choices: list[str] | None, open_url: str | None = None
            ) -> str | None:
                question = Question(
                    run_id=self.run_id,
                    step_id=self.step_id,
                    question=text,
                    choices=choices,
                    open_url=open_url,
                )
                answer = await self.frontend.ask(question)
                # Front ends answer a question they cannot ask, or one the person
                # dismissed, with a parenthesised sentence for the model; to a form
                # the first is nobody to ask (a decline), the second a cancel.
                if answer.startswith(CANNOT_ASK):
                    raise NobodyToAsk(answer.strip("()").split(";")[0])
                return None if answer.startswith("(the person ") else answer

            if isinstance(params, ElicitRequestFormParams):
                result, why = await ask_form(server, params, ask)
            else:
                result, why = await ask_url(server, params, ask)
        self.emit(
            Notice(
                run_id=self.run_id,
                level="info",
                message=f"MCP server '{server}' asked for input ({params.mode} mode): "
                f"{result.action}; {why}",
            )
        )
        return result

    def _spill(self, call_id: str) -> Callable[[str, bytes], str] | None:
        """Where an MCP result's overflow goes: the run's folder, named by the call,
        given to the model relative to the workspace so `read_file` can open it."""
        save = self.save_file
        if save is None:
            return None
        root = self.context.view.root

        def spill(suffix: str, data: bytes) -> str:
            path = save(f"{call_id or 'result'}{suffix}", data)
            return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)

        return spill

    async def _ask(self, arguments: dict[str, Any]) -> str:
        try:
            args = AskUserArgs.model_validate(arguments)
        except ValueError as error:
            raise ToolError(f"invalid input for ask_user: {error}") from None
        answer = await self.frontend.ask(
            Question(
                run_id=self.run_id,
                step_id=self.step_id,
                question=args.question,
                choices=args.choices,
            )
        )
        return answer or "(no answer)"


def _writes(name: str, read_only: set[str]) -> bool:
    """Whether plan mode denies a call: the shell, and MCP tools not marked read-only
    (the resource tools are)."""
    return name == "run_shell" or (name.startswith("mcp__") and name not in read_only)


def annotation_hints(tools: Sequence[McpTool]) -> dict[str, tuple[Verdict, str]]:
    """Default verdicts from MCP tool annotations, for tools no rule names: a tool its
    server marks `readOnlyHint` is allowed; any other (destructive unless the server
    says `destructiveHint: false`) asks, as an unlisted tool always does."""
    hints: dict[str, tuple[Verdict, str]] = {}
    for tool in tools:
        if tool.read_only:
            hints[tool.name] = ("allow", f"allowed: MCP server '{tool.server}' marks it read-only")
        elif tool.destructive:
            reason = f"MCP server '{tool.server}' marks it destructive (or does not say otherwise)"
            hints[tool.name] = ("ask", reason)
    return hints


def _with_notes(
    content: str | list[dict[str, Any]], notes: list[str]
) -> str | list[dict[str, Any]]:
    """A tool result with `notes` for the model after it."""
    if not notes:
        return content
    if isinstance(content, str):
        return "\n\n".join([content, *notes])
    return [*content, *({"type": "text", "text": note} for note in notes)]


def _text_of(content: list[dict[str, Any]]) -> str:
    texts = [str(block.get("text", "")) for block in content if block.get("type") == "text"]
    others = [block.get("type") for block in content if block.get("type") != "text"]
    return " ".join(texts) + (f" [{', '.join(map(str, others))}]" if others else "")
