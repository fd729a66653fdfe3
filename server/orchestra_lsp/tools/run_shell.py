"""`run_shell`: one shell command in the workspace root, bounded in time and output.

The command gets its own process group so that a time-out or a cancelled run kills
everything it started (a test runner's workers, a backgrounded server), not just the
shell. Whether the command may run at all is the permission policy's call, upstream.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from typing import Any

from pydantic import Field

from orchestra_lsp.tools.base import ToolArgs, ToolContext, ToolResult, parse_args, schema_for
from orchestra_lsp.tools.errors import ToolError

DEFAULT_TIMEOUT = 120.0
MAX_TIMEOUT = 600.0
HEAD_BYTES = 10_000
TAIL_BYTES = 20_000


class RunShellArgs(ToolArgs):
    """Arguments of `run_shell`."""

    tool_name = "run_shell"

    command: str = Field(min_length=1, description="Shell command (POSIX sh), run in the root.")
    timeout: float | None = Field(
        default=None,
        gt=0,
        le=MAX_TIMEOUT,
        description=f"Seconds before the command is killed. Default {DEFAULT_TIMEOUT:g}.",
    )


class BoundedOutput:
    """Keeps the start and the end of a stream (errors tend to be at the end)."""

    def __init__(self, head: int = HEAD_BYTES, tail: int = TAIL_BYTES) -> None:
        self.head_limit, self.tail_limit = head, tail
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    def add(self, chunk: bytes) -> None:
        """Append a chunk, dropping the middle once both ends are full."""
        self.total += len(chunk)
        room = self.head_limit - len(self.head)
        self.head += chunk[:room]
        self.tail += chunk[room:] if room > 0 else chunk
        del self.tail[: max(len(self.tail) - self.tail_limit, 0)]

    def text(self) -> str:
        """The kept output, with a note where the middle was dropped."""
        head = self.head.decode("utf-8", "replace")
        dropped = self.total - len(self.head) - len(self.tail)
        if dropped <= 0:
            return head + self.tail.decode("utf-8", "replace")
        tail = self.tail.decode("utf-8", "replace")
        return f"{head}\n[… {dropped} bytes of output cut …]\n{tail}"


class RunShellTool:
    """Runs `/bin/sh -c command`; stdout and stderr are merged as a terminal shows them."""

    name = "run_shell"
    description = (
        "Run a shell command (/bin/sh -c) in the workspace root and return its exit code "
        "and output (stdout and stderr merged). The command is killed after `timeout` "
        f"seconds (default {DEFAULT_TIMEOUT:g}, at most {MAX_TIMEOUT:g}); processes it "
        "leaves behind are killed when it ends. Long output keeps its start and its end. "
        "Do not use it to edit files: use the edit tool, whose changes the user reviews."
    )
    input_schema: dict[str, Any] = schema_for(RunShellArgs)

    async def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolResult:
        """Run the command, killing its process group on time-out or cancellation."""
        try:
            parsed = parse_args(RunShellArgs, args)
            process, exited = await _spawn(parsed.command, ctx)
        except ToolError as error:
            return ToolResult(text=str(error), is_error=True)
        timeout = parsed.timeout or DEFAULT_TIMEOUT
        output = BoundedOutput()
        try:
            await asyncio.wait_for(_collect(process, exited, output), timeout)
        except TimeoutError:
            _kill_group(process.pid)
            await process.wait()
            return ToolResult(
                text=f"{output.text()}\n[timed out after {timeout:g} s; the command was killed]",
                is_error=True,
            )
        finally:
            # Cancellation lands here too: nothing the command started may outlive it.
            _kill_group(process.pid)
        return _result(process.returncode, output)


class _ExitAwareProtocol(asyncio.subprocess.SubprocessStreamProtocol):
    """Tells when the shell itself exits. `Process.wait()` also waits for the pipes to
    close, which a backgrounded leftover holding stdout would delay indefinitely."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(limit=1 << 16, loop=loop)
        self.exited: asyncio.Future[None] = loop.create_future()

    def process_exited(self) -> None:
        super().process_exited()
        if not self.exited.done():
            self.exited.set_result(None)


async def _spawn(
    command: str, ctx: ToolContext
) -> tuple[asyncio.subprocess.Process, asyncio.Future[None]]:
    """Start the shell as the leader of a new session (hence its own process group)."""
    loop = asyncio.get_running_loop()
    try:
        transport, protocol = await loop.subprocess_exec(
            lambda: _ExitAwareProtocol(loop),
            "/bin/sh",
            "-c",
            command,
            cwd=ctx.view.root,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
            env=_child_environment(ctx.env),
        )
    except OSError as error:
        raise ToolError(f"could not start the command: {error}") from None
    return asyncio.subprocess.Process(transport, protocol, loop), protocol.exited


async def _collect(
    process: asyncio.subprocess.Process, exited: asyncio.Future[None], output: BoundedOutput
) -> None:
    """Read until the shell exits, then kill what it left behind so the pipe closes."""
    assert process.stdout is not None
    stream = process.stdout

    async def read() -> None:
        while chunk := await stream.read(1 << 16):
            output.add(chunk)

    reader = asyncio.ensure_future(read())
    try:
        await exited
        _kill_group(process.pid)
        await reader
    finally:
        reader.cancel()


#: Credentials of Orchestra itself: a command the model runs (`env`, a test that
#: prints its environment) would hand them to the model.
SCRUBBED_VARIABLES = frozenset({"ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN"})


def _child_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    merged = {**os.environ, **(extra or {})}
    return {k: v for k, v in merged.items() if k not in SCRUBBED_VARIABLES}


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _result(code: int | None, output: BoundedOutput) -> ToolResult:
    text = output.text()
    status = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
    return ToolResult(text=f"{text}\n[{status}]" if text else f"[{status}]", is_error=code != 0)
