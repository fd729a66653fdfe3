"""Files changed on disk, outside review, while a shell command, an MCP tool not marked
read-only or a hook ran.

Orchestra's own changes reach the disk only through review, but a `run_shell` command,
an MCP server's write tool the person's rules allow (`mcp__fs`) or a Claude Code hook
writes directly. The journal must still tell the truth: around such a call,
:func:`take` notes the stat (modification time, size, inode) of every file the
workspace lists (git's tracked and untracked-not-ignored files, or the `.gitignore`
walk) and the bytes of the files the call names; :func:`changed` compares afterwards.
A named file's earlier bytes are known, so the run can journal its change as a landed
one that `orchestra undo` takes back; a file found only by the stat scan is journaled
without them (undo says so). Two stat scans per call cost a `git ls-files` and a
`stat` per file each.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from orchestra_lsp.changes import FileChange, NotText, decode_text
from orchestra_lsp.journal.models import RUNS_FOLDER
from orchestra_lsp.tools.files import workspace_files

MAX_KEPT_BYTES = 8 * 1024 * 1024
"""A named file larger than this is not kept (its change is journaled without it)."""

Stat = tuple[int, int, int]


@dataclass(frozen=True)
class DiskState:
    """The workspace's files before a call: `stats` by workspace-relative path, and the
    bytes of the files the call names (`kept`; None: the file did not exist)."""

    stats: dict[str, Stat]
    kept: dict[str, bytes | None]


@dataclass(frozen=True)
class DiskChange:
    """One file a call changed: its bytes before (None: it did not exist) when
    `known`, and after (None: it is gone)."""

    path: str
    before: bytes | None
    after: bytes | None
    known: bool
    gone: bool = False
    """The file no longer exists (`after` is also None for a file too large to keep)."""

    @property
    def verb(self) -> str:
        """What happened to the file: created, changed or deleted."""
        if self.gone:
            return "deleted"
        return "created" if self.known and self.before is None else "changed"

    def file_change(self) -> FileChange | None:
        """The change as a landed `FileChange` (for the journal and undo); None when
        the earlier bytes are unknown or either side is not text (or too large)."""
        if not self.known or (self.after is None and not self.gone):
            return None
        try:
            before = decode_text(self.before) if self.before is not None else None
            after = decode_text(self.after) if self.after is not None else None
        except NotText:
            return None
        encoding = (after or before or (None, None))[1]
        if encoding is None:
            return None
        return FileChange(
            path=self.path,
            base_text=before[0] if before else None,
            proposed_text=after[0] if after else None,
            encoding=encoding,
        )


def take(root: Path, named: Iterable[str] = ()) -> DiskState:
    """The state to compare with after the call. Blocking: run it in a thread."""
    kept: dict[str, bytes | None] = {}
    for path in named:
        if not _inside(path):
            continue
        if not os.path.lexists(root / path):
            kept[path] = None  # a creation is a change whose before is known
            continue
        data = _read(root / path)
        if data is not None:  # folders, links and large files: the stat scan sees them
            kept[path] = data
    return DiskState(stats=_scan(root), kept=kept)


def changed(root: Path, state: DiskState) -> list[DiskChange]:
    """What differs from `state`, sorted by path. Blocking: run it in a thread."""
    now = _scan(root)
    found: list[DiskChange] = []
    for path in sorted(set(state.stats) | set(now) | set(state.kept)):
        gone = not os.path.lexists(root / path)
        if path in state.kept:
            after = _read(root / path)
            if after != state.kept[path] or gone != (state.kept[path] is None):
                found.append(DiskChange(path, state.kept[path], after, known=True, gone=gone))
        elif state.stats.get(path) != now.get(path):
            created = path not in state.stats
            after = None if gone else _read(root / path)
            found.append(DiskChange(path, None, after, known=created, gone=gone))
    return found


def _inside(path: str) -> bool:
    return bool(path) and not path.startswith(("/", "../")) and path not in (".", "..")


def _scan(root: Path) -> dict[str, Stat]:
    stats: dict[str, Stat] = {}
    runs = RUNS_FOLDER.as_posix() + "/"
    for path in workspace_files(root):
        if path.startswith(runs):  # the journal itself
            continue
        try:
            found = os.lstat(root / path)
        except OSError:
            continue
        stats[path] = (found.st_mtime_ns, found.st_size, found.st_ino)
    return stats


def _read(path: Path) -> bytes | None:
    try:
        if not path.is_file() or path.is_symlink() or path.stat().st_size > MAX_KEPT_BYTES:
            return None
        return path.read_bytes()
    except OSError:
        return None
