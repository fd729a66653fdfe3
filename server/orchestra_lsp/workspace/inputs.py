"""The outside facts a workspace load consults, so that its result can be reused safely.

Every place the workspace layer looks at the world beyond its arguments asks here: a
file read (`files.read_regular`), a folder listed (`files.list_files`), a path's
existence, kind or real location, a glob, an environment variable, the home folder,
the user's config folder. Each question is a probe, `PROBES[kind](subject) -> fact`:
a string that is equal between two runs exactly when the load would see the same thing
(a file's fact is the blake2b hash of its bytes, "absent", or why it cannot be read).

While `recording()` is active every fact asked is kept; `changed(facts)` asks them all
again. A question the recorder cannot represent (a probe that raised, a file opened or
a folder listed outside these probes, seen by an audit hook) marks the recording
`incomplete`, and its result must not be reused. `relocated(facts, old, new)` says the
facts of a load of one folder as a load of another would record them, where that can
be said exactly (`result_cache` reuses a listing so). This module imports neither
pydantic nor the loader: `orchestra check` uses it to tell, cheaply, that nothing
changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

#: (kind, subject) -> fact
Facts = dict[tuple[str, str], str]


class Recording:
    """The facts one load consulted; `incomplete` names what could not be recorded."""

    def __init__(self) -> None:
        self.facts: Facts = {}
        self.incomplete: list[str] = []
        self.probing = 0
        """> 0 while a probe runs: what it opens is accounted for by its fact."""


_active: Recording | None = None
_hooked = False


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=20).hexdigest()


@contextmanager
def recording() -> Iterator[Recording]:
    """Record every outside fact consulted within the block (one at a time)."""
    global _active
    _install_audit_hook()
    previous, _active = _active, Recording()
    try:
        yield _active
    finally:
        _active = previous


@contextmanager
def probing() -> Iterator[None]:
    """Within the block, what is opened is a probe's own doing (see `keep`)."""
    active = _active
    if active is not None:
        active.probing += 1
    try:
        yield
    finally:
        if active is not None:
            active.probing -= 1


def keep(kind: str, subject: str, fact: str) -> None:
    """Note a fact a probe's own code found (`PROBES[kind]` must find it again)."""
    if _active is not None:
        _active.facts[(kind, subject)] = fact


def note_unrecordable(what: str) -> None:
    """The load consulted something no probe can ask again: do not reuse its result."""
    if _active is not None:
        _active.incomplete.append(what)


def observe(kind: str, subject: str) -> str:
    """`PROBES[kind](subject)`, kept if recording. A probe that raises is unrecordable
    (the exception propagates as it would have without the recorder)."""
    active = _active
    if active is None:
        return PROBES[kind](subject)
    active.probing += 1
    try:
        fact = PROBES[kind](subject)
    except BaseException:
        active.incomplete.append(f"{kind} {subject!r} raised")
        raise
    finally:
        active.probing -= 1
    active.facts[(kind, subject)] = fact
    return fact


def changed(facts: Facts) -> str | None:
    """The first fact that is no longer so (`kind subject`), or None when all hold."""
    folders: dict[str, str] = {}
    """The resolutions of folders asked so far in this call (`_resolved_in`)."""
    for (kind, subject), fact in facts.items():
        probe = PROBES.get(kind)
        try:
            if kind == "resolve":
                now: str | None = _resolved_in(subject, folders)
            else:
                now = None if probe is None else probe(subject)
        except Exception:
            now = None
        if now != fact:
            return f"{kind} {subject}"
    return None


def _resolved_in(subject: str, folders: dict[str, str]) -> str:
    """`_resolved(subject)`, from its folder's resolution when it is no symlink itself:
    a load asks it of every file it reads (hundreds, in a few folders), and resolving
    each path whole walks every component again. `folders` keeps the resolutions of one
    `changed` call (the world is asked once per call, as by the probe itself)."""
    folder, name = os.path.split(subject)
    if not folder or name in ("", ".", ".."):
        return _resolved(subject)
    try:
        if stat.S_ISLNK(os.lstat(subject).st_mode):
            return _resolved(subject)
    except FileNotFoundError:
        pass  # resolved as a path that is not there: its folder's resolution, and its name
    except (OSError, ValueError):
        return _resolved(subject)
    parent = folders.get(folder)
    if parent is None:
        parent = folders[folder] = _resolved(folder)
    if not parent.startswith("= "):
        return _resolved(subject)
    return "= " + os.path.join(parent[2:], name)


