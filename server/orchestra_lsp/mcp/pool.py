"""The MCP client pool: every server in mcp.json, started when an agent needs it.

One session per server for the life of the pool, shared by every run. A server
starts the first time an agent whose allow-list reaches it runs (several in
parallel, each under the start-up time-out), so a slow or broken server delays or
fails only itself. Server faults never raise: a call that times out, a server that
crashes, an unknown tool all come back as error results the model can read, and a
server that cannot start is reported through `on_notice` and left out.
"""

from __future__ import annotations

import asyncio
import functools
import re
import shutil
import tempfile
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar

import mcp_types as types
from mcp.client.session import ClientSession
from mcp.shared.exceptions import MCPError
from mcp_types import CONNECTION_CLOSED, REQUEST_TIMEOUT

from orchestra_lsp.mcp.clock import CallClock
from orchestra_lsp.mcp.connection import Connection, McpFailure, StartFailed
from orchestra_lsp.mcp.content import Spill, is_large, resource_result, tool_result
from orchestra_lsp.mcp.elicitation import Elicitor
from orchestra_lsp.mcp.listing import all_prompts, all_resource_templates, all_resources
from orchestra_lsp.mcp.models import McpPrompt, McpResult, McpTool, ServerState, ServerStatus
from orchestra_lsp.mcp.prompts import render, to_command
from orchestra_lsp.mcp.relay import McpRelay
from orchestra_lsp.mcp.rounds import resolved
from orchestra_lsp.mcp.scope import servers_reached, split_tool_name, tool_allowed, tool_name
from orchestra_lsp.mcp.stderr_log import StderrLog
from orchestra_lsp.workspace.mcp_config import McpServer, StdioServer

if TYPE_CHECKING:
    from orchestra_lsp.mcp.oauth import OpenUrl

#: Text tokens a tool result may carry to the model (the `config.toml` default for
#: `[model] max_tool_result_tokens`); past it the result is cut with a note.
DEFAULT_MAX_RESULT_TOKENS = 20_000
#: The tool an agent reads a server's resources with: `mcp__<server>__read_resource`.
READ_RESOURCE = "read_resource"
#: The tool an agent lists them with: `mcp__<server>__list_resources`.
LIST_RESOURCES = "list_resources"
_RESOURCE_TOOLS = (READ_RESOURCE, LIST_RESOURCES)
#: Tool names the Messages API accepts; others are left out with a warning.
_API_TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,128}$")
_LISTED_RESOURCES = 20
#: After a call timed out, the next use first pings the server, this long at most:
#: a server that stopped answering altogether is restarted rather than waited on.
PING_SECONDS = 5.0

Notice = Callable[[str, str], None]
T = TypeVar("T")


