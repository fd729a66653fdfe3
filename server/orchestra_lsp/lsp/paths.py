"""Document URIs <-> workspace-relative POSIX paths (what changesets and the engine use).

Two URIs name the same file when their normalised paths are equal: clients encode
differently (Neovim leaves `(` and `)` as they are, pygls writes `%28`/`%29`; VS Code
writes `c%3A`, others `C:`), and a file may be reached through a symlink. Identity
goes through `uri_key`; edits still go to the URI the client used (`Documents`).
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from pygls.uris import from_fs_path, to_fs_path


def uri_to_path(uri: str) -> Path | None:
    """The local file a `file:` URI names; None for other schemes (`untitled:` …)."""
    fs_path = to_fs_path(uri) if uri.startswith("file:") else None
    return Path(fs_path) if fs_path else None


def uri_key(uri: str) -> str:
    """What identifies the document `uri` names: for a `file:` URI its absolute path
    with symlinks resolved (drive letters lower-cased where the OS ignores case), else
    the URI itself."""
    path = uri_to_path(uri)
    if path is None:
        return uri
    return os.path.normcase(os.path.realpath(path))


def local_folder(uri: str) -> Path | None:
    """The existing absolute folder a workspace URI names, resolved; None otherwise
    (`file:///c%3A/Users/dev/proj` on Linux is the relative path `c:/Users/dev/proj`)."""
    path = uri_to_path(uri)
    if path is None or not path.is_absolute() or not path.is_dir():
        return None
    return path.resolve()


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
