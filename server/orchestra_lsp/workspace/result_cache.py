"""A result of a workspace load, reused while every input the load consulted holds (as
ruff, mypy and eslint reuse theirs): the last `orchestra check`, the first
`orchestra/commands` listing (`lsp/prefetch.py`).

Each use has a name of its own (`check`, `listing`). An entry is a JSON file in the
user's cache folder, never in the repository:
`<user cache dir>/orchestra/<name>/<blake2b of the workspace's absolute path>.json`,
shaped `{"key": {...}, "root": str, "inputs": [[kind, subject, fact], ...],
"result": {...}}`. It is reused only when its key (Orchestra's version and code, the
Python version, the installed distributions' versions) is this process's and every
input fact the load consulted (`workspace.inputs`: each file's blake2b hash, each
folder's listing, each path looked for and not found, each environment variable read,
the home folder) is still so. A load that consulted something no fact can represent
is not stored. A missing, unreadable or malformed entry is a miss; a store that fails
(a read-only cache folder, a full disk) is skipped, never an error. This module
imports neither pydantic nor the loader: a warm `orchestra check` is this module,
`inputs` and printing, and the server verifies a stored listing before it imports
pygls.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from orchestra_lsp import __version__
from orchestra_lsp.workspace import inputs

#: Bumped when the entry's shape changes.
FORMAT = 1


def cache_file(name: str, root: Path) -> Path:
    """Where the `name` entry for the workspace at `root` (an absolute path) is kept."""
    import platformdirs

    digest = inputs.digest(os.fsencode(root))
    return Path(platformdirs.user_cache_dir("orchestra")) / name / f"{digest}.json"


def cached(name: str, root: Path) -> dict[str, Any] | None:
    """The stored `name` result for `root` if every input it consulted is unchanged;
    else None."""
    try:
        entry = json.loads(cache_file(name, root).read_bytes())
        facts = {(kind, subject): fact for kind, subject, fact in entry["inputs"]}
        result = entry["result"]
        usable = entry["key"] == _key() and entry["root"] == str(root)
    except (OSError, ValueError, KeyError, TypeError):  # missing, unreadable, malformed
        return None
    if not usable or not isinstance(result, dict):
        return None
    if not all(isinstance(part, str) for pair, fact in facts.items() for part in (*pair, fact)):
        return None
    if inputs.changed(facts) is not None:
        return None
    return result


def store(name: str, root: Path, recording: inputs.Recording, result: dict[str, Any]) -> None:
    """Keep `result` as `name` for `root`, unless the recording is incomplete. Never
    raises for a cache that cannot be written: the result itself does not depend on it."""
    if recording.incomplete:
        return
    import tempfile  # only here: it imports shutil and random, which a reuse never needs

    try:
        entry = {
            "key": _key(),  # OSError: Orchestra's own folder could not be listed
            "root": str(root),
            "inputs": [[kind, subject, fact] for (kind, subject), fact in recording.facts.items()],
            "result": result,
        }
        path = cache_file(name, root)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written beside its place and renamed over it: a reader sees the old entry or
        # the new one, never half of one.
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(entry, out, separators=(",", ":"))
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError:
        return


def _key() -> dict[str, str]:
    return {
        "format": str(FORMAT),
        "orchestra": __version__,
        "code": _code_fingerprint(),
        "python": sys.version,
        "packages": _installed_packages(),
    }


def _installed_packages() -> str:
    """The distributions installed where Python imports from, by their metadata folders'
    names (which carry their versions): a new pydantic may word an error differently."""
    names: list[str] = []
    for folder in sys.path:
        try:
            with os.scandir(folder or ".") as entries:
                names += [e.name for e in entries if e.name.endswith((".dist-info", ".egg-info"))]
        except OSError:  # a zip file, a folder that is not there
            continue
    return inputs.digest("\n".join(sorted(names)).encode())


def _code_fingerprint() -> str:
    """Orchestra's own modules, by name, size and modification time: an editable
    install's edits change the checks without changing `__version__`."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    seen: list[str] = []
    pending = [package]
    while pending:
        folder = pending.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.endswith(".py"):
                    status = entry.stat()
                    seen.append(f"{entry.path} {status.st_size} {status.st_mtime_ns}")
                elif entry.is_dir() and not entry.name.startswith((".", "__pycache__")):
                    pending.append(entry.path)
    return inputs.digest("\n".join(sorted(seen)).encode())
