"""Keeping every path inside the workspace.

No edit may ever land outside the workspace (DESIGN §13), whether the path says
`..`, is absolute, or walks through a symlink that points out. This module is the one
place that decides; tools and `changes.landing.land` both go through `confine`.
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

    Every tool call goes through here, so it works on strings (`os.path`): pathlib
    objects made it several times slower.
    """
    if "\0" in path:
        raise PathOutsideWorkspace(f"path {path!r} contains a NUL character")
    root_abs = os.path.abspath(root)
    root_real = os.path.realpath(root)
    candidate = os.path.normpath(os.path.join(root_abs, path))  # an absolute path wins
    relative = _relative_to_any(candidate, (root_abs, root_real))
    if relative is None:
        raise PathOutsideWorkspace(f"path {path} is outside the workspace")
    real = os.path.realpath(os.path.join(root_real, relative))
    if _relative_to_any(real, (root_real,)) is None:
        raise PathOutsideWorkspace(
            f"path {path} is a symlink (or inside one) that points outside the workspace"
        )
    return relative.replace(os.sep, "/") if relative else "."


def is_workspace_relative(path: str) -> bool:
    """True for a plain relative POSIX path with no `..` (what a changeset stores)."""
    pure = PurePosixPath(path)
    return bool(path) and not pure.is_absolute() and ".." not in pure.parts and "\\" not in path


def _relative_to_any(candidate: str, roots: tuple[str, ...]) -> str | None:
    """`candidate` (normalised, absolute) relative to the first root it is in ("" for
    the root itself); None when it is in none of them."""
    for root in roots:
        if candidate == root:
            return ""
        inside = os.path.join(root, "")  # with its trailing separator ("/" stays "/")
        if candidate.startswith(inside):
            return candidate[len(inside) :]
    return None
