"""Helpers shared by the tool tests: git repositories and tool contexts."""

from __future__ import annotations

import subprocess
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
