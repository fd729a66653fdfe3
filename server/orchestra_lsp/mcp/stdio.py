"""A stdio transport that keeps hold of the server process.

The SDK's `stdio_client` hides its process, so a server that dies could only be
reported as "connection closed". Failure reports must name the exit code, and an
idle server that exits should be noticed before the next call finds out, so this
transport spawns the process itself (in its own process group, stderr to a file) and
hands the process, with the SDK's stream pair, to `ClientSession`.
Shutdown follows the MCP lifecycle: close stdin, give the server a grace period,
then terminate its whole process tree (a browser server's Chromium included).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import anyio
import anyio.abc
import mcp_types as types
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from mcp.client.stdio import get_default_environment
from mcp.os.posix.utilities import terminate_posix_process_tree
from mcp.shared.message import SessionMessage

from orchestra_lsp.workspace.mcp_config import StdioServer

#: How long a server may take to exit on its own once its stdin is closed.
EXIT_GRACE_SECONDS = 2.0
_POLL_SECONDS = 0.01


@dataclass
class StdioChannel:
    process: anyio.abc.Process
    read: MemoryObjectReceiveStream[SessionMessage | Exception]
    write: MemoryObjectSendStream[SessionMessage]


@asynccontextmanager
async def stdio_channel(
    spec: StdioServer, *, errlog: TextIO, cwd: Path | None, on_exit: Callable[[], None]
) -> AsyncIterator[StdioChannel]:
    """Spawn the server; `on_exit` is called when its stdout closes (it exited or crashed).

    Raises OSError when the command cannot be run.
    """
    process = await anyio.open_process(
        [spec.command, *spec.args],
        env=get_default_environment() | spec.env,
        cwd=cwd,
        stderr=errlog,
        start_new_session=True,
    )
    to_session, read = anyio.create_memory_object_stream[SessionMessage | Exception](0)
    write, from_session = anyio.create_memory_object_stream[SessionMessage](0)

    async def pump_stdout() -> None:
        try:
            async with to_session:
                assert process.stdout is not None
                async for line in _lines(process.stdout):
                    await to_session.send(_parse(line))
        except (anyio.ClosedResourceError, anyio.BrokenResourceError, OSError):
            pass  # the session went away first: shutting down
        finally:
            on_exit()

    async def pump_stdin() -> None:
        assert process.stdin is not None
        try:
            async with from_session:
                async for message in from_session:
                    payload = message.message.model_dump_json(by_alias=True, exclude_unset=True)
                    await process.stdin.send(payload.encode() + b"\n")
        except (anyio.ClosedResourceError, anyio.BrokenResourceError, OSError):
            # The server stopped reading: end the session's reads so no request hangs.
            await to_session.aclose()

    async with anyio.create_task_group() as group:
        group.start_soon(pump_stdout)
        group.start_soon(pump_stdin)
        try:
            yield StdioChannel(process, read, write)
        finally:
            with anyio.CancelScope(shield=True):
                await _stop(process)
                for stream in (read, write):
                    await stream.aclose()
            group.cancel_scope.cancel()


async def _lines(stdout: anyio.abc.ByteReceiveStream) -> AsyncIterator[bytes]:
    """Complete lines, joining chunks in one pass so a multi-megabyte line stays linear."""
    pending: list[bytes] = []
    async for chunk in stdout:
        pieces = chunk.split(b"\n")
        if len(pieces) == 1:
            pending.append(chunk)
            continue
        for line in [b"".join([*pending, pieces[0]]), *pieces[1:-1]]:
            if line.strip():
                yield line
        pending = [pieces[-1]] if pieces[-1] else []


def _parse(line: bytes) -> SessionMessage | Exception:
    """One JSON-RPC message; a bad line goes to the session as a value, as the SDK does."""
    try:
        return SessionMessage(types.jsonrpc_message_adapter.validate_json(line, by_name=False))
    except ValueError as exc:
        return exc


async def _stop(process: anyio.abc.Process) -> None:
    """Close stdin, wait the grace period, then end the whole process group."""
    if process.stdin is not None:
        with suppress(OSError, anyio.BrokenResourceError, anyio.ClosedResourceError):
            await process.stdin.aclose()
    await _wait_exit(process)
    # Even when the leader has exited, children it started may be left in its group.
    await terminate_posix_process_tree(process, EXIT_GRACE_SECONDS)
    await _wait_exit(process)
    if process.stdout is not None:  # a surviving grandchild may hold the pipe open
        with suppress(OSError, anyio.BrokenResourceError, anyio.ClosedResourceError):
            await process.stdout.aclose()


async def _wait_exit(process: anyio.abc.Process) -> None:
    """Poll rather than `wait()`, which also waits for EOF on pipes a child may hold."""
    with anyio.move_on_after(EXIT_GRACE_SECONDS):
        while process.returncode is None:
            await anyio.sleep(_POLL_SECONDS)
