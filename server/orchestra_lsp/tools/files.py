"""Which files the workspace holds, honouring `.gitignore` as ripgrep does.

In a git repository git itself answers (`git ls-files --cached --others
--exclude-standard`: tracked plus untracked-but-not-ignored, with every ignore
source git knows). Elsewhere a walk reads the `.gitignore` files it meets. Hidden
files are listed (agents need `.github/`, `.orchestra/`); symlinks and `.git/` are
not. These scans block, so callers run them in a thread.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from orchestra_lsp.tools.globs import IgnoreRule, ignored_by, parse_gitignore

IgnoreChain = list[tuple[str, list[IgnoreRule]]]
"""The `.gitignore` rules that apply in a folder: (folder, rules) from the root down."""


def in_git_repository(root: Path) -> bool:
    """True when `root` is inside a git work tree (found by looking for `.git` upwards)."""
    return any((folder / ".git").exists() for folder in (root, *root.parents))


def workspace_files(root: Path, under: str = ".") -> list[str]:
    """Sorted root-relative POSIX paths of the regular files below `under`.

    A file named explicitly is listed even when ignored, as ripgrep searches it.
    """
    if _is_regular_file(root / under):
        return [under]
    if in_git_repository(root):
        listed = _git_files(root, under)
        if listed is not None:
            return listed
    return _walk_files(root, under)


def _git_files(root: Path, under: str) -> list[str] | None:
    """Files per git, or None when git is missing or fails (then the walk answers)."""
    try:
        completed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", under],
            cwd=root,
            capture_output=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    names = set(completed.stdout.decode("utf-8", "surrogateescape").split("\0"))
    return sorted(name for name in names if name and _is_regular_file(root / name))


def _is_regular_file(path: Path) -> bool:
    """Regular files only: symlinks are skipped, as ripgrep skips them, so a link to
    something outside the workspace is never read."""
    return os.path.isfile(path) and not os.path.islink(path)  # False on any error


def _walk_files(root: Path, under: str) -> list[str]:
    """Files found by walking, pruning what the `.gitignore` files along the way ignore."""
    found: list[str] = []
    # Rules from the root down to `under` apply too.
    chain: IgnoreChain = []
    parts = [] if under == "." else under.split("/")
    for depth in range(len(parts)):
        folder = "/".join(parts[:depth])
        chain.append((folder, _rules_in(root / folder)))
        if _is_ignored(chain, "/".join(parts[: depth + 1]), is_dir=True):
            return []
    _walk(root, "" if under == "." else under, chain, found)
    return sorted(found)


def _walk(root: Path, folder: str, chain: IgnoreChain, out: list[str]) -> None:
    chain = [*chain, (folder, _rules_in(root / folder))]
    try:
        entries = list(os.scandir(root / folder))
    except OSError:
        return
    for entry in entries:
        if entry.name == ".git":
            continue
        path = f"{folder}/{entry.name}" if folder else entry.name
        is_dir = entry.is_dir(follow_symlinks=False)
        if _is_ignored(chain, path, is_dir):
            continue
        if is_dir:
            _walk(root, path, chain, out)
        elif entry.is_file(follow_symlinks=False):
            out.append(path)


def _rules_in(folder: Path) -> list[IgnoreRule]:
    try:
        return parse_gitignore((folder / ".gitignore").read_text("utf-8", "replace"))
    except OSError:
        return []


def _is_ignored(chain: IgnoreChain, path: str, is_dir: bool) -> bool:
    """The deepest `.gitignore` with an opinion decides, as in git."""
    for folder, rules in reversed(chain):
        relative = path[len(folder) + 1 :] if folder else path
        verdict = ignored_by(rules, relative, is_dir)
        if verdict is not None:
            return verdict
    return False
