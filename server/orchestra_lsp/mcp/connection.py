"""One server's connection: started once, shared, restarted after it goes away.

The SDK's transports and `ClientSession` are async context managers built on anyio
task groups, which must be entered and left in the same task. So each start runs an
owner task that enters them, publishes the ready session, and sleeps until it is told
to stop or the server goes away; every caller talks to the session directly (MCP
sessions take concurrent requests), and stopping means waking the owner.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import TYPE_CHECKING

import anyio.abc
import httpx2
import mcp_types as types
from mcp.client.session import ClientSession
from mcp.client.subscriptions import ListenNotSupportedError, SubscriptionLost, listen
from mcp.shared.exceptions import MCPError
from mcp_types import CONNECTION_CLOSED, REQUEST_TIMEOUT, UNSUPPORTED_PROTOCOL_VERSION
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from orchestra_lsp import __version__
from orchestra_lsp.mcp.listing import all_resource_templates, all_resources, all_tools
from orchestra_lsp.mcp.models import NEEDS_LOGIN, ServerState, ServerStatus
from orchestra_lsp.mcp.relay import McpRelay
from orchestra_lsp.mcp.stderr_log import StderrLog, mask
from orchestra_lsp.mcp.transport import open_channel
from orchestra_lsp.workspace.mcp_config import McpServer, StdioServer

if TYPE_CHECKING:
    from orchestra_lsp.mcp.oauth import OpenUrl

logger = logging.getLogger(__name__)

CLIENT_INFO = types.Implementation(name="orchestra", version=__version__)
#: A server that failed to start is not retried on every use (a run with many
#: agents would wait out a hanging start each time); after this long it is.
RETRY_FAILED_AFTER_SECONDS = 30.0
#: How long a stopping server gets before its owner task is cancelled.
STOP_SECONDS = 10.0


class McpFailure(Exception):
    """An MCP request that could not be served; the message says why, for people."""


class StartFailed(McpFailure):
    """The server could not start; the message is the full report."""


class Connection:
    def __init__(
        self,
        server: McpServer,
        *,
        stderr: StderrLog,
        startup_timeout: float,
        ping_timeout: float,
        cwd: Path | None,
        on_exit: Callable[[Connection], None],
        on_change: Callable[[Connection], None] | None = None,
        on_elicit: Callable[[Connection, types.ElicitRequestParams], Awaitable[types.ElicitResult]]
        | None = None,
        tokens: Path | None = None,
        relay: McpRelay | None = None,
    ) -> None:
        """`tokens`: the user folder OAuth tokens of `type: "http"` servers live under;
        `relay`: how an ACP client's own servers (`type: "acp"`) are reached."""
        self.server = server
        self.name = server.name
        # As written: a `${VAR}` is shown as the reference, not as its (secret) value.
        self.target = mask(server.shown(), server.secrets())
        self.state = ServerState.DISABLED if server.spec.disabled else ServerState.IDLE
        self.failure: str | None = None
        self.tools: list[types.Tool] = []
        self.resources: list[types.Resource] = []
        self.resource_templates: list[types.ResourceTemplate] = []
        self.capabilities = types.ServerCapabilities()
        self.start_ms: float | None = None
        self.starts = 0
        self._stderr = stderr
        self._startup_timeout = startup_timeout
        self._ping_timeout = ping_timeout
        self._cwd = cwd
        self._on_exit = on_exit
        self._on_change = on_change
        self._on_elicit = on_elicit
        self._tokens = tokens
        self._relay = relay
        self.tools_stale = False
        """The server said its tools changed (`notifications/tools/list_changed`)."""
        self.prompts_changes = 0
        """How often the server said its prompts changed (`.../prompts/list_changed`)."""
        self._session: ClientSession | None = None
        self._process: anyio.abc.Process | None = None
        self._starting: asyncio.Task[ClientSession] | None = None
        self._owner: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._stopping = False
        self._failed_at = 0.0
        self._suspect = False
        self._stateless: bool | None = None
        """True once the server refused the handshake for 2026-07-28 (None: untried)."""

    # -- use -------------------------------------------------------------------------

    async def session(self) -> ClientSession:
        """The ready session, starting or restarting the server when needed.

        Concurrent callers share one start. Raises StartFailed.
        """
        if self._suspect and self.state is ServerState.READY:
            await self._check_alive()
        if self.state is ServerState.READY and self._session is not None:
            return self._session
        if self.state is ServerState.DISABLED:
            raise StartFailed(f"MCP server '{self.name}' is disabled in {self.server.source_path}")
        recent = time.monotonic() - self._failed_at < RETRY_FAILED_AFTER_SECONDS
        if self.state is ServerState.FAILED and recent and self.failure:
            raise StartFailed(self.failure)
        if self._starting is None:
            self._starting = asyncio.create_task(self._start(), name=f"mcp-start:{self.name}")
            self._starting.add_done_callback(_retrieve)
        return await asyncio.shield(self._starting)

    async def login(self, open_url: OpenUrl) -> str:
        """Authorize with this `type: "http"` server now (OAuth in the person's browser,
        the page handed to `open_url`); where the tokens are kept, for people. A start
        that failed for want of them is retried on next use. Raises McpFailure."""
        from orchestra_lsp.mcp.oauth import TokenStore, login

        spec = self.server.spec
        if isinstance(spec, StdioServer) or spec.type in ("sse", "acp") or self._tokens is None:
            raise McpFailure(f"MCP server '{self.name}' is not a streamable HTTP server")
        store = TokenStore(spec.url, self._tokens)
        try:
            await login(spec.url, store, open_url)
        except Exception as exc:  # the SDK's OAuth errors, a refused or timed-out login
            raise McpFailure(f"login to MCP server '{self.name}' failed: {_reason(exc)}") from None
        if self.state is ServerState.FAILED:
            self._failed_at = 0.0
        return store.where

    def timed_out(self) -> None:
        """A call timed out: the server may be hung as a whole; check before next use."""
        self._suspect = True

    async def lost(self) -> str:
        """The connection dropped under a call: wait for the owner to wind down, and say why."""
        self._wake.set()
        if self._owner is not None:
            await asyncio.wait([self._owner], timeout=STOP_SECONDS)
        return self.exit_report("during the call")

    def exit_report(self, when: str = "") -> str:
        """Why the server is gone (`when`: e.g. "during the call"), for the model and the user."""
        how = "went away" if self._process is None else _exit_text(self._process.returncode)
        how += f" {when}" if when else ""
        return _with_stderr(
            f"MCP server '{self.name}' ({self.target}) {how}; "
            "it will be restarted on the next call",
            self._stderr_tail(),
        )

    def _stderr_tail(self) -> list[str]:
        """Only a stdio server has a stderr of ours to show."""
        return self._stderr.tail() if isinstance(self.server.spec, StdioServer) else []

    def status(self) -> ServerStatus:
        return ServerStatus(
            name=self.name,
            transport=self.server.spec.type,
            target=self.target,
            state=self.state,
            tools=[tool.name for tool in self.tools],
            failure=self.failure,
            start_ms=self.start_ms,
            starts=self.starts,
        )

    async def close(self) -> None:
        if self._starting is not None:
            self._starting.cancel()
            await asyncio.wait([self._starting])
        await self._retire(cancel=False)
        if self.state is not ServerState.DISABLED:
            self.state = ServerState.STOPPED

    # -- lifecycle -------------------------------------------------------------------

    async def _start(self) -> ClientSession:
        try:
            await self._retire(cancel=False)
            self.state = ServerState.STARTING
            self.starts += 1
            self._stopping = self._suspect = False
            self._process = self._session = None
            self._wake = asyncio.Event()
            began = time.perf_counter()
            ready: asyncio.Future[ClientSession] = asyncio.get_running_loop().create_future()
            self._owner = asyncio.create_task(self._own(ready), name=f"mcp:{self.name}")
            try:
                session = await asyncio.wait_for(asyncio.shield(ready), self._startup_timeout)
            except (Exception, asyncio.CancelledError) as exc:
                await self._retire(cancel=True)
                if isinstance(exc, asyncio.CancelledError):
                    raise
                if not (self._stateless is None and _speaks_only_modern(exc)):
                    self._fail(exc)
                    raise StartFailed(self.failure) from None
                # The server refused the handshake naming 2026-07-28: start it again
                # and discover instead (a server fixes its era on the first request).
                self._stateless = True
                return await self._start()
            self.start_ms = (time.perf_counter() - began) * 1000
            self.state, self._session, self.failure = ServerState.READY, session, None
            return session
        finally:
            self._starting = None

    async def _own(self, ready: asyncio.Future[ClientSession]) -> None:
        """Enter and leave the SDK's context managers in this one task, as anyio requires."""
        try:
            async with AsyncExitStack() as stack:
                errlog = stack.enter_context(self._stderr.open())
                channel = await stack.enter_async_context(
                    open_channel(
                        self.server.spec,
                        errlog=errlog,
                        cwd=self._cwd,
                        on_exit=self._wake.set,
                        auth=self._auth(),
                        relay=self._relay,
                    )
                )
                self._process = channel.process
                session = await stack.enter_async_context(
                    ClientSession(
                        channel.read,
                        channel.write,
                        client_info=CLIENT_INFO,
                        message_handler=self._on_message,
                        elicitation_callback=self._elicit if self._on_elicit else None,
                    )
                )
                await self._handshake(session)
                if self._stateless:
                    await self._listen(stack, session)
                ready.set_result(session)
                await self._wake.wait()
        except Exception as exc:
            if not ready.done():
                ready.set_exception(exc)
        finally:
            self._owner_done(ready)

    async def _listen(self, stack: AsyncExitStack, session: ClientSession) -> None:
        """Under 2026-07-28 a server sends no notification of its own accord: list
        changes come on a `subscriptions/listen` stream, held open for the session's
        life. Its events reach `_on_message` as the older era's notifications do (the
        SDK tees them). A server that does not serve it is used without."""
        caps = self.capabilities
        try:
            with anyio.fail_after(self._ping_timeout):
                await stack.enter_async_context(
                    listen(
                        session,
                        tools_list_changed=caps.tools is not None,
                        prompts_list_changed=caps.prompts is not None,
                        resources_list_changed=caps.resources is not None,
                    )
                )
        except (MCPError, ListenNotSupportedError, SubscriptionLost, TimeoutError) as exc:
            logger.info("MCP server '%s' offers no list-change stream: %s", self.name, exc)

    async def _on_message(self, message: object) -> None:
        """Notifications from the server: a changed tool or resource list is re-read on
        next use (not here: this runs inside the session's reader); a changed prompt
        list is counted, so front ends list the prompts again."""
        if isinstance(
            message, types.ToolListChangedNotification | types.ResourceListChangedNotification
        ):
            self.tools_stale = True
            if self._on_change is not None:
                self._on_change(self)
        elif isinstance(message, types.PromptListChangedNotification):
            self.prompts_changes += 1

    def _auth(self) -> httpx2.Auth | None:
        """OAuth for a streamable HTTP server (none for stdio and SSE, or without a folder)."""
        spec = self.server.spec
        if self._tokens is None or isinstance(spec, StdioServer) or spec.type in ("sse", "acp"):
            return None
        from orchestra_lsp.mcp.oauth import TokenStore, provider

        return provider(spec.url, TokenStore(spec.url, self._tokens))

    async def _elicit(
        self, context: object, params: types.ElicitRequestParams
    ) -> types.ElicitResult | types.ErrorData:
        """The SDK's elicitation callback: the pool finds who is waiting on this server."""
        del context
        assert self._on_elicit is not None
        return await self._on_elicit(self, params)

    async def refresh(self) -> None:
        """Re-read the tools and resources after the server said they changed."""
        session = self._session
        if not self.tools_stale or session is None:
            return
        self.tools_stale = False
        await self._handshake_lists(session)

    async def _handshake(self, session: ClientSession) -> None:
        """The `initialize` handshake (2025-11-25 and before) unless the server said it
        speaks only 2026-07-28, which has none (`server/discover`).

        The handshake era comes first, though the SDK's own `Client` probes the newer
        one first: under 2026-07-28 a server cannot send requests in the middle of a
        call, so servers that ask with `elicitation/create` (the SDK's `ctx.elicit`,
        the everything server) would fail there, and pings and list_changed
        notifications are gone."""
        if self._stateless:
            discovered = await session.discover()
            self.capabilities = discovered.capabilities
        else:
            result = await session.initialize()
            self.capabilities = result.capabilities
        self.tools_stale = False
        await self._handshake_lists(session)

    async def _handshake_lists(self, session: ClientSession) -> None:
        self.tools = await all_tools(session) if self.capabilities.tools else []
        if self.capabilities.resources:
            self.resources = await all_resources(session)
            self.resource_templates = await all_resource_templates(session)

    def _owner_done(self, ready: asyncio.Future[ClientSession]) -> None:
        """The owner ended: if it had been serving and nobody asked it to stop, say so."""
        served = ready.done() and not ready.cancelled() and ready.exception() is None
        if not served or self._stopping:
            return
        self._session = None
        self.state = ServerState.EXITED
        self.failure = self.exit_report()
        self._on_exit(self)

    async def _retire(self, *, cancel: bool) -> None:
        """Stop the current owner within STOP_SECONDS.

        `cancel` is for a server that does not answer: it is killed at once rather
        than given the grace period a server that reads its stdin gets.
        """
        owner, self._owner = self._owner, None
        if owner is None or owner.done():
            return
        self._stopping = True
        self._wake.set()
        if cancel:
            if self._process is not None and self._process.returncode is None:
                self._process.kill()
            owner.cancel()
        _, pending = await asyncio.wait([owner], timeout=STOP_SECONDS)
        if pending:
            owner.cancel()
            await asyncio.wait([owner])

    async def _check_alive(self) -> None:
        self._suspect = False
        session = self._session
        if session is None:
            return
        try:
            await asyncio.wait_for(session.send_ping(), self._ping_timeout)
            return
        except MCPError as answered:
            # An error answer is an answer (a 2026-07-28 server has no ping).
            if answered.code not in (REQUEST_TIMEOUT, CONNECTION_CLOSED):
                return
        except Exception:
            pass
        await self._retire(cancel=True)
        self.state, self._session = ServerState.EXITED, None
        self.failure = f"MCP server '{self.name}' stopped answering after a timed-out call"

    def _fail(self, exc: BaseException) -> None:
        self.state = ServerState.FAILED
        self._failed_at = time.monotonic()
        code = self._process.returncode if self._process is not None else None
        reason = _start_reason(exc, code, self._startup_timeout, self.name)
        if self._cwd is not None and not self._cwd.is_dir():  # spawn says "not found" for both
            reason = f"its working folder {self._cwd} does not exist (set `cwd` in mcp.json)"
        self.failure = _with_stderr(
            f"MCP server '{self.name}' failed to start: {self.target}: {reason}",
            self._stderr_tail(),
        )


