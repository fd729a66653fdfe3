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
(a read-only cache folder, a full disk) is skipped, never an error.

Relocation (the listing only): most folders a person opens define nothing of their
own, and their listing is the built-ins and the person's own folders, the same in
each. So a folder with no entry of its own (or a stale one) may reuse an entry stored
for another folder, from `<name>/relocatable/`: the `RELOCATABLE_ENTRIES` most
recently stored or reused, one per shape of facts, tried newest first. One is reused
when its key is this process's and its facts hold twice: read relative to the new
folder (`inputs.relocated`: the old root becomes the new one at path boundaries, in
subjects and in the facts that are paths), and where they were recorded (a path the
load took from elsewhere, a file's text or the home folder, may lie below the old
root, and a load of the new folder asks it there too). An entry is kept as
relocatable only when nothing in it depends on where its folder is: below the root
every file looked for is absent, every listing and glob empty, no path a symlink; no
other fact (the home, config and package folders, where links lead), no text of the
result (its paths and URIs: it is reused as it is) and no file read or variable looked
up names the root. Anything ambiguous is not relocated: a miss costs a load, a wrong
reuse a wrong answer.

`orchestra check` does not relocate: its result is the folder's diagnostics, which
name the folder's own paths, and a missed check costs one load on the command line,
not an editor's first answer.

This module imports neither pydantic nor the loader: a warm `orchestra check` is this
module, `inputs` and printing, and the server verifies a stored listing before it
imports pygls.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path
from typing import Any

from orchestra_lsp import __version__
from orchestra_lsp.workspace import inputs

#: Bumped when the entry's shape changes.
FORMAT = 1

#: The subfolder of a name's entries that holds those other folders may reuse, and how
#: many of them are kept (each is tried, newest first, when a folder has none of its
#: own: a few dozen stat calls and file reads each).
RELOCATABLE = "relocatable"
RELOCATABLE_ENTRIES = 4
#: A root no folder has, to name an entry by the shape of its facts.
_ANY_ROOT = os.sep + "\0root"


def cache_file(name: str, root: Path) -> Path:
    """Where the `name` entry for the workspace at `root` (an absolute path) is kept."""
    import platformdirs

    digest = inputs.digest(os.fsencode(root))
    return Path(platformdirs.user_cache_dir("orchestra")) / name / f"{digest}.json"


def cached(name: str, root: Path, *, relocate: bool = False) -> dict[str, Any] | None:
    """The stored `name` result for `root` if every input it consulted is unchanged;
    else, with `relocate`, one stored for another folder that holds here (see the
    module's docstring); else None."""
    key = _key()
    result = _verified(cache_file(name, root), root, key)
    if result is not None or not relocate:
        return result
    return _relocated(name, root, key)


def _entry(path: Path, key: dict[str, str]) -> tuple[str, inputs.Facts, dict[str, Any]] | None:
    """(root, facts, result) of the entry at `path`, if it is well formed and of `key`."""
    try:
        entry = json.loads(path.read_bytes())
        facts = {(kind, subject): fact for kind, subject, fact in entry["inputs"]}
        result = entry["result"]
        root = entry["root"]
        usable = entry["key"] == key
    except (OSError, ValueError, KeyError, TypeError):  # missing, unreadable, malformed
        return None
    if not usable or not isinstance(result, dict) or not isinstance(root, str):
        return None
    if not all(isinstance(part, str) for pair, fact in facts.items() for part in (*pair, fact)):
        return None
    return root, facts, result


def _verified(path: Path, root: Path, key: dict[str, str]) -> dict[str, Any] | None:
    entry = _entry(path, key)
    if entry is None or entry[0] != str(root) or inputs.changed(entry[1]) is not None:
        return None
    return entry[2]