# The probes. Each consults the world and nothing else; its subject says everything it
# needs (JSON when it takes more than a path).


def _file(subject: str) -> str:
    from orchestra_lsp.workspace.files import read_observed

    return read_observed(subject)[0]


def _listing(subject: str) -> str:
    from orchestra_lsp.workspace.files import list_observed

    folder, suffix, recursive = json.loads(subject)
    return list_observed(folder, suffix, recursive)[0]


def _flag(test: Callable[[Path], bool]) -> Callable[[str], str]:
    return lambda subject: "1" if test(Path(subject)) else "0"


def _resolved(subject: str) -> str:
    try:
        return "= " + str(Path(subject).resolve())
    except (OSError, RuntimeError, ValueError):  # a symlink loop, a NUL byte
        return "!"


def _resolved_strictly(subject: str) -> str:
    """`= path`, or why not: `missing`, `loop`, `error: reason`."""
    import errno

    try:
        return "= " + str(Path(subject).resolve(strict=True))
    except FileNotFoundError:
        return "missing"
    except RuntimeError:  # Python 3.11 reports a symlink loop so
        return "loop"
    except OSError as error:
        if error.errno == errno.ELOOP:
            return "loop"
        return f"error: {error.strerror or error}"


def _glob(subject: str) -> str:
    folder, pattern = json.loads(subject)
    return json.dumps(sorted(str(p) for p in Path(folder).glob(pattern)))


def _shell_glob(subject: str) -> str:
    """What a shell would expand a pattern to in a folder (hidden files only when the
    pattern names them), sorted; nothing for an unreadable folder or a bad pattern."""
    import glob as globbing

    pattern, folder = json.loads(subject)
    try:
        return json.dumps(sorted(globbing.glob(pattern, root_dir=folder)))
    except (OSError, ValueError):
        return "[]"


def _tree(subject: str) -> str:
    """Everything below a folder: [relative path, is a file] sorted as paths sort."""
    directory = Path(subject)
    return json.dumps(
        [[p.relative_to(directory).as_posix(), p.is_file()] for p in sorted(directory.rglob("*"))]
    )


def _environment(subject: str) -> str:
    value = environment().get(subject)
    return "unset" if value is None else f"set {digest(value.encode('utf-8', 'surrogatepass'))}"


def _user_config_dir(subject: str) -> str:
    import platformdirs

    return platformdirs.user_config_dir(subject)