def _start_reason(exc: BaseException, code: int | None, timeout: float, name: str) -> str:
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    if _needs_login(exc):
        return (
            f"{NEEDS_LOGIN}: run `orchestra mcp login {name}`, or the "
            f"editor's command orchestra.mcpLogin (request orchestra/mcpLogin)"
        )
    if isinstance(exc, TimeoutError):
        return f"no answer to initialize within {timeout:g} s (exit code: none, still running)"
    if isinstance(exc, FileNotFoundError):
        return "command not found (exit code: none, never ran)"
    if isinstance(exc, OSError):
        return f"cannot run it: {exc.strerror or exc} (exit code: none, never ran)"
    if code is not None:  # even code 0 is a failure here: it never answered
        return f"{_exit_text(code)} before it answered initialize"
    if isinstance(exc, MCPError):
        return exc.message
    return f"{type(exc).__name__}: {exc}"


def _speaks_only_modern(exc: BaseException) -> bool:
    """Whether the handshake was refused with -32022 naming a 2026-07-28 version."""
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    if not isinstance(exc, MCPError) or exc.code != UNSUPPORTED_PROTOCOL_VERSION:
        return False
    try:
        supported = types.UnsupportedProtocolVersionErrorData.model_validate(exc.error.data)
    except ValueError:
        return False
    return any(version in MODERN_PROTOCOL_VERSIONS for version in supported.supported)


def _reason(exc: BaseException) -> str:
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    return str(exc) or type(exc).__name__


def _needs_login(exc: BaseException) -> bool:
    """Whether OAuth's `LoginRequired` is anywhere in `exc` (groups, causes)."""
    from orchestra_lsp.mcp.oauth import LoginRequired

    seen: list[BaseException] = [exc]
    while seen:
        current = seen.pop()
        if isinstance(current, LoginRequired):
            return True
        if isinstance(current, BaseExceptionGroup):
            seen.extend(current.exceptions)
        for linked in (current.__cause__, current.__context__):
            if linked is not None and linked not in seen:
                seen.append(linked)
    return False


def _exit_text(code: int | None) -> str:
    if code is None:
        return "stopped answering"
    if code < 0:
        return f"was killed by signal {-code}"
    return f"exited with code {code}"


def _with_stderr(message: str, lines: list[str]) -> str:
    if not lines:
        return message
    return message + "\nlast stderr lines:\n" + "\n".join(f"  | {line}" for line in lines)


def _retrieve(task: asyncio.Task[ClientSession]) -> None:
    """Mark a start's failure as seen even when every caller gave up waiting for it."""
    if not task.cancelled():
        task.exception()
