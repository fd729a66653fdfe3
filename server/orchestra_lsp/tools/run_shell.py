"""`run_shell`: one shell command in the workspace root, bounded in time and output.

What it is: ``/bin/sh -c COMMAND`` run as the user who runs Orchestra, in the workspace
root, with stdin closed and stdout and stderr merged. Whether it may run at all is the
permission policy's call, upstream (:mod:`orchestra_lsp.permissions`).

What it is not: a sandbox. Without one, the command can read and write whatever the
user can. Two things it does guarantee:

- **No inherited secret.** The child's environment lacks Orchestra's credentials, every
  value mcp.json took from a ``${VAR}``, and variables whose names say they hold one
  (``*TOKEN*``, ``*SECRET*``, ``*PASSWORD*``, ``*API_KEY*``, …: see
  :data:`orchestra_lsp.redaction.CREDENTIAL_NAME`). Nor can it read them from
  ``/proc/<orchestra>/environ``: the ``orchestra`` command re-executes itself at start with
  those variables moved out of its exec-time environment
  (:mod:`orchestra_lsp.secret_environment`). A process of the same user with ptrace
  rights can still read Orchestra's memory; use the sandbox against that.
- **Deadlines hold.** The command runs as the leader of a new session; at its timeout,
  or when the call is cancelled, every process it started is killed: its session and
  process group, anything that left them (``setsid -f``, a double fork) yet still carries
  the command's marker in its environment, and anything still holding its output pipe.
  When the shell exits on its own, what is still in its session or holds its output pipe
  is killed at once (it would keep the result waiting); what it started in a session of
  its own with its output elsewhere — a server started in the background, such as
  ``python3 -m shop --detach`` — runs on until the run ends, and is killed then
  (:func:`end_leftovers`): nothing a command starts outlives its run. The pipe is read
  while the command writes (a ``yes`` is cut at the deadline, its output bounded) and
  the result returns even if something the sweep could not kill keeps the pipe open.

Where the front end offers its terminal (ACP's ``terminal/*``: the person sees the command
run in the editor) and no sandbox is configured, the command runs there instead, as
``/bin/sh -c COMMAND`` in the workspace root with the same time-out and the same scrubbed
environment, given whole (the front end must not add the editor's own: an editor's
environment holds the same tokens), and the editor ends its processes.

The optional sandbox (``[shell] sandbox = "bwrap"`` in config.toml, needs bubblewrap)
runs the command in new PID and IPC namespaces with a private ``/proc`` and ``/tmp``
(Orchestra and every other process are invisible), the file system read-only except the
workspace, the workspace's protected folders (``.git``, ``.orchestra``, CI, hooks…)
read-only too, the usual credential files (``~/.ssh``, ``~/.aws``, …) hidden, and, with
``network = false``, no network.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import signal
from collections.abc import Collection, Mapping
from typing import Any

from pydantic import Field

from orchestra_lsp.redaction import CREDENTIAL_NAME, CREDENTIAL_VARIABLES, SECRETS
from orchestra_lsp.tools.base import (
    Terminal,
    ToolArgs,
    ToolContext,
    ToolResult,
    parse_args,
    schema_for,
)
from orchestra_lsp.tools.errors import ToolError

DEFAULT_TIMEOUT = 120.0
MAX_TIMEOUT = 600.0
HEAD_BYTES = 10_000
TAIL_BYTES = 20_000
#: After the shell exits (or is killed), how long what is left in the pipe is read.
DRAIN_SECONDS = 0.5
#: The environment variable that marks every process a command starts.
MARKER_VARIABLE = "ORCHESTRA_SHELL_ID"


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
        """Run the command; kill everything it started at its end, time-out or cancel."""
        try:
            parsed = parse_args(RunShellArgs, args)
        except ToolError as error:
            return ToolResult(text=str(error), is_error=True)
        if ctx.terminal is not None and ctx.sandbox == "none":
            return await _in_terminal(parsed, ctx.terminal, ctx)
        marker = secrets.token_hex(8)
        starting = asyncio.ensure_future(_Shell.start(parsed.command, ctx, marker))
        try:
            shell = await asyncio.shield(starting)
        except ToolError as error:
            return ToolResult(text=str(error), is_error=True)
        except asyncio.CancelledError:
            # Cancelled while the shell was being started: it may already run.
            starting.add_done_callback(_sweep_started)
            raise
        timeout = parsed.timeout or DEFAULT_TIMEOUT
        ended = False
        try:
            timed_out = await shell.collect(timeout)
            ended = not timed_out
        finally:
            # Cancelled or out of time: nothing the command started may outlive it.
            # Ended on its own: what it left in a session of its own lives until the
            # run ends (see the module docstring).
            if ended:
                shell.sweep_session()
                ctx.shell_markers.append(marker)
            else:
                shell.sweep()
            shell.close()
        if timed_out:
            return ToolResult(
                text=f"{shell.output.text()}\n[timed out after {timeout:g} s; the command "
                "and everything it started were killed]",
                is_error=True,
            )
        return _result(shell.returncode, shell.output)


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


class _Shell:
    """One running command: its process, its output pipe and its marker."""

    def __init__(
        self,
        transport: asyncio.SubprocessTransport,
        protocol: _ExitAwareProtocol,
        marker: str,
    ) -> None:
        self.transport = transport
        self.protocol = protocol
        self.process = asyncio.subprocess.Process(transport, protocol, asyncio.get_running_loop())
        self.marker = marker
        self.output = BoundedOutput()
        self.pipe_inode = _pipe_inode(transport)

    @classmethod
    async def start(cls, command: str, ctx: ToolContext, marker: str) -> _Shell:
        """Start the shell as the leader of a new session, in the sandbox if configured."""
        loop = asyncio.get_running_loop()
        argv = ["/bin/sh", "-c", command]
        if ctx.sandbox == "bwrap":
            argv = sandboxed(argv, str(ctx.view.root), network=ctx.sandbox_network)
        env = child_environment(ctx.env)
        env[MARKER_VARIABLE] = marker
        try:
            transport, protocol = await loop.subprocess_exec(
                lambda: _ExitAwareProtocol(loop),
                *argv,
                cwd=ctx.view.root,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
                env=env,
            )
        except OSError as error:
            raise ToolError(f"could not start the command: {error}") from None
        return cls(transport, protocol, marker)

    @property
    def returncode(self) -> int | None:
        return self.process.returncode

    async def collect(self, timeout: float) -> bool:
        """Read the output until the shell exits or `timeout` passes (then True)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        reader = asyncio.ensure_future(self._pump())
        try:
            await asyncio.wait({self.protocol.exited}, timeout=max(0.0, deadline - loop.time()))
            timed_out = not self.protocol.exited.done()
            # Out of time: all it started goes. The shell is gone: what would hold the
            # result (its session, its output pipe) goes.
            self.sweep() if timed_out else self.sweep_session()
            with contextlib.suppress(TimeoutError):
                # What is left in the pipe; a holder the sweep missed cannot keep us here.
                await asyncio.wait_for(asyncio.shield(reader), DRAIN_SECONDS)
            if not self.protocol.exited.done():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(self.protocol.exited), DRAIN_SECONDS)
            return timed_out
        finally:
            reader.cancel()

    async def _pump(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while chunk := await stream.read(1 << 16):
            self.output.add(chunk)
            # `read` returns at once while data is buffered: without this, a fast
            # writer (`yes`) would never let the deadline's timer run.
            await asyncio.sleep(0)

    def sweep(self) -> None:
        """Kill the command's process group and every process that carries its marker,
        shares its session or holds its output pipe (see :func:`kill_tree`)."""
        kill_tree(self.process.pid, (self.marker,), self.pipe_inode)

    def sweep_session(self) -> None:
        """Kill the command's process group, its session and the holders of its output
        pipe; leave what carries only its marker (it started a session of its own)."""
        kill_tree(self.process.pid, (), self.pipe_inode)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.transport.close()


def end_leftovers(ctx: ToolContext) -> int:
    """At the end of a run: kill whatever its `run_shell` commands left running (by their
    markers); returns how many processes were signalled. Blocking: reads ``/proc``."""
    if not ctx.shell_markers:
        return 0
    killed = kill_tree(0, ctx.shell_markers)  # one walk of /proc for all of them
    ctx.shell_markers.clear()
    return killed


def _sweep_started(starting: asyncio.Future[_Shell]) -> None:
    if starting.cancelled() or starting.exception() is not None:
        return
    shell = starting.result()
    shell.sweep()
    shell.close()


def _pipe_inode(transport: asyncio.SubprocessTransport) -> int | None:
    pipe = transport.get_pipe_transport(1)
    handle = pipe.get_extra_info("pipe") if pipe is not None else None
    try:
        return os.fstat(handle.fileno()).st_ino if handle is not None else None
    except (OSError, ValueError):
        return None


def kill_tree(leader: int, markers: Collection[str] = (), pipe_inode: int | None = None) -> int:
    """SIGKILL the process group of `leader` and every process (of this user) in its
    session, whose environment carries ``ORCHESTRA_SHELL_ID=<marker>`` for one of
    `markers`, or which holds
    the pipe `pipe_inode`; repeat until a pass finds none, so a process forked during a
    pass is caught by the next. Returns how many processes were signalled. Linux reads
    ``/proc``; elsewhere only the process group is killed. A `leader` of 0 or less
    names no group (only the marker and the pipe are looked for)."""
    if leader > 0:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(leader, signal.SIGKILL)
    if not os.path.isdir("/proc/self"):
        return 0
    needles = frozenset(f"{MARKER_VARIABLE}={marker}".encode() for marker in markers)
    pipe = f"pipe:[{pipe_inode}]" if pipe_inode is not None else None
    me = os.getpid()
    killed = 0
    for _ in range(8):
        found = [pid for pid in _pids() if pid != me and _belongs(pid, leader, needles, pipe)]
        for pid in found:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        killed += len(found)
        if not found:
            break
    return killed


def _pids() -> list[int]:
    try:
        return [int(name) for name in os.listdir("/proc") if name.isdigit()]
    except OSError:
        return []


def _belongs(pid: int, leader: int, needles: frozenset[bytes], pipe: str | None) -> bool:
    base = f"/proc/{pid}"
    try:
        with open(f"{base}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        if fields[0] == b"Z":
            return False  # already dead, waiting to be reaped
        if leader > 0 and int(fields[3]) == leader:  # session id (field 6 of stat)
            return True
    except (OSError, IndexError, ValueError):
        return False
    if needles:
        with contextlib.suppress(OSError), open(f"{base}/environ", "rb") as environ:
            if not needles.isdisjoint(environ.read().split(b"\0")):
                return True
    if pipe is not None:
        with contextlib.suppress(OSError):
            for fd in os.listdir(f"{base}/fd"):
                with contextlib.suppress(OSError):
                    if os.readlink(f"{base}/fd/{fd}") == pipe:
                        return True
    return False


def child_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment a command gets: Orchestra's own minus Orchestra's credentials,
    variables named like a credential and any variable whose value is a secret the
    process knows (mcp.json's `${VAR}` values); plus `extra` (Claude Code's `env`,
    given on purpose, minus known secret values)."""
    known = set(SECRETS.redactor.secrets)
    inherited = {
        name: value
        for name, value in os.environ.items()
        if name not in CREDENTIAL_VARIABLES
        and not CREDENTIAL_NAME.search(name)
        and value not in known
    }
    given = {
        k: v for k, v in (extra or {}).items() if k not in CREDENTIAL_VARIABLES and v not in known
    }
    return {**inherited, **given}


#: Credential files and folders the sandbox hides (relative to the home folder).
HIDDEN_IN_SANDBOX = (
    ".ssh",
    ".aws",
    ".azure",
    ".gnupg",
    ".kube",
    ".docker",
    ".netrc",
    ".npmrc",
    ".pypirc",
    ".git-credentials",
    ".config/gh",
    ".config/gcloud",
    ".config/hub",
    ".config/orchestra",
    ".claude",
    ".claude.json",
)
#: Workspace paths the sandbox mounts read-only (when they exist).
READ_ONLY_IN_SANDBOX = (
    ".git",
    ".orchestra",
    ".claude",
    ".mcp.json",
    ".github",
    ".gitlab-ci.yml",
    ".gitlab",
    ".circleci",
    ".husky",
    ".githooks",
    ".vscode",
    ".devcontainer",
)


def sandboxed(argv: list[str], root: str, *, network: bool = True) -> list[str]:
    """`argv` wrapped in bubblewrap (see the module docstring); raises ToolError when
    bwrap is not installed."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise ToolError(
            'the shell sandbox is configured ([shell] sandbox = "bwrap") but bubblewrap is '
            "not installed: install it (Debian: apt-get install bubblewrap) or turn it off"
        )
    real = os.path.realpath(root)
    wrapped = [
        bwrap,
        "--die-with-parent",
        "--new-session",
        "--unshare-pid",
        "--unshare-ipc",
        "--ro-bind",
        "/",
        "/",
        "--dev",
        "/dev",
        "--proc",
        "/proc",
        "--tmpfs",
        "/tmp",
    ]
    if not network:
        wrapped.append("--unshare-net")
    home = os.path.expanduser("~")
    for name in HIDDEN_IN_SANDBOX:
        path = os.path.join(home, name)
        if os.path.isdir(path) and not real.startswith(path.rstrip("/") + "/"):
            wrapped += ["--tmpfs", path]
        elif os.path.isfile(path):
            wrapped += ["--ro-bind", "/dev/null", path]
    wrapped += ["--bind", real, real]
    for name in READ_ONLY_IN_SANDBOX:
        path = os.path.join(real, name)
        if os.path.lexists(path) and os.path.realpath(path).startswith(real + "/"):
            wrapped += ["--ro-bind", path, path]
    return [*wrapped, "--chdir", real, "--", *argv]


async def _in_terminal(parsed: RunShellArgs, terminal: Terminal, ctx: ToolContext) -> ToolResult:
    timeout = parsed.timeout or DEFAULT_TIMEOUT
    env = child_environment(ctx.env)
    ran = await terminal(parsed.command, cwd=str(ctx.view.root), env=env, timeout=timeout)
    text = f"[… earlier output cut …]\n{ran.output}" if ran.truncated else ran.output
    if ran.timed_out:
        return ToolResult(
            text=f"{text}\n[timed out after {timeout:g} s; the command was killed]", is_error=True
        )
    status = f"killed by signal {ran.signal}" if ran.signal else f"exit code {ran.exit_code}"
    return ToolResult(
        text=f"{text}\n[{status}]" if text else f"[{status}]", is_error=ran.exit_code != 0
    )


def _result(code: int | None, output: BoundedOutput) -> ToolResult:
    text = output.text()
    status = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
    return ToolResult(text=f"{text}\n[{status}]" if text else f"[{status}]", is_error=code != 0)