def _package_folder(subject: str) -> str:
    """The folder of an installed package (found, not imported), or ""."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(subject)
    except (ImportError, ValueError):
        return ""
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    return folders[0] if folders else ""


PROBES: dict[str, Callable[[str], str]] = {
    "package-folder": _package_folder,
    "file": _file,
    "listing": _listing,
    "exists": _flag(Path.exists),
    "lexists": _flag(lambda p: os.path.lexists(p)),
    "is-dir": _flag(Path.is_dir),
    "resolve": _resolved,
    "resolve-strict": _resolved_strictly,
    "realpath": os.path.realpath,
    "glob": _glob,
    "tree": _tree,
    "shell-glob": _shell_glob,
    "environment": _environment,
    "home": lambda _: str(Path.home()),
    "user-config-dir": _user_config_dir,
}


# Relocation: the facts of one folder's load, read as a load of another folder would
# record them (`result_cache` reuses a listing stored for one folder in another).

#: How each probe names a path in its subject: the whole subject, one item of a JSON
#: list (its index), or none (a name).
_PATH_SUBJECTS = frozenset(
    {"file", "exists", "lexists", "is-dir", "resolve", "resolve-strict", "realpath", "tree"}
)
JSON_SUBJECTS = {"listing": 0, "glob": 0, "shell-glob": 1}
_NAME_SUBJECTS = frozenset({"environment", "home", "user-config-dir", "package-folder"})

#: The fact of a folder listing that found nothing (`files.list_observed`): the hash of
#: no files and no problems, whatever the folder's path.
EMPTY_LISTING = digest(json.dumps([[], []]).encode())


def below(path: str, root: str) -> bool:
    """Whether `path` is `root` or inside it, at a path boundary (`/a/bc` is not in
    `/a/b`)."""
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def names(text: str, root: str) -> bool:
    """Whether `text` may name `root` or a path below it: `root` occurs in it, not
    followed by what continues a name (`/a/b-c` does not name `/a/b`). Errs towards yes."""
    start = text.find(root)
    while start >= 0:
        after = text[start + len(root) : start + len(root) + 1]
        if not after or not (after.isalnum() or after in ("-", "_", ".", "~", "+", "@")):
            return True
        start = text.find(root, start + 1)
    return False


def relocated(facts: Facts, old: str, new: str) -> Facts | None:
    """`facts`, recorded by a load of the folder `old`, as a load of the folder `new`
    would record them; None when that cannot be said faithfully.

    Both folders are absolute, resolved paths. A path at or below `old` (at a path
    boundary) in a subject becomes the same path below `new`, per probe kind (inside
    the JSON of `listing`, `glob` and `shell-glob` subjects), and so does a fact that is
    that path itself (`resolve`: `= path`). Only facts that say nothing depends on where
    the folder is relocate: below `old`, a file must be absent, a listing or glob
    empty, a path its own resolution (no symlink), a shell glob's pattern relative; no
    other fact may name a path at or below `old` (a home or config folder inside it, a
    link into it). Anything else, an unknown kind, `old` being `/`, or two facts that
    would ask the same question differently, gives None."""
    if old in ("", os.sep) or not os.path.isabs(old) or not os.path.isabs(new):
        return None
    moved: Facts = {}
    for (kind, subject), fact in facts.items():
        pair = _relocated_fact(kind, subject, fact, old, new)
        if pair is None or moved.get(pair[0], pair[1]) != pair[1]:
            return None
        moved[pair[0]] = pair[1]
    return moved


def _relocated_fact(
    kind: str, subject: str, fact: str, old: str, new: str
) -> tuple[tuple[str, str], str] | None:
    if kind in _NAME_SUBJECTS:
        # A variable's fact is a hash (`result_cache` looks at the values when it
        # stores); the home, config and package folders are where the load starts from,
        # not the root's: inside the root they could not be told apart from it.
        return None if names(fact, old) else ((kind, subject), fact)
    parts: list[object] | None = None
    if kind in _PATH_SUBJECTS:
        path = subject
    elif kind in JSON_SUBJECTS:
        try:
            parts = json.loads(subject)
        except ValueError:
            return None
        index = JSON_SUBJECTS[kind]
        if not isinstance(parts, list) or len(parts) <= index or json.dumps(parts) != subject:
            return None  # not as the probe's caller writes it: could not be rewritten alike
        named = parts[index]
        if not isinstance(named, str) or any(
            names(part, old) for i, part in enumerate(parts) if i != index and isinstance(part, str)
        ):
            return None  # the root in a pattern or a suffix
        path = named
    else:
        return None
    if not below(path, old):
        # Asked wherever the load runs: it stays, and so must what it found.
        return None if names(fact, old) else ((kind, subject), fact)
    target = new + path[len(old) :]
    if parts is not None:
        parts[JSON_SUBJECTS[kind]] = target
    moved = (kind, target if parts is None else json.dumps(parts))
    value: str | None = None
    if kind == "file":
        value = fact if fact == "absent" else None
    elif kind == "listing":
        value = fact if fact == EMPTY_LISTING else None
    elif kind == "glob":
        value = fact if fact == "[]" else None
    elif kind in ("exists", "lexists", "is-dir"):
        value = fact if fact in ("0", "1") else None
    elif kind == "resolve" or kind == "resolve-strict":
        if fact == "= " + path:
            value = "= " + target
        elif kind == "resolve-strict" and fact == "missing":
            value = fact
    elif kind == "realpath":
        value = target if fact == path else None
    elif kind == "tree":  # names relative to the folder
        value = None if names(fact, old) else fact
    elif kind == "shell-glob":  # names relative to the folder, for a relative pattern
        pattern = parts[0] if parts else None
        relative = isinstance(pattern, str) and not pattern.startswith(("/", "~"))
        value = fact if relative and not names(fact, old) else None
    return None if value is None else (moved, value)


# What the workspace layer calls instead of asking the world itself.


def exists(path: Path) -> bool:
    return observe("exists", str(path)) == "1"


def lexists(path: Path) -> bool:
    return observe("lexists", str(path)) == "1"


def is_dir(path: Path) -> bool:
    return observe("is-dir", str(path)) == "1"


def resolved(path: Path) -> Path | None:
    """`path.resolve()`, or None for a symlink loop or a NUL byte."""
    fact = observe("resolve", str(path))
    return Path(fact[2:]) if fact.startswith("= ") else None


def resolved_strictly(path: Path) -> tuple[Path | None, str]:
    """(`path.resolve(strict=True)`, "") or (None, `missing` | `loop` | `error: why`)."""
    fact = observe("resolve-strict", str(path))
    return (Path(fact[2:]), "") if fact.startswith("= ") else (None, fact)


def realpath(path: str) -> str:
    return observe("realpath", path)


def glob(folder: Path, pattern: str) -> list[Path]:
    """`folder.glob(pattern)`, sorted."""
    return [Path(p) for p in json.loads(observe("glob", json.dumps([str(folder), pattern])))]


def shell_glob(pattern: str, folder: str) -> list[str]:
    """The names `pattern` matches relative to `folder`, sorted (`glob.glob`)."""
    return [str(name) for name in json.loads(observe("shell-glob", json.dumps([pattern, folder])))]


def tree(directory: Path) -> list[tuple[str, bool]]:
    """(path relative to `directory`, is a regular file) for all below it, sorted."""
    return [(name, is_file) for name, is_file in json.loads(observe("tree", str(directory)))]


def package_folder(name: str) -> Path | None:
    """Where the installed package `name` is, without importing it; None if nowhere."""
    folder = observe("package-folder", name)
    return Path(folder) if folder else None


def home() -> Path:
    return Path(observe("home", ""))


def user_config_dir(app: str) -> Path:
    return Path(observe("user-config-dir", app))


def environment() -> Mapping[str, str]:
    """The process environment as the workspace sees it (see `with_builtin_variables`)."""
    return with_builtin_variables(os.environ)


def with_builtin_variables(environ: Mapping[str, str]) -> Mapping[str, str]:
    """`${ORCHESTRA_PYTHON}` in mcp.json is the interpreter running Orchestra unless
    set, so a server shipped in this package (`-m orchestra_lsp.tickets`) starts with it."""
    if "ORCHESTRA_PYTHON" in environ:
        return environ
    return {**environ, "ORCHESTRA_PYTHON": sys.executable}


class RecordedEnvironment(Mapping[str, str]):
    """`environment()`, each variable looked up noted (by a hash of its value); listing
    every variable is not something one fact can say, so it makes the load unrecordable."""

    def __init__(self) -> None:
        self._values = environment()

    def __getitem__(self, name: str) -> str:
        if _active is not None:
            observe("environment", name)
        return self._values[name]

    def __contains__(self, name: object) -> bool:
        if _active is not None and isinstance(name, str):
            observe("environment", name)
        return name in self._values

    def __iter__(self) -> Iterator[str]:
        note_unrecordable("the whole environment was listed")
        return iter(self._values)

    def __len__(self) -> int:
        note_unrecordable("the whole environment was counted")
        return len(self._values)


def _install_audit_hook() -> None:
    """A safety net under the probes: a file opened or a folder listed during a
    recording, other than by a probe or by Python importing its own modules, makes it
    incomplete. (An audit hook cannot be removed; outside a recording it returns at once.)"""
    global _hooked
    if _hooked:
        return
    _hooked = True
    # Python's own files and this package's (its modules, imported as the load goes).
    package = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    own = tuple(
        os.path.join(p, "") for p in {sys.prefix, sys.base_prefix, sys.exec_prefix, package}
    )

    def hook(event: str, args: tuple[object, ...]) -> None:
        active = _active
        if active is None or active.probing or event not in _WATCHED:
            return
        target = args[0] if args else None
        if isinstance(target, int) or target is None:
            return
        name = os.fsdecode(target) if isinstance(target, (str, bytes, os.PathLike)) else ""
        if not os.path.isabs(name):
            name = os.path.abspath(name or ".")
        if name.startswith(own):
            return
        active.incomplete.append(f"{event} {name}")

    sys.addaudithook(hook)


_WATCHED = frozenset({"open", "os.scandir", "os.listdir", "glob.glob", "os.walk"})
