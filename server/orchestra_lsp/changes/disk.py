"""Landing accepted hunks on disk, safely.

Used where no editor holds the file (the CLI, automation, files closed in the
editor). The file is re-read first: if it changed since the agent read it the
proposal is rebased, and a conflict writes nothing. Writes are atomic so a crash
never leaves half a file, and each file is written in the encoding it was read in
(`FileChange.encoding`: codec and byte-order mark).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Collection
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from orchestra_lsp.changes.encoding import UTF8, NotText, TextEncoding, decode_text
from orchestra_lsp.changes.hunks import apply_hunks
from orchestra_lsp.changes.model import FileChange
from orchestra_lsp.changes.paths import PathOutsideWorkspace, confine
from orchestra_lsp.changes.rebase import Conflict, rebase

ApplyStatus = Literal["written", "created", "deleted", "unchanged", "conflict", "refused"]


class ApplyOutcome(BaseModel):
    """What `apply_to_disk` did to one file, for the journal and the person."""

    model_config = ConfigDict(frozen=True)

    path: str
    status: ApplyStatus
    rebased: bool = False
    conflicts: list[Conflict] = []
    message: str = ""


def read_text(path: Path, hint: TextEncoding | None = None) -> str | None:
    """The exact text of a file (line endings kept), or None when it does not exist.

    Raises `NotText` for a file that is not text (see `decode_text`; `hint` is the
    encoding it was read in before).
    """
    found = read_text_file(path, hint)
    return None if found is None else found[0]


def read_text_file(path: Path, hint: TextEncoding | None = None) -> tuple[str, TextEncoding] | None:
    """A file's text and encoding, or None when it does not exist; raises `NotText`."""
    try:
        return decode_text(path.read_bytes(), hint)
    except (FileNotFoundError, NotADirectoryError):  # missing, or a file on its path
        return None


def write_atomic(path: Path, text: str, encoding: TextEncoding = UTF8) -> None:
    """Replace `path` with `text` in `encoding` all at once, keeping the file's mode.

    A temporary file in the same directory is written, flushed to disk and renamed
    over the target, then the directory is synced so the rename survives a crash. A
    new file gets the usual 0o666-minus-umask mode from the kernel itself.
    """
    temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(encoding.encode(text))
            handle.flush()
            with contextlib.suppress(FileNotFoundError):
                os.fchmod(handle.fileno(), stat.S_IMODE(path.stat().st_mode))
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    _fsync_dir(path.parent)


def apply_to_disk(root: Path, change: FileChange, accepted_ids: Collection[str]) -> ApplyOutcome:
    """Write the accepted hunks of `change` to the file under `root`."""
    try:
        relative = confine(root, change.path)
    except PathOutsideWorkspace as error:
        return ApplyOutcome(path=change.path, status="refused", message=str(error))
    # Write through in-workspace symlinks rather than replacing the link itself.
    target = (root / relative).resolve()
    hunks = change.hunks()
    if not any(hunk.id in accepted_ids for hunk in hunks):
        return ApplyOutcome(path=relative, status="unchanged", message="no hunk accepted")
    try:
        found = read_text_file(target, change.encoding)
    except NotText as error:
        return ApplyOutcome(path=relative, status="conflict", message=f"not a text file: {error}")
    except IsADirectoryError:
        return ApplyOutcome(path=relative, status="conflict", message="it is a folder now")
    current, encoding = found if found is not None else (None, change.encoding)
    if change.proposed_text is None:
        return _delete(target, relative, change, current)
    if change.base_text is None:
        return _create(target, relative, change.proposed_text, current, encoding)
    desired = apply_hunks(change.base_text, hunks, accepted_ids)
    if current is None:
        return ApplyOutcome(
            path=relative, status="conflict", message="the file was deleted since it was read"
        )
    if (refused := _unwritable(relative, desired, encoding)) is not None:
        return refused
    if current == change.base_text:
        write_atomic(target, desired, encoding)
        return ApplyOutcome(path=relative, status="written")
    result = rebase(change.base_text, desired, current)
    if result.merged is None:
        return ApplyOutcome(
            path=relative,
            status="conflict",
            conflicts=result.conflicts,
            message="the file changed since it was read and the changes overlap",
        )
    write_atomic(target, result.merged, encoding)
    return ApplyOutcome(path=relative, status="written", rebased=True)


def _unwritable(relative: str, text: str, encoding: TextEncoding) -> ApplyOutcome | None:
    """A conflict when `text` holds a character the file's encoding cannot store."""
    at = encoding.unencodable(text)
    if at is None:
        return None
    line = text.count("\n", 0, at) + 1
    return ApplyOutcome(
        path=relative,
        status="conflict",
        message=f"line {line} holds {text[at]!r}, which {encoding.label} cannot store",
    )


def _create(
    target: Path, relative: str, text: str, current: str | None, encoding: TextEncoding
) -> ApplyOutcome:
    if current == text:
        return ApplyOutcome(path=relative, status="unchanged", message="already there")
    if current is not None:
        return ApplyOutcome(
            path=relative, status="conflict", message="the file was created meanwhile"
        )
    if (refused := _unwritable(relative, text, encoding)) is not None:
        return refused
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        blocker = next((p for p in target.parents if p.exists() and not p.is_dir()), None)
        where = f"{blocker.name} on its path" if blocker is not None else "a part of its path"
        return ApplyOutcome(
            path=relative,
            status="conflict",
            message=f"cannot create it: {where} is a file, not a folder",
        )
    write_atomic(target, text, encoding)
    return ApplyOutcome(path=relative, status="created")


def _delete(target: Path, relative: str, change: FileChange, current: str | None) -> ApplyOutcome:
    if current is None:
        return ApplyOutcome(path=relative, status="unchanged", message="already deleted")
    if current != change.base_text:
        return ApplyOutcome(
            path=relative,
            status="conflict",
            message="the file changed since it was read; not deleting it",
        )
    target.unlink()
    _fsync_dir(target.parent)
    return ApplyOutcome(path=relative, status="deleted")


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
