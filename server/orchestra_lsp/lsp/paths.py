"""Document URIs <-> workspace-relative POSIX paths (what changesets and the engine use)."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from pygls.uris import from_fs_path, to_fs_path


def uri_to_path(uri: str) -> Path | None:
    """The local file a `file:` URI names; None for other schemes (`untitled:` …)."""
    fs_path = to_fs_path(uri) if uri.startswith("file:") else None
    return Path(fs_path) if fs_path else None


def relative_path(root: Path, uri: str) -> str | None:
    """The workspace-relative path of `uri`, or None when it lies outside `root`."""
    path = uri_to_path(uri)
    if path is None:
        return None
    try:
        relative = path.resolve().relative_to(root)
    except ValueError:
        return None
    return relative.as_posix() if relative.parts else None


def file_uri(root: Path, relative: str) -> str:
    """The URI of a workspace-relative path."""
    uri = from_fs_path(str(root / PurePosixPath(relative)))
    if uri is None:  # only for paths pygls cannot express, which ours never are
        raise ValueError(f"no URI for {relative}")
    return str(uri)