class McpPool:
    def __init__(
        self,
        servers: Mapping[str, McpServer],
        *,
        call_timeout: float = 60,
        startup_timeout: float = 30,
        on_notice: Notice | None = None,
        stderr_dir: Path | None = None,
        max_result_tokens: int = DEFAULT_MAX_RESULT_TOKENS,
        workspace: Path | None = None,
        tokens: Path | None = None,
        relay: McpRelay | None = None,
    ) -> None:
        """`relay` reaches the servers an ACP client provides itself. `stderr_dir`
        keeps each server's stderr (a temporary folder, removed on close, when None);
        `workspace` is where stdio servers start unless their `cwd` says otherwise;
        `tokens` is the user folder where OAuth tokens of `type: "http"` servers are
        kept (None: no OAuth)."""
        self._call_timeout = call_timeout
        self._startup_timeout = startup_timeout
        self._max_result_tokens = max_result_tokens
        self._on_notice = on_notice
        self._temp_dir = None if stderr_dir else Path(tempfile.mkdtemp(prefix="orchestra-mcp-"))
        logs = stderr_dir or self._temp_dir
        assert logs is not None
        self._connections = {
            name: Connection(
                server,
                stderr=StderrLog(logs / f"{name}.stderr.log", server.secrets()),
                startup_timeout=startup_timeout,
                ping_timeout=min(PING_SECONDS, server.spec.timeout or call_timeout),
                cwd=_cwd(server, workspace),
                on_exit=self._exited,
                on_change=self._changed,
                on_elicit=self._elicit,
                tokens=tokens,
                relay=relay,
            )
            for name, server in servers.items()
        }
        self._noticed: dict[str, int] = {}
        self._noticed_late: dict[str, int] = {}
        """Per server, the start a "not started within" notice was given for."""
        self._elicitors: dict[str, list[Elicitor]] = {}
        self.generation = 0
        """Goes up each time a server says its tools changed: a toolbox that saw an
        older generation asks `tools_for` again between turns."""

    @property
    def prompts_generation(self) -> int:
        """Goes up each time a server says its prompts changed: a front end that
        listed them at an older generation lists them again (`prompts`)."""
        return sum(connection.prompts_changes for connection in self._connections.values())

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # -- tools -----------------------------------------------------------------------

    async def tools_for(self, patterns: Sequence[str]) -> list[McpTool]:
        """The tools an allow-list matches, starting the servers it reaches (in parallel)."""
        reached = servers_reached(patterns, self._usable())
        tools: list[McpTool] = []
        for connection in await self._ready(reached):
            try:
                await connection.refresh()
            except Exception as exc:  # the old list stays; the next change retries
                self._notice("warning", _bad_answer(connection, "tools/list", exc))
            quiet = not (connection.resources or connection.resource_templates)
            tools.extend(
                tool
                for tool in self._tools_of(connection)
                if tool_allowed(patterns, tool.name)
                # A server that lists no resources (many advertise the capability
                # regardless) gets the resource tools only when a pattern names them.
                and not (quiet and tool.tool in _RESOURCE_TOOLS and tool.name not in patterns)
            )
        return tools

    async def call(
        self,
        name: str,
        arguments: dict[str, Any],
        *,
        spill: Spill | None = None,
        elicit: Elicitor | None = None,
    ) -> McpResult:
        """Call `mcp__<server>__<tool>`. Faults come back as error results.

        `spill` keeps what does not reach the model (the whole of a cut result, audio)
        and says where, for the note; `elicit` answers the server's requests for input
        during the call (without it they are declined). Cancelling the caller cancels
        the request on the server too.
        """
        parsed = split_tool_name(name)
        waiting = self._elicitors.setdefault(parsed[0] if parsed else "", [])
        clock = CallClock()

        async def asking(server: str, params: types.ElicitRequestParams) -> types.ElicitResult:
            assert elicit is not None
            with clock.paused():  # the person's time is not the server's
                return await elicit(server, params)

        if elicit is not None:
            waiting.append(asking)
        try:
            return await self._call(name, arguments, spill, clock)
        finally:
            if elicit is not None:
                waiting.remove(asking)

    async def _call(
        self, name: str, arguments: dict[str, Any], spill: Spill | None, clock: CallClock
    ) -> McpResult:
        parsed = split_tool_name(name)
        connection = self._connections.get(parsed[0]) if parsed else None
        if parsed is None or connection is None:
            known = ", ".join(sorted(self._connections)) or "none"
            return McpResult.error(f"unknown MCP tool '{name}' (configured servers: {known})")
        tool = parsed[1]
        try:
            session = await connection.session()
        except StartFailed as exc:
            return McpResult.error(str(exc))
        if tool == READ_RESOURCE and not _has_tool(connection, tool):
            return await self._read(connection, session, str(arguments.get("uri", "")), spill)
        if tool == LIST_RESOURCES and not _has_tool(connection, tool):
            return await self.list_resources(connection.name)
        timeout = self._timeout(connection)

        async def send(
            answers: types.InputResponses | None, state: str | None
        ) -> types.CallToolResult | types.InputRequiredResult:
            return await session.call_tool(
                tool,
                arguments,
                input_responses=answers,
                request_state=state,
                allow_input_required=True,
            )

        request = resolved(session, send)
        try:
            result = await self._guarded(
                connection, f"tool '{tool}'", request, timeout, timeout, clock
            )
        except McpFailure as exc:
            return McpResult.error(str(exc))
        convert = functools.partial(
            tool_result, result, self._max_result_tokens, server=connection.name, spill=spill
        )
        return await asyncio.to_thread(convert) if is_large(result) else convert()

    # -- prompts and resources -------------------------------------------------------

    async def prompts(self, wait: float | None = None) -> list[McpPrompt]:
        """Every server's prompts (starting all servers), as `mcp__<server>__<prompt>`.

        With `wait` (seconds), only the servers ready within it are asked: one that is
        still starting is noticed and goes on starting, and a later call lists its
        prompts (a listing is not held hostage by one slow or hung server)."""
        found: list[McpPrompt] = []
        for connection in await self._ready(self._usable(), wait):
            if connection.capabilities.prompts is None:
                continue
            session = await connection.session()
            try:
                listed = await all_prompts(session)
            except Exception as exc:  # one server's bad listing must not hide the others
                self._notice("warning", _bad_answer(connection, "prompts/list", exc))
                continue
            found.extend(to_command(connection.name, prompt) for prompt in listed)
        return found

    async def get_prompt(self, server: str, name: str, arguments: Mapping[str, str]) -> str:
        """The prompt's text. Raises McpFailure with a readable message when it cannot."""
        connection = self._connection(server)
        session = await connection.session()
        timeout = self._timeout(connection)

        async def send(
            answers: types.InputResponses | None, state: str | None
        ) -> types.GetPromptResult | types.InputRequiredResult:
            return await session.get_prompt(
                name,
                dict(arguments),
                input_responses=answers,
                request_state=state,
                allow_input_required=True,
            )

        request = resolved(session, send)
        return render(
            await self._guarded(connection, f"prompt '{name}'", request, timeout, timeout)
        )

    async def read_resource(self, server: str, uri: str) -> McpResult:
        connection = self._connections.get(server)
        if connection is None:
            return McpResult.error(f"unknown MCP server '{server}'")
        try:
            session = await connection.session()
        except StartFailed as exc:
            return McpResult.error(str(exc))
        return await self._read(connection, session, uri)

    # -- authorization ---------------------------------------------------------------

    async def login(self, server: str, open_url: OpenUrl) -> str:
        """OAuth for the `type: "http"` server named `server`: the authorization page
        goes to `open_url` (the editor opens it, the CLI prints it), the tokens to the
        user's store; returns where they are kept. Raises McpFailure with a readable
        message (unknown server, not HTTP, refused, timed out)."""
        return await self._connection(server).login(open_url)

    # -- state -----------------------------------------------------------------------

    def status(self) -> list[ServerStatus]:
        return [connection.status() for connection in self._connections.values()]

    async def aclose(self) -> None:
        await asyncio.gather(*(c.close() for c in self._connections.values()))
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)

    # -- helpers ---------------------------------------------------------------------

    def _usable(self) -> list[str]:
        return [n for n, c in self._connections.items() if c.state is not ServerState.DISABLED]

    def _connection(self, server: str) -> Connection:
        connection = self._connections.get(server)
        if connection is None:
            raise McpFailure(f"unknown MCP server '{server}'")
        return connection

    async def _ready(self, names: Sequence[str], wait: float | None = None) -> list[Connection]:
        """Start the named servers in parallel; report and skip the ones that fail, and
        those not ready within `wait` seconds (their starts go on: `Connection.session`
        shields them)."""
        starting = {asyncio.ensure_future(self._connections[n].session()): n for n in names}
        if not starting:
            return []
        done, late = await asyncio.wait(starting, timeout=wait)
        for task in late:
            task.cancel()
            connection = self._connections[starting[task]]
            if self._noticed_late.get(connection.name) != connection.starts:
                self._noticed_late[connection.name] = connection.starts
                self._notice(
                    "warning",
                    f"MCP server '{connection.name}' has not started within {wait:g} s"
                    f" (its start-up time-out is {self._startup_timeout:g} s)",
                )
        ready: list[Connection] = []
        for task, name in starting.items():
            if task not in done:
                continue
            connection, outcome = self._connections[name], task.exception()
            if isinstance(outcome, StartFailed):
                self._notice_once(connection, str(outcome))
            elif outcome is not None:
                raise outcome
            else:
                ready.append(connection)
        return ready

    def _tools_of(self, connection: Connection) -> list[McpTool]:
        tools = []
        for tool in connection.tools:
            name = tool_name(connection.name, tool.name)
            if not _API_TOOL_NAME.match(name):
                self._notice("warning", f"MCP tool '{name}' left out: not a valid API tool name")
                continue
            description = tool.description or tool.title or ""
            hints = tool.annotations
            read_only = bool(hints and hints.read_only_hint)
            tools.append(
                McpTool(
                    name=name,
                    server=connection.name,
                    tool=tool.name,
                    description=description,
                    input_schema=tool.input_schema,
                    read_only=read_only,
                    # MCP: destructiveHint is meaningful only when not read-only; unset is true.
                    destructive=not read_only
                    and (hints is None or hints.destructive_hint is not False),
                )
            )
        if connection.capabilities.resources is not None:
            # Reading is offered even when nothing is listed: tools hand out resource
            # links, and templates name resources no list can enumerate.
            if not _has_tool(connection, LIST_RESOURCES):
                tools.append(_list_resources_tool(connection))
            if not _has_tool(connection, READ_RESOURCE):
                tools.append(_read_resource_tool(connection))
        return tools

    async def list_resources(self, server: str) -> McpResult:
        """A server's resources and resource templates, freshly listed, as text."""
        connection = self._connections.get(server)
        if connection is None:
            return McpResult.error(f"unknown MCP server '{server}'")
        try:
            session = await connection.session()
            timeout = self._timeout(connection)
            resources = await self._guarded(
                connection, "resources/list", all_resources(session), timeout, timeout
            )
            templates = await self._guarded(
                connection,
                "resources/templates/list",
                all_resource_templates(session),
                timeout,
                timeout,
            )
        except (McpFailure, StartFailed) as exc:
            return McpResult.error(str(exc))
        lines = [_resource_line(r) for r in resources]
        lines += [_template_line(t) for t in templates]
        text = "\n".join(lines) or f"MCP server '{server}' lists no resources"
        return McpResult(content=[{"type": "text", "text": text}])

    async def _read(
        self, connection: Connection, session: ClientSession, uri: str, spill: Spill | None = None
    ) -> McpResult:
        if not uri:
            return McpResult.error("read_resource needs a 'uri' argument")
        timeout = self._timeout(connection)

        async def send(
            answers: types.InputResponses | None, state: str | None
        ) -> types.ReadResourceResult | types.InputRequiredResult:
            return await session.read_resource(
                uri, input_responses=answers, request_state=state, allow_input_required=True
            )

        request = resolved(session, send)
        try:
            result = await self._guarded(connection, f"resource <{uri}>", request, timeout, timeout)
        except McpFailure as exc:
            return McpResult.error(str(exc))
        convert = functools.partial(resource_result, result, self._max_result_tokens, spill=spill)
        return await asyncio.to_thread(convert) if is_large(result) else convert()

    def _timeout(self, connection: Connection) -> float:
        return connection.server.spec.timeout or self._call_timeout

    async def _guarded(
        self,
        connection: Connection,
        what: str,
        request: Awaitable[T],
        timeout: float,
        deadline: float | None,
        clock: CallClock | None = None,
    ) -> T:
        """Await one request (under `deadline` unless the SDK times it, stopped while a
        person answers the server when a `clock` is given); faults -> McpFailure."""
        try:
            if clock is not None and deadline is not None:
                async with clock.running(deadline):
                    return await request
            return await asyncio.wait_for(request, deadline)
        except (TimeoutError, MCPError) as exc:
            if isinstance(exc, TimeoutError) or exc.code == REQUEST_TIMEOUT:
                connection.timed_out()
                message = (
                    f"MCP {what} on server '{connection.name}' timed out after {timeout:g} s; "
                    "the request was cancelled"
                )
            elif exc.code == CONNECTION_CLOSED:
                message = await connection.lost()
            else:
                message = f"MCP server '{connection.name}' refused {what}: {exc.message}"
            raise McpFailure(message) from None
        except Exception as exc:  # an answer the SDK refused (schema, protocol)
            raise McpFailure(_bad_answer(connection, what, exc)) from None

    async def _elicit(
        self, connection: Connection, params: types.ElicitRequestParams
    ) -> types.ElicitResult:
        """Hand a server's request for input to the caller waiting on it (the latest,
        when calls overlap: the server does not say which call it is about)."""
        waiting = self._elicitors.get(connection.name)
        if not waiting:
            self._notice(
                "warning",
                f"MCP server '{connection.name}' asked for input with no tool call waiting; "
                "declined",
            )
            return types.ElicitResult(action="decline")
        return await waiting[-1](connection.name, params)

    def _changed(self, connection: Connection) -> None:
        self.generation += 1

    def _exited(self, connection: Connection) -> None:
        self._notice("warning", connection.failure or f"MCP server '{connection.name}' exited")

    def _notice_once(self, connection: Connection, message: str) -> None:
        """One notice per failed start, not one per agent that finds the server down."""
        if self._noticed.get(connection.name) != connection.starts:
            self._noticed[connection.name] = connection.starts
            self._notice("error", message)

    def _notice(self, level: str, message: str) -> None:
        if self._on_notice is not None:
            self._on_notice(level, message)


