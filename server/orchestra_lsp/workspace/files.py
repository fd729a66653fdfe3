"""Reading the workspace's files so that no file can hang, exhaust or crash the loader.

Only regular files are read: a FIFO would block `open()` forever, a device may never
end, a socket cannot be read at all. Each file is opened non-blocking and checked with
`fstat` on the open descriptor (so it cannot be swapped between check and read), and
read up to `MAX_FILE_BYTES`. Folders are listed with `os.scandir`, following symlinked
folders once each (a symlink loop is visited once, not forever) and up to
`MAX_LISTED_FILES` files, so an unreadable folder is reported instead of vanishing.
"""

from __future__ import annotations

import errno
import json
import os
import stat
from pathlib import Path

from orchestra_lsp.workspace import inputs

#: No `.orchestra` file is anywhere near this; a larger one is a mistake (or an attack).
MAX_FILE_BYTES = 1024 * 1024
#: Files gathered from one folder tree (`.claude/` is searched recursively).
MAX_LISTED_FILES = 2000
MAX_FOLDER_DEPTH = 16


class FileProblem(Exception):
    """Why a path could not be read as a file (a sentence for a person)."""


def kind_of(mode: int) -> str:
    """What a non-regular file is, in words."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def _why(error: OSError) -> str:
    if error.errno == errno.ELOOP:
        return "it is a symlink loop"
    return error.strerror or str(error)


def read_regular(path: Path, limit: int = MAX_FILE_BYTES) -> bytes | None:
    """The bytes of `path`, or None when nothing is there (noted as an input: see
    `workspace.inputs`).

    Raises FileProblem when something is there but is not a readable regular file of at
    most `limit` bytes.
    """
    if limit != MAX_FILE_BYTES:
        inputs.note_unrecordable(f"{path} read with a limit of {limit} bytes")
        return read_raw(path, limit)
    with inputs.probing():
        fact, data, problem = read_observed(path)
    inputs.keep("file", str(path), fact)
    if problem is not None:
        raise problem
    return data


def read_observed(path: str | Path) -> tuple[str, bytes | None, FileProblem | None]:
    """(fact, bytes, problem): `read_raw` and what it found, as `workspace.inputs` says it."""
    try:
        data = read_raw(path)
    except FileProblem as problem:
        return f"problem: {problem}", None, problem
    return ("absent" if data is None else f"blake2b {inputs.digest(data)}"), data, None


def read_raw(path: str | Path, limit: int = MAX_FILE_BYTES) -> bytes | None:
    """`read_regular`, not noted as an input."""
    try:
        before = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except ValueError:  # a NUL byte in the name
        raise FileProblem("the path contains a NUL byte") from None
    except OSError as error:
        raise FileProblem(f"cannot read it: {_why(error)}") from None
    if not stat.S_ISREG(before.st_mode):
        raise FileProblem(f"it is {kind_of(before.st_mode)}, not a file")
    try:
        # O_NONBLOCK: if the file became a FIFO since the stat, open() still returns.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        raise FileProblem(f"cannot read it: {_why(error)}") from None
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            raise FileProblem(f"it is {kind_of(status.st_mode)}, not a file")
        if status.st_size > limit:
            raise FileProblem(f"it is {status.st_size} bytes; files over {limit} are not read")
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:  # the file grew while being read
                raise FileProblem(f"it is over {limit} bytes; not read")
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as error:
        raise FileProblem(f"cannot read it: {_why(error)}") from None
    finally:
        os.close(fd)


class Listing:
    """Files found under a folder, and the folders that could not be read. (Not a
    dataclass: `dataclasses` imports `inspect`, a repeated check's largest import.)"""

    __slots__ = ("files", "problems")

    def __init__(
        self, files: list[Path] | None = None, problems: list[tuple[Path, str]] | None = None
    ) -> None:
        self.files = files if files is not None else []
        self.problems = problems if problems is not None else []


def list_files(folder: Path, suffix: str, *, recursive: bool = False) -> Listing:
    """Regular files named `*suffix` in `folder` (and below it when `recursive`), sorted
    (noted as an input: see `workspace.inputs`).

    A missing folder gives an empty listing; one that exists but cannot be read (or is
    not a folder) gives a problem, so its definitions do not vanish silently.
    """
    with inputs.probing():
        fact, files, problems = list_observed(str(folder), suffix, recursive)
    inputs.keep("listing", json.dumps([str(folder), suffix, recursive]), fact)
    return Listing([Path(f) for f in files], [(Path(p), why) for p, why in problems])


def list_observed(
    folder: str, suffix: str, recursive: bool
) -> tuple[str, list[str], list[tuple[str, str]]]:
    """(fact, files, problems): what `list_files` finds, as plain paths, and a hash of it
    for `workspace.inputs` (Path objects are made only for a load: 400 of them cost)."""
    files, problems = _listed(folder, suffix, recursive)
    return inputs.digest(json.dumps([files, problems]).encode()), files, problems


def _listed(folder: str, suffix: str, recursive: bool) -> tuple[list[str], list[tuple[str, str]]]:
    files: list[str] = []
    problems: list[tuple[str, str]] = []
    try:
        status = os.stat(folder)
    except (FileNotFoundError, NotADirectoryError):
        return files, problems
    except (OSError, ValueError) as error:
        reason = _why(error) if isinstance(error, OSError) else "the path contains a NUL byte"
        problems.append((folder, f"cannot read the folder: {reason}"))
        return files, problems
    if not stat.S_ISDIR(status.st_mode):
        name = os.path.basename(folder)
        problems.append(
            (folder, f"{name} must be a folder, but it is {_file_kind(status.st_mode)}")
        )
        return files, problems
    seen: set[tuple[int, int]] = set()
    # Each file's names below `folder`: the order Path gives, at a tuple's cost.
    order: dict[str, tuple[str, ...]] = {}
    pending: list[tuple[str, int, tuple[str, ...]]] = [(folder, 0, ())]
    while pending:
        current, depth, below = pending.pop()
        try:
            status = os.stat(current)
        except OSError as error:
            problems.append((current, f"cannot read the folder: {_why(error)}"))
            continue
        key = (status.st_dev, status.st_ino)
        if key in seen:  # a symlink loop, or two links to one folder
            continue
        seen.add(key)
        try:
            with os.scandir(current) as entries:
                found = list(entries)
        except OSError as error:
            problems.append((current, f"cannot read the folder: {_why(error)}"))
            continue
        for entry in found:
            path = entry.path
            try:
                if entry.is_dir():
                    if recursive and depth < MAX_FOLDER_DEPTH:
                        pending.append((path, depth + 1, (*below, entry.name)))
                    continue
            except OSError as error:  # a link to itself, or a cycle of links
                if entry.name.endswith(suffix):
                    problems.append((path, _why(error)))
                continue
            if entry.name.endswith(suffix):
                if entry.is_symlink() and not os.path.exists(path):
                    target = os.readlink(path)
                    problems.append((path, f"it is a broken symlink (to {target})"))
                    continue
                if len(files) >= MAX_LISTED_FILES:
                    problems.append(
                        (folder, f"more than {MAX_LISTED_FILES} files; the rest are not read")
                    )
                    pending.clear()  # nothing more is read
                    break
                files.append(path)  # a non-regular one is reported when read
                order[path] = (*below, entry.name)
    files.sort(key=order.__getitem__)
    return files, problems


def _file_kind(mode: int) -> str:
    return "a file" if stat.S_ISREG(mode) else kind_of(mode)
