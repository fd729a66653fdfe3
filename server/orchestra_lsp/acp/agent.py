"""`orchestra acp`: an Agent Client Protocol agent (v1, stdio) over the engine.

Built on the official Python SDK (`acp`). A session is a workspace (the client's
`cwd`); a prompt `/name args` runs that Orchestra command, any other prompt runs the
default agent on it. Answers to gates, policy asks and reviews go through
`frontend.AcpFrontEnd`. Not offered yet (so not declared): `session/load`,
`session/list`, modes, terminals, `fs/*` delegation, elicitation.
"""

from __future__ import annotations

import asyncio
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
    Implementation,
    InitializeResponse,
    NewSessionResponse,
    PromptCapabilities,
    PromptResponse,
    TextContentBlock,
    UnstructuredCommandInput,
)

from acp import PROTOCOL_VERSION, RequestError, run_agent, update_agent_message_text
from orchestra_lsp import __version__
from orchestra_lsp.acp.frontend import AcpFrontEnd
from orchestra_lsp.engine import Engine, RunHandle, RunRequest, RunRequestError, bind_arguments
from orchestra_lsp.workspace import Command


@dataclass
class _Session:
    engine: Engine
    frontend: AcpFrontEnd
    pump: asyncio.Task[None]
    run: RunHandle | None = None
    cancelled: bool = field(default=False)


class OrchestraAgent:
    """The ACP `Agent` side: one engine per session, one run per prompt at a time."""

    def __init__(self) -> None:
        self._client: Client | None = None
        self._sessions: dict[str, _Session] = {}

    def on_connect(self, conn: Client) -> None:
        self._client = conn

    async def initialize(
        self,
        protocol_version: int,
        client_capabilities: Any = None,
        client_info: Any = None,
        **kwargs: Any,
    ) -> InitializeResponse:
        # Only what is implemented: text prompts (every agent must take them), no
        # session/load, no images, audio or embedded context, no MCP from the client.
        return InitializeResponse(
            protocol_version=PROTOCOL_VERSION,
            agent_capabilities=AgentCapabilities(
                load_session=False, prompt_capabilities=PromptCapabilities()
            ),
            agent_info=Implementation(name="orchestra", title="Orchestra", version=__version__),
            auth_methods=[],
        )

    async def new_session(self, cwd: str, **kwargs: Any) -> NewSessionResponse:
        root = Path(cwd)
        if not root.is_absolute() or not root.is_dir():
            raise RequestError.invalid_params({"cwd": f"not an absolute folder: {cwd}"})
        assert self._client is not None
        session_id = uuid.uuid4().hex
        frontend = AcpFrontEnd(self._client, session_id)
        engine = Engine(root)
        pump = asyncio.get_running_loop().create_task(frontend.pump())
        self._sessions[session_id] = _Session(engine, frontend, pump)
        # Sent after the response, through the same ordered queue as every update.
        frontend.send(update_available_commands(_announced(engine)))
        return NewSessionResponse(session_id=session_id)

    def _session(self, session_id: str) -> _Session:
        session = self._sessions.get(session_id)
        if session is None:
            raise RequestError.invalid_params({"sessionId": f"no session {session_id}"})
        return session

    async def prompt(self, session_id: str, prompt: list[Any], **kwargs: Any) -> PromptResponse:
        session = self._session(session_id)
        if session.run is not None:
            raise RequestError.invalid_request({"sessionId": "a prompt is already running"})
        text = "".join(b.text for b in prompt if isinstance(b, TextContentBlock)).strip()
        frontend = session.frontend
        try:
            await session.engine.reload()
            session.run = _start(session.engine, text, frontend)
        except RunRequestError as error:
            frontend.send(update_agent_message_text(f"orchestra: {error}"))
            await _flushed(frontend)
            return PromptResponse(stop_reason="end_turn")
        session.cancelled = False
        try:
            await session.run.wait()
        finally:
            session.run = None
        await _flushed(frontend)
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
            await session.engine.aclose()


def _start(engine: Engine, text: str, frontend: AcpFrontEnd) -> RunHandle:
    """`/name args` runs command `name` (its words bound as `orchestra run` binds
    them); anything else is a message to the default agent."""
    if text.startswith("/"):
        name, _, rest = text[1:].partition(" ")
        command = engine.command(name)
        if command is None:
            known = ", ".join(f"/{n}" for n in sorted(engine.workspace.commands)) or "none"
            raise RunRequestError(f"no command '/{name}' (commands: {known})")
        try:
            words = shlex.split(rest)
        except ValueError as error:
            raise RunRequestError(f"/{name}: cannot split the arguments: {error}") from None
        arguments = bind_arguments(command, words)
        return engine.start(RunRequest(command=name, arguments=arguments), frontend)
    if not text:
        raise RunRequestError("an empty prompt: write a message, or /command arguments")
    return engine.start_prompt(text, frontend)


async def _flushed(frontend: AcpFrontEnd) -> None:
    """Wait until every queued update has been sent, so the prompt's response comes
    after its last chunk (a client reads them in order)."""
    while not frontend.idle():
        await asyncio.sleep(0.01)


def _announced(engine: Engine) -> list[AvailableCommand]:
    return [_available(command) for command in engine.workspace.commands.values()]


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