def _has_tool(connection: Connection, name: str) -> bool:
    return any(tool.name == name for tool in connection.tools)


def _read_resource_tool(connection: Connection) -> McpTool:
    listed = "".join(
        f"\n- {resource.uri} ({resource.name})"
        for resource in connection.resources[:_LISTED_RESOURCES]
    )
    listed += "".join(
        f"\n- {template.uri_template} ({template.name})"
        for template in connection.resource_templates[:_LISTED_RESOURCES]
    )
    description = f"Read a resource of the MCP server '{connection.name}' by its URI. Resources:"
    description += listed
    return McpTool(
        name=tool_name(connection.name, READ_RESOURCE),
        server=connection.name,
        tool=READ_RESOURCE,
        description=description,
        input_schema={
            "type": "object",
            "properties": {"uri": {"type": "string", "description": "The resource's URI"}},
            "required": ["uri"],
        },
        read_only=True,
    )


def _list_resources_tool(connection: Connection) -> McpTool:
    return McpTool(
        name=tool_name(connection.name, LIST_RESOURCES),
        server=connection.name,
        tool=LIST_RESOURCES,
        description=(
            f"List the resources (URIs, names, descriptions) and resource templates of the "
            f"MCP server '{connection.name}'; read one with "
            f"{tool_name(connection.name, READ_RESOURCE)}."
        ),
        input_schema={"type": "object", "properties": {}},
        read_only=True,
    )


