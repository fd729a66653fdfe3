"""`orchestra acp`: an Agent Client Protocol agent (v1, stdio) over the engine.

Built on the official Python SDK (`acp`). A session is a workspace (the client's
`cwd`); a prompt `/name args` runs that Orchestra command, `/undo` and `/review` take
back or review a past run (`Engine.undo` / `Engine.recover`), any other prompt runs
the default agent on it. `session/list` and `session/load` read the journal
(`history`). Modes: `orchestration` (gates and reviews ask the person) and
`automation` (they pass by policy, as `orchestra run --yes`) and `plan` (nothing is
written: edits are shown and kept pending, `Engine.start(plan=True)`). Answers to gates,
policy asks and reviews go through `frontend.AcpFrontEnd`.
"""

from __future__ import annotations

import asyncio
import logging
import shlex
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from acp.helpers import update_available_commands
from acp.interfaces import Agent, Client
from acp.schema import (
    AgentCapabilities,
    AvailableCommand,
    AvailableCommandInput,
    ClientCapabilities,
    Implementation,
    InitializeResponse,
    ListSessionsResponse,
    LoadSessionResponse,
    McpCapabilities,
    NewSessionResponse,
    PromptCapabilities,
    PromptResponse,
    SessionCapabilities,
    SessionListCapabilities,
    SessionMode,
    SessionModeState,
    SetSessionModeResponse,
    TextContentBlock,
    UnstructuredCommandInput,
)

from acp import PROTOCOL_VERSION, RequestError, run_agent, update_agent_message_text
from orchestra_lsp import __version__
from orchestra_lsp.acp import history
from orchestra_lsp.acp.buffers import ClientBuffers
from orchestra_lsp.acp.frontend import AcpFrontEnd
from orchestra_lsp.acp.mcp_servers import ClientServer, from_client, relay
from orchestra_lsp.engine import Engine, RunHandle, RunRequest, RunRequestError, bind_arguments
from orchestra_lsp.journal import RunNotFoundError, load_run
from orchestra_lsp.workspace import Command

logger = logging.getLogger(__name__)

#: The session modes, by id: whether gates and reviews ask the person.
MODES = {
    "orchestration": SessionMode(
        id="orchestration",
        name="Orchestration",
        description="Gates, permission asks and reviews ask you",
    ),
    "automation": SessionMode(
        id="automation",
        name="Automation",
        description="Gates pass and edits land by policy; calls the policy would ask "
        "about are denied",
    ),
    "plan": SessionMode(
        id="plan",
        name="Plan",
        description="The agent plans and proposes; nothing is written (edits are shown "
        "and kept pending for /review, the shell and MCP tools that are not read-only "
        "are denied)",
    ),
}

USAGE = {"undo": "/undo [RUN] [--step STEP] [--file PATH]", "review": "/review [RUN]"}

#: Commands of the agent itself, announced unless the workspace has one of that name.
BUILTINS = {
    "undo": AvailableCommand(
        name="undo",
        description="Take back what a run landed (this session's last or loaded run by "
        "default), reviewed like any proposal",
        input=AvailableCommandInput(
            UnstructuredCommandInput(hint="[RUN] [--step STEP] [--file PATH]")
        ),
    ),
    "review": AvailableCommand(
        name="review",
        description="Review the proposal an interrupted run left pending (the loaded "
        "run by default)",
        input=AvailableCommandInput(UnstructuredCommandInput(hint="[RUN]")),
    ),
}


@dataclass
class _Session:
    engine: Engine
    frontend: AcpFrontEnd
    pump: asyncio.Task[None]
    run: RunHandle | None = None
    cancelled: bool = field(default=False)
    mode: str = "orchestration"
    last_run: str | None = None
    listing: asyncio.Task[None] | None = None
    """Loading the MCP servers' prompts, announced as commands when done."""
    prompts_seen: int = -1
    """The pool's `prompts_generation` the announced commands were listed at."""
    """The run `/undo` and `/review` mean without an argument: the last one started
    here, or the one `session/load` replayed."""


