"""The package's one atomic writer, and the per-file lock landing takes.

Every file Orchestra replaces — a landed change, the journal's `run.json` and
`changeset.json`, a ticket — goes through `write_atomic`, so a crash never leaves half
a file anywhere (ARCHITECTURE.md §landing).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from orchestra_lsp.changes.encoding import UTF8, TextEncoding, decode_text


class ChangedMeanwhile(Exception):
    """`write_atomic(expect=...)` found the file no longer holds the expected content."""


def content_hash(data: bytes | None) -> str:
    """SHA-256 of a file's bytes; `"absent"` for a file that does not exist."""
    return "absent" if data is None else hashlib.sha256(data).hexdigest()


def read_bytes(path: Path) -> bytes | None:
    """The file's bytes, or None when it does not exist (or a file sits on its path).

    Raises `IsADirectoryError` for a folder."""
    try:
        return path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return None


def write_atomic(
    path: Path, data: bytes | str, encoding: TextEncoding = UTF8, *, expect: str | None = None
) -> None:
    """Replace `path` with `data` (text is stored in `encoding`: codec and byte-order
    mark) all at once, keeping an existing file's mode.

    A temporary file in the same folder is written, flushed and fsync'd, then renamed
    over the target, and the folder is fsync'd so the rename survives a crash. A new
    file gets 0o666 minus the umask. With `expect` (a `content_hash`), the target is
    re-read just before the rename and `ChangedMeanwhile` is raised, writing nothing,
    when it no longer has that hash: a compare-and-swap against writers that do not
    take `file_lock` (an editor saving).
    """
    encoded = encoding.encode(data) if isinstance(data, str) else data
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(encoded)
            handle.flush()
            try:
                os.fchmod(handle.fileno(), stat.S_IMODE(path.stat().st_mode))
            except FileNotFoundError:
                umask = os.umask(0)
                os.umask(umask)
                os.fchmod(handle.fileno(), 0o666 & ~umask)
            os.fsync(handle.fileno())
        if expect is not None and content_hash(read_bytes(path)) != expect:
            raise ChangedMeanwhile(f"{path.name} changed while it was being written")
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    fsync_directory(path.parent)


def fsync_directory(path: Path) -> None:
    """Make a rename or a new file in `path` durable; a no-op where folders can't be opened."""
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


LOCKS_FOLDER = Path(".orchestra") / "runs" / ".locks"
"""Under the journal's folder, which `orchestra init` and the journal keep out of git."""


@contextlib.contextmanager
def file_lock(root: Path, relative: str) -> Iterator[None]:
    """Hold an exclusive lock on one workspace file, across processes and threads.

    `fcntl.flock` on a lock file named after the path: the target itself cannot carry
    the lock, since an atomic rename replaces its inode. Blocks until the lock is free.
    """
    folder = root / LOCKS_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    name = hashlib.sha256(relative.encode("utf-8")).hexdigest()[:24]
    fd = os.open(folder / f"{name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def read_text(path: Path, hint: TextEncoding | None = None) -> str | None:
    """The exact text of a file (line endings kept), or None when it does not exist.

    Raises `NotText` for a file that is not text (see `decode_text`; `hint` is the
    encoding it was read in before).
    """
    found = read_text_file(path, hint)
    return None if found is None else found[0]


def read_text_file(path: Path, hint: TextEncoding | None = None) -> tuple[str, TextEncoding] | None:
    """A file's text and encoding, or None when it does not exist; raises `NotText`."""
    raw = read_bytes(path)
    return None if raw is None else decode_text(raw, hint)
