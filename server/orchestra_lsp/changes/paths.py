"""Keeping every path inside the workspace.

No edit may ever land outside the workspace (DESIGN §13), whether the path says
`..`, is absolute, or walks through a symlink that points out. This module is the one
place that decides; tools and `apply_to_disk` both go through `confine`.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath


class PathOutsideWorkspace(ValueError):
    """A path that resolves outside the workspace root; the message is for a model."""


def confine(root: Path, path: str) -> str:
    """The workspace-relative POSIX form of `path` (`"."` for the root itself).

    `path` may be relative to `root` or absolute inside it. Refused: `..` escapes,
    absolute paths elsewhere, and paths whose existing part is a symlink leading out
    (checked on the real filesystem, so a link created later is caught when the
    path is confined again just before writing).
    """
    if "\0" in path:
        raise PathOutsideWorkspace(f"path {path!r} contains a NUL character")
    root_abs = Path(os.path.abspath(root))
    root_real = root.resolve()
    given = Path(path)
    candidate = Path(os.path.normpath(given if given.is_absolute() else root_abs / given))
    relative = _relative_to_any(candidate, (root_abs, root_real))
    if relative is None:
        raise PathOutsideWorkspace(f"path {path} is outside the workspace")
    real = (root_real / relative).resolve()
    if real != root_real and not real.is_relative_to(root_real):
        raise PathOutsideWorkspace(
            f"path {path} is a symlink (or inside one) that points outside the workspace"
        )
    return relative.as_posix() if relative.parts else "."


def is_workspace_relative(path: str) -> bool:
    """True for a plain relative POSIX path with no `..` (what a changeset stores)."""
    pure = PurePosixPath(path)
    return bool(path) and not pure.is_absolute() and ".." not in pure.parts and "\\" not in path


def _relative_to_any(candidate: Path, roots: tuple[Path, ...]) -> PurePosixPath | None:
    for root in roots:
        if candidate == root or candidate.is_relative_to(root):
            return PurePosixPath(candidate.relative_to(root).as_posix())
    return None