def _relocated(name: str, root: Path, key: dict[str, str]) -> dict[str, Any] | None:
    """The newest relocatable `name` result whose facts hold both where they were
    recorded and read relative to `root`."""
    try:
        with os.scandir(_relocatable_folder(name)) as found:
            candidates = sorted(
                (entry.stat().st_mtime_ns, entry.path)
                for entry in found
                if entry.name.endswith(".json")
            )
    except OSError:  # no such folder yet
        return None
    for _, path in reversed(candidates[-RELOCATABLE_ENTRIES:]):
        entry = _entry(Path(path), key)
        if entry is None or entry[0] == str(root):
            continue
        old, facts, result = entry
        moved = inputs.relocated(facts, old, str(root))
        if moved is None:
            continue
        # The new folder's own facts first: where a folder that differs fails, after
        # a few stat calls. Then all of them where they were recorded: a path the load
        # took from elsewhere (a file's text, a variable, the home folder) that lies
        # below the old root is asked there by a load of `root` as well.
        here = {pair: fact for pair, fact in moved.items() if facts.get(pair) != fact}
        if any(pair in facts for pair in here):
            continue  # one question, two answers: they cannot both hold
        if inputs.changed(here) is not None or inputs.changed(facts) is not None:
            continue
        if not _relocatable_result(result, old):  # as it was stored: not written by hand
            continue
        with contextlib.suppress(OSError):
            os.utime(path)  # recently useful: kept longest
        return result
    return None


def store(
    name: str,
    root: Path,
    recording: inputs.Recording,
    result: dict[str, Any],
    *,
    relocatable: bool = False,
) -> None:
    """Keep `result` as `name` for `root`, unless the recording is incomplete; with
    `relocatable`, also among the few results other folders may reuse, if nothing in it
    depends on where `root` is (see the module's docstring). Never raises for a cache
    that cannot be written: the result itself does not depend on it."""
    if recording.incomplete:
        return
    try:
        entry = {
            "key": _key(),  # OSError: Orchestra's own folder could not be listed
            "root": str(root),
            "inputs": [[kind, subject, fact] for (kind, subject), fact in recording.facts.items()],
            "result": result,
        }
        _write(cache_file(name, root), entry)
        if not relocatable:
            return
        shape = inputs.relocated(recording.facts, str(root), _ANY_ROOT)
        if shape is None or not _relocatable_result(result, str(root)):
            return
        if not _nothing_read_names(recording.facts, str(root)):
            return
        # Named by what the facts say wherever the folder is: a second folder of the
        # same shape replaces the first rather than crowding out other shapes.
        folder = _relocatable_folder(name)
        _write(
            folder
            / f"{inputs.digest(json.dumps([entry['key'], sorted(shape.items())]).encode())}.json",
            entry,
        )
        _prune(folder)
    except OSError:
        return


def _write(path: Path, entry: dict[str, Any]) -> None:
    import tempfile  # only here: it imports shutil and random, which a reuse never needs

    path.parent.mkdir(parents=True, exist_ok=True)
    # Written beside its place and renamed over it: a reader sees the old entry or the
    # new one, never half of one.
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(entry, out, separators=(",", ":"))
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def _relocatable_folder(name: str) -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("orchestra")) / name / RELOCATABLE


def _prune(folder: Path) -> None:
    """Keep the `RELOCATABLE_ENTRIES` most recently stored or reused."""
    with os.scandir(folder) as found:
        entries = sorted(
            (entry.stat().st_mtime_ns, entry.path)
            for entry in found
            if entry.name.endswith(".json")
        )
    for _, path in entries[:-RELOCATABLE_ENTRIES]:
        with contextlib.suppress(OSError):  # another process pruned it first
            os.unlink(path)


def _relocatable_result(result: dict[str, Any], root: str) -> bool:
    """Whether no text in `result` names the root (as a path or a `file:` URI): it is
    then the same answer wherever the folder is."""
    uri = Path(root).as_uri()
    pending: list[object] = [result]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if inputs.names(item, root) or inputs.names(item, uri):
                return False
        elif isinstance(item, dict):
            pending += [*item.keys(), *item.values()]
        elif isinstance(item, list):
            pending += item
    return True


def _nothing_read_names(facts: inputs.Facts, root: str) -> bool:
    """Whether no file the load read and no variable it looked up holds the root's path:
    their facts are hashes, which relocation could not rewrite."""
    from orchestra_lsp.workspace.files import read_raw

    for (kind, subject), fact in facts.items():
        if kind == "environment" and fact != "unset":
            value = inputs.environment().get(subject)
            if value is None or inputs.names(value, root):
                return False
        elif kind == "file" and fact.startswith("blake2b "):
            try:
                data = read_raw(subject)
            except Exception:  # FileProblem: it changed since; so will its fact
                return False
            if data is None or fact != f"blake2b {inputs.digest(data)}":
                return False
            if inputs.names(data.decode("utf-8", "surrogateescape"), root):
                return False
    return True


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
