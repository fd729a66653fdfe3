"""Helpers shared by the tool tests: git repositories and tool contexts."""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from orchestra_lsp.tools import ToolContext, WorkspaceView

TreeMaker = Callable[[dict[str, str | bytes]], Path]


def git_init(root: Path) -> None:
    """Make `root` a git repository with everything committed except ignored files."""
    for args in (
        ["init", "-q"],
        ["add", "-A"],
        ["-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "init"],
    ):
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def context(root: Path) -> ToolContext:
    """A tool context over `root` with an empty changeset and no buffers."""
    return ToolContext(view=WorkspaceView(root))


def alive(pid: int) -> bool:
    """True while the process exists and is not a zombie waiting to be reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


async def gone(pid: int, within: float = 2.0) -> bool:
    """True once the process is dead, polling for `within` seconds: a SIGKILL takes a
    moment to be acted on, longer on a loaded machine."""
    deadline = time.monotonic() + within
    while alive(pid) and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    return not alive(pid)
