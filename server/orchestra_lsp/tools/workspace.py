"""The workspace as a run sees it: disk, overlaid by editor buffers, overlaid by the run.

An agent must see its own proposals (it edits a file, then reads it back) and the
person's unsaved buffers (what they are looking at), in that order of precedence:
changeset > editor buffer > disk. A file the changeset deletes reads as missing.

Disk files are read in their own encoding (`changes.decode_text`: BOM, UTF-8, else a
legacy code page); only regular files are read (a FIFO would block forever), up to
`MAX_FILE_BYTES`.
"""

from __future__ import annotations

import os
import stat
from abc import abstractmethod
from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from orchestra_lsp.changes import (
    UTF8,
    Changeset,
    NotText,
    PathOutsideWorkspace,
    TextEncoding,
    confine,
    decode_text,
)
from orchestra_lsp.tools.errors import ToolError
from orchestra_lsp.tools.files import workspace_files

Source = Literal["changeset", "buffer", "disk"]
PathKind = Literal["file", "folder", "missing"]
MAX_FILE_BYTES = 64 * 1024 * 1024
"""Larger files are refused: a model cannot use them, and reading one costs memory."""


@dataclass(frozen=True)
class Snapshot:
    """A file's text as the run sees it, with the editor version when it came from one,
    and how it is stored on disk (UTF-8 for a buffer or a proposal not yet on disk)."""

    text: str
    version: int | None
    source: Source
    encoding: TextEncoding = UTF8


class LiveBuffers(MutableMapping[str, tuple[str, int]]):
    """Editor buffers read on demand, for a front end that cannot list its open buffers
    but can read one (ACP's `fs/read_text_file`). `path in buffers` asks the editor, so
    call it from a thread as every disk read; the run keeps this mapping itself rather
    than a copy. Iterating gives the buffers found to differ from the disk so far."""

    def __init__(self) -> None:
        self._seen: dict[str, tuple[str, int]] = {}

    @abstractmethod
    def fetch(self, relative: str) -> str | None:
        """The buffer's text when the editor holds one that differs from the disk."""

    def __contains__(self, relative: object) -> bool:
        if not isinstance(relative, str):
            return False
        text = self.fetch(relative)
        if text is None:
            self._seen.pop(relative, None)
            return False
        self._seen[relative] = (text, 0)
        return True

    def __getitem__(self, relative: str) -> tuple[str, int]:
        if relative not in self._seen and relative not in self:
            raise KeyError(relative)
        return self._seen[relative]

    def __setitem__(self, relative: str, value: tuple[str, int]) -> None:
        self._seen[relative] = value

    def __delitem__(self, relative: str) -> None:
        del self._seen[relative]

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._seen))

    def __len__(self) -> int:
        return len(self._seen)


def as_view_buffers(buffers: Mapping[str, tuple[str, int]]) -> MutableMapping[str, tuple[str, int]]:
    """What a run's view overlays: live buffers themselves, any other mapping copied
    (a snapshot of the editor's buffers as the run starts)."""
    return buffers if isinstance(buffers, LiveBuffers) else dict(buffers)


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

        Raises `ToolError` for a folder, a binary file or one that is not a regular file.
        """
        change = self.changeset.get(relative)
        if change is not None:
            if change.proposed_text is None:
                return None
            return Snapshot(change.proposed_text, change.base_version, "changeset", change.encoding)
        if self.kind(relative) == "folder":
            raise ToolError(f"{relative} is a directory; use list_files to see what it holds")
        return self.read_unchanged(relative)

    def read_unchanged(self, relative: str) -> Snapshot | None:
        """The file without the run's changes: the editor buffer, else the disk.

        This is what an agent's first edit starts from (its base).
        """
        if relative in self.buffers:
            text, version = self.buffers[relative]
            return Snapshot(text, version, "buffer")
        data = self._read_bytes(relative)
        if data is None:
            return None
        try:
            text, encoding = decode_text(data)
        except NotText as error:
            raise ToolError(
                f"{relative} is a binary file ({error}); only text files can be read or edited"
            ) from None
        return Snapshot(text, None, "disk", encoding)

    def disk_encoding(self, relative: str) -> TextEncoding:
        """How the file is stored on disk (UTF-8 when it is missing or not text)."""
        try:
            data = self._read_bytes(relative)
            return UTF8 if data is None else decode_text(data)[1]
        except (ToolError, NotText):
            return UTF8

    def _read_bytes(self, relative: str) -> bytes | None:
        """A regular file's bytes; None when missing; `ToolError` for anything else."""
        path = self.disk_path(relative)
        try:
            with open(path, "rb", opener=_open_nonblocking) as handle:
                info = os.fstat(handle.fileno())
                if stat.S_ISDIR(info.st_mode):
                    raise ToolError(
                        f"{relative} is a directory; use list_files to see what it holds"
                    )
                if not stat.S_ISREG(info.st_mode):
                    raise ToolError(f"{relative} is not a regular file (a {_kind_of(info)})")
                if info.st_size > MAX_FILE_BYTES:
                    raise ToolError(
                        f"{relative} is too large ({info.st_size // (1024 * 1024)} MB; "
                        f"at most {MAX_FILE_BYTES // (1024 * 1024)} MB)"
                    )
                return handle.read()
        except (FileNotFoundError, NotADirectoryError):
            return None
        except IsADirectoryError:
            raise ToolError(
                f"{relative} is a directory; use list_files to see what it holds"
            ) from None
        except OSError as error:
            raise ToolError(f"cannot read {relative}: {error.strerror}") from None

    def kind(self, relative: str) -> PathKind:
        """What `relative` is as the run sees it: a file (on disk, in a buffer or proposed),
        a folder (on disk, or holding proposed files), or missing."""
        if relative == ".":
            return "folder"
        change = self.changeset.get(relative)
        if change is not None:
            return "missing" if change.proposed_text is None else "file"
        if relative in self.buffers:
            return "file"
        inside = relative + "/"
        if any(
            text is not None and path.startswith(inside) for path, text in self.overlay().items()
        ):
            return "folder"
        # os.path's tests answer False for any error (a name too long, a loop), where
        # pathlib's raise for some of them.
        path = self.disk_path(relative)
        if os.path.isdir(path):
            return "folder"
        return "file" if os.path.lexists(path) else "missing"

    def is_dir(self, relative: str) -> bool:
        """True for a folder on disk or one that holds the run's proposed files."""
        return self.kind(relative) == "folder"

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


def _open_nonblocking(path: str, flags: int) -> int:
    """Open without blocking, so that a FIFO is refused instead of waiting for a writer."""
    return os.open(path, flags | os.O_NONBLOCK)


def _kind_of(info: os.stat_result) -> str:
    mode = info.st_mode
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return "special file"