def _resource_line(resource: types.Resource) -> str:
    mime = f" [{resource.mime_type}]" if resource.mime_type else ""
    described = f": {resource.description}" if resource.description else ""
    return f"- {resource.uri} ({resource.name}){mime}{described}"


def _template_line(template: types.ResourceTemplate) -> str:
    described = f": {template.description}" if template.description else ""
    return f"- {template.uri_template} (template: {template.name}){described}"


def _bad_answer(connection: Connection, what: str, exc: Exception) -> str:
    detail = exc.message if isinstance(exc, MCPError) else f"{type(exc).__name__}: {exc}"
    return f"MCP server '{connection.name}' could not answer {what}: {detail}"


def _cwd(server: McpServer, workspace: Path | None) -> Path | None:
    """Where a stdio server starts: the workspace root unless `cwd` says otherwise.

    Never the folder Orchestra was launched from (an editor may start us from `/`).
    A relative `cwd` is relative to the folder of the file that declares the server,
    as paths in a file are; a server built in a test (no file) resolves it against
    the workspace.
    """
    if not isinstance(server.spec, StdioServer):
        return None
    if server.spec.cwd is None:
        return workspace
    cwd = Path(server.spec.cwd).expanduser()
    if cwd.is_absolute():
        return cwd
    declared = Path(server.source_path)
    base = declared.parent if declared.is_absolute() else workspace
    return cwd if base is None else base / cwd