class OrchestraAgent:
    """The ACP `Agent` side: one engine per session, one run per prompt at a time."""

    def __init__(self) -> None:
        self._client: Client | None = None
        self._capabilities = ClientCapabilities()
        self._sessions: dict[str, _Session] = {}

    def on_connect(self, conn: Client) -> None:
        self._client = conn

    async def initialize(
        self,
        protocol_version: int,
        client_capabilities: ClientCapabilities | None = None,
        client_info: Any = None,
        **kwargs: Any,
    ) -> InitializeResponse:
        # Only what is implemented: text prompts (every agent must take them), loading
        # and listing past runs; no images, audio or embedded context.
        self._capabilities = client_capabilities or ClientCapabilities()
        return InitializeResponse(
            protocol_version=PROTOCOL_VERSION,
            agent_capabilities=AgentCapabilities(
                load_session=True,
                prompt_capabilities=PromptCapabilities(),
                session_capabilities=SessionCapabilities(list=SessionListCapabilities()),
                mcp_capabilities=McpCapabilities(http=True, sse=True, acp=True),
            ),
            agent_info=Implementation(name="orchestra", title="Orchestra", version=__version__),
            auth_methods=[],
        )

    def _open(self, cwd: str, session_id: str, servers: list[ClientServer] | None) -> _Session:
        root = Path(cwd)
        if not root.is_absolute() or not root.is_dir():
            raise RequestError.invalid_params({"cwd": f"not an absolute folder: {cwd}"})
        assert self._client is not None
        frontend = AcpFrontEnd(self._client, session_id, root.resolve(), self._capabilities)
        given, left_out = from_client(servers)
        terminal = frontend.run_in_terminal if self._capabilities.terminal else None
        fs = self._capabilities.fs
        buffers = (
            ClientBuffers(self._client, session_id, root.resolve(), asyncio.get_running_loop())
            if fs is not None and fs.read_text_file
            else None
        )
        engine = Engine(
            root,
            mcp_servers=given,
            terminal=terminal,
            buffers=(lambda: buffers) if buffers is not None else None,
            mcp_relay=relay(self._client),
        )
        pump = asyncio.get_running_loop().create_task(frontend.pump())
        session = _Session(engine, frontend, pump)
        self._sessions[session_id] = session
        for line in left_out:
            frontend.send(update_agent_message_text(f"[warning] {line}\n"))
        return session

    async def new_session(
        self, cwd: str, mcp_servers: list[ClientServer] | None = None, **kwargs: Any
    ) -> NewSessionResponse:
        """A live session on the workspace `cwd`; the client's `mcpServers` are added to
        the workspace's own for this session."""
        session_id = uuid.uuid4().hex
        session = self._open(cwd, session_id, mcp_servers)
        # Sent after the response, through the same ordered queue as every update.
        _announce(session)
        return NewSessionResponse(session_id=session_id, modes=_modes(session.mode))

    async def load_session(
        self,
        cwd: str,
        session_id: str,
        mcp_servers: list[ClientServer] | None = None,
        **kwargs: Any,
    ) -> LoadSessionResponse:
        """Replay a past run (its id is the session id) and go on as a live session:
        its next prompt starts a new run; `/undo` and `/review` mean that run."""
        if (live := self._sessions.get(session_id)) is not None and live.run is not None:
            raise RequestError.invalid_request({"sessionId": "that session is running"})
        try:
            record = load_run(Path(cwd), session_id)
        except RunNotFoundError as error:
            raise RequestError.invalid_params({"sessionId": str(error)}) from None
        session = self._open(cwd, session_id, mcp_servers)
        session.last_run = session_id
        history.replay(record, session.frontend)
        _announce(session)
        await _flushed(session.frontend)  # the spec: the whole replay before the answer
        return LoadSessionResponse(modes=_modes(session.mode))

    async def list_sessions(
        self, cwd: str | None = None, cursor: str | None = None, **kwargs: Any
    ) -> ListSessionsResponse:
        root = Path(cwd) if cwd else Path.cwd()
        if not root.is_absolute() or not root.is_dir():
            raise RequestError.invalid_params({"cwd": f"not an absolute folder: {cwd}"})
        try:
            return history.list_sessions(root.resolve(), cursor)
        except ValueError:
            raise RequestError.invalid_params(
                {"cursor": f"not a cursor of this agent: {cursor}"}
            ) from None

    async def set_session_mode(
        self, session_id: str, mode_id: str, **kwargs: Any
    ) -> SetSessionModeResponse:
        session = self._session(session_id)
        if mode_id not in MODES:
            known = ", ".join(MODES)
            raise RequestError.invalid_params({"modeId": f"no mode {mode_id} (modes: {known})"})
        session.mode = mode_id
        return SetSessionModeResponse()

    def _session(self, session_id: str) -> _Session:
        session = self._sessions.get(session_id)
        if session is None:
            raise RequestError.invalid_params({"sessionId": f"no session {session_id}"})
        return session

    async def prompt(self, session_id: str, prompt: list[Any], **kwargs: Any) -> PromptResponse:
        session = self._session(session_id)
        text = "".join(b.text for b in prompt if isinstance(b, TextContentBlock)).strip()
        frontend = session.frontend
        if frontend.wants_reply():
            frontend.reply(text)  # the run asked for this prompt (feedback, an answer)
            return await self._turn(session)
        if session.run is not None:
            raise RequestError.invalid_request({"sessionId": "a prompt is already running"})
        try:
            await session.engine.reload()
            await asyncio.to_thread(session.engine.warm_up)  # once: imports off the loop
            frontend.context_size = session.engine.workspace.config.model.context_budget_tokens
            if text.startswith("/"):  # an MCP prompt not listed yet is looked up first
                await session.engine.prepare(text[1:].partition(" ")[0])
            session.run = _start(session, text)
        except RunRequestError as error:
            frontend.send(update_agent_message_text(f"orchestra: {error}"))
            await _flushed(frontend)
            return PromptResponse(stop_reason="end_turn")
        session.last_run = session.run.run_id
        session.cancelled = False
        return await self._turn(session)

    async def _turn(self, session: _Session) -> PromptResponse:
        """Wait for the run to end, or to ask for the person's next prompt: either ends
        this prompt turn (the run goes on waiting in the second case)."""
        run = session.run
        assert run is not None
        finished = asyncio.ensure_future(run.wait())
        asked = asyncio.ensure_future(session.frontend.reply_wanted.wait())
        try:
            await asyncio.wait({finished, asked}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            asked.cancel()
            if not finished.done():
                finished.cancel()  # the waiter only: `wait` shields the run
        _announce_again(session)
        await _flushed(session.frontend)
        if not finished.done() or finished.cancelled():
            return PromptResponse(stop_reason="end_turn")
        session.run = None
        # `cancelled` answers the client's session/cancel only; a person's "stop" at
        # a gate ends the turn normally (the run's text says it stopped).
        if session.cancelled:
            return PromptResponse(stop_reason="cancelled")
        return PromptResponse(stop_reason="end_turn")

    async def cancel(self, session_id: str, **kwargs: Any) -> None:
        session = self._sessions.get(session_id)
        if session is not None and session.run is not None:
            session.cancelled = True
            session.run.cancel()

    async def interrupt_all(self) -> None:
        """The client went away: every run ends `interrupted`, its proposal kept."""
        for session in self._sessions.values():
            # The engine's own list: a prompt handler the SDK cancelled has already
            # let go of its run, which is still waiting for an answer.
            for handle in list(session.engine.runs.values()):
                if not handle.task.done():
                    handle.interrupt()
                    await handle.wait()
            session.pump.cancel()
            if session.listing is not None:
                session.listing.cancel()
            await session.engine.aclose()


def _start(session: _Session, text: str) -> RunHandle:
    """`/name args` runs command `name` (its words bound as `orchestra run` binds
    them), or the built-in `/undo` / `/review`; anything else is a message to the
    default agent."""
    engine, frontend = session.engine, session.frontend
    yes = session.mode == "automation"
    plan = session.mode == "plan"
    if not text.startswith("/"):
        if not text:
            raise RunRequestError("an empty prompt: write a message, or /command arguments")
        return engine.start_prompt(text, frontend, yes=yes, plan=plan)
    name, _, rest = text[1:].partition(" ")
    try:
        words = shlex.split(rest)
    except ValueError as error:
        raise RunRequestError(f"/{name}: cannot split the arguments: {error}") from None
    command = engine.command(name)
    if command is None and name in BUILTINS:
        if plan:
            raise RunRequestError(f"/{name} writes files; plan mode writes nothing")
        return _builtin(session, name, words)
    if command is None:
        known = [
            *engine.workspace.commands,
            *(b for b in BUILTINS if b not in engine.workspace.commands),
        ]
        listed = ", ".join(f"/{n}" for n in sorted(known))
        raise RunRequestError(f"no command '/{name}' (commands: {listed})")
    arguments = bind_arguments(command, words)
    request = RunRequest(command=name, arguments=arguments)
    return engine.start(request, frontend, yes=yes, plan=plan)


def _builtin(session: _Session, name: str, words: list[str]) -> RunHandle:
    """`/undo [RUN] [--step STEP] [--file PATH]` and `/review [RUN]`: the engine's own
    undo and recovery runs, for the named run or the session's last one."""
    options: dict[str, str] = {}
    runs: list[str] = []
    rest = iter(words)
    for word in rest:
        if name == "undo" and word in ("--step", "--file"):
            value = next(rest, None)
            if value is None:
                raise RunRequestError(f"/undo: {word} needs a value")
            options[word[2:]] = value
        elif word.startswith("--"):
            raise RunRequestError(f"/{name}: unknown option {word} (usage: {USAGE[name]})")
        else:
            runs.append(word)
    if len(runs) > 1:
        raise RunRequestError(f"/{name}: one run at a time, not {len(runs)}")
    run_id = runs[0] if runs else session.last_run
    if run_id is None:
        raise RunRequestError(
            f"/{name}: which run? Name it (`orchestra runs` lists them), or load it first"
        )
    if name == "review":
        return session.engine.recover(run_id, session.frontend)
    return session.engine.undo(
        run_id,
        session.frontend,
        step=options.get("step"),
        file=options.get("file"),
        yes=session.mode == "automation",
    )


async def _flushed(frontend: AcpFrontEnd) -> None:
    """Wait until every queued update has been sent, so the prompt's response comes
    after its last chunk (a client reads them in order)."""
    while not frontend.idle():
        await asyncio.sleep(0.01)


def _announce(session: _Session) -> None:
    """Send the session's commands; MCP servers' prompts (`mcp__<server>__<prompt>`)
    follow in a second update once the servers have listed them."""
    session.frontend.send(update_available_commands(_announced(session.engine)))
    if session.engine.pool() is None or session.listing is not None:
        return
    _list_prompts(session)


def _list_prompts(session: _Session) -> None:
    async def listing() -> None:
        pool = session.engine.pool()
        session.prompts_seen = pool.prompts_generation if pool is not None else -1
        try:
            if await session.engine.mcp_commands():
                session.frontend.send(update_available_commands(_announced(session.engine)))
        except Exception:  # a server's trouble is noticed by the pool; commands stay
            logger.exception("listing the MCP servers' prompts failed")

    session.listing = asyncio.get_running_loop().create_task(listing())


def _announce_again(session: _Session) -> None:
    """After a turn: where a server said its prompts changed since they were listed,
    list them again and announce the session's commands anew."""
    pool = session.engine.pool()
    listing = session.listing
    if pool is None or listing is None or not listing.done():
        return
    if pool.prompts_generation != session.prompts_seen:
        _list_prompts(session)


def _announced(engine: Engine) -> list[AvailableCommand]:
    commands = engine.workspace.commands
    own = [_available(command) for command in commands.values()]
    builtins = [builtin for name, builtin in BUILTINS.items() if name not in commands]
    prompts = [_available(c) for n, c in engine.loaded_mcp_commands().items() if n not in commands]
    return own + builtins + prompts


def _modes(current: str) -> SessionModeState:
    return SessionModeState(current_mode_id=current, available_modes=list(MODES.values()))


def _available(command: Command) -> AvailableCommand:
    hint = command.argument_hint or " ".join(
        f"<{a.name}>" if a.required else f"[{a.name}]" for a in command.arguments
    )
    return AvailableCommand(
        name=command.name,
        description=command.description or command.name,
        input=AvailableCommandInput(UnstructuredCommandInput(hint=hint)) if hint else None,
    )


async def serve() -> int:
    """Speak ACP on stdin/stdout until the client closes the pipe."""
    agent = OrchestraAgent()
    try:
        # The SDK routes by method name and answers "method not found" for the ones an
        # agent leaves out (session/load, modes...); its Protocol lists them all.
        await run_agent(cast("Agent", agent))
    finally:
        await agent.interrupt_all()
    return 0
