"""The workspace as a run sees it: disk, overlaid by editor buffers, overlaid by the run.

An agent must see its own proposals (it edits a file, then reads it back) and the
person's unsaved buffers (what they are looking at), in that order of precedence:
changeset > editor buffer > disk. A file the changeset deletes reads as missing.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from orchestra_lsp.changes import Changeset, PathOutsideWorkspace, confine
from orchestra_lsp.tools.errors import ToolError
from orchestra_lsp.tools.files import workspace_files

Source = Literal["changeset", "buffer", "disk"]


@dataclass(frozen=True)
class Snapshot:
    """A file's text as the run sees it, with the editor version when it came from one."""

    text: str
    version: int | None
    source: Source


class WorkspaceView:
    """Files under `root`, overlaid with `buffers` (path -> (text, version)) and `changeset`.

    The LSP layer keeps `buffers` up to date (keys are workspace-relative POSIX
    paths); tools record into `changeset`. Disk reads block: call from a thread.
    """

    def __init__(
        self,
        root: Path,
        changeset: Changeset | None = None,
        buffers: MutableMapping[str, tuple[str, int]] | None = None,
    ) -> None:
        self.root = root.resolve()
        self.changeset = changeset if changeset is not None else Changeset()
        self.buffers: MutableMapping[str, tuple[str, int]] = buffers if buffers is not None else {}

    def resolve(self, path: str) -> str:
        """The workspace-relative POSIX path for `path`, or a `ToolError` saying why not."""
        try:
            return confine(self.root, path)
        except PathOutsideWorkspace as error:
            raise ToolError(str(error)) from None

    def disk_path(self, relative: str) -> Path:
        """Where a resolved path lives on disk."""
        return self.root / relative

    def read(self, relative: str) -> Snapshot | None:
        """The text of a file as the run sees it; None when it does not exist.

        Raises `ToolError` for a directory or a binary (or non-UTF-8) file.
        """
        change = self.changeset.get(relative)
        if change is not None:
            if change.proposed_text is None:
                return None
            return Snapshot(change.proposed_text, change.base_version, "changeset")
        return self.read_unchanged(relative)

    def read_unchanged(self, relative: str) -> Snapshot | None:
        """The file without the run's changes: the editor buffer, else the disk.

        This is what an agent's first edit starts from (its base).
        """
        if relative in self.buffers:
            text, version = self.buffers[relative]
            return Snapshot(text, version, "buffer")
        path = self.disk_path(relative)
        if path.is_dir():
            raise ToolError(f"{relative} is a directory; use list_files to see what it holds")
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise ToolError(f"cannot read {relative}: {error.strerror}") from None
        if b"\0" in data[:8192]:
            raise ToolError(f"{relative} is a binary file; only text files can be read")
        try:
            return Snapshot(data.decode("utf-8"), None, "disk")
        except UnicodeDecodeError:
            raise ToolError(f"{relative} is not UTF-8 text; only text files can be read") from None

    def is_dir(self, relative: str) -> bool:
        """True for a directory on disk (directories have no overlay)."""
        return self.disk_path(relative).is_dir()

    def overlay(self) -> dict[str, str | None]:
        """Paths whose text may differ from disk, with the text the run sees (None: deleted)."""
        texts: dict[str, str | None] = {path: text for path, (text, _) in self.buffers.items()}
        for change in self.changeset.all():
            texts[change.path] = change.proposed_text
        return texts

    def files(self, under: str = ".") -> list[str]:
        """Sorted paths of the files below `under`, honouring `.gitignore`, with the
        run's created files added and its deleted files removed."""
        found = set(workspace_files(self.root, under))
        for path, text in self.overlay().items():
            if under != "." and not (path == under or path.startswith(under + "/")):
                continue
            if text is None:
                found.discard(path)
            else:
                found.add(path)
        return sorted(found)
