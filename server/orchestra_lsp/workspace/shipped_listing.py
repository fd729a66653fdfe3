"""The listing of a folder that defines nothing, shipped with Orchestra: a first start
(no listing stored yet, `result_cache`) in such a folder answers the first
`orchestra/commands` at once, not after a child has imported pydantic and loaded it.

Most folders a person opens define nothing of Orchestra's or Claude Code's, and neither
does a new person's home: their listing is the built-ins', the same everywhere. So it
is computed when Orchestra is built, with the facts its load consulted
(`workspace.inputs`), and kept beside this module (`shipped_listing.json`). A server
reuses it when every fact holds for the folder it serves, the person's home and
config folder and the installed built-ins; else the prefetch child loads the folder
(`lsp/prefetch.py`), as before.

In the file the four places a load looks are written as tokens: the folder served
(`ROOT`), the home folder (`HOME`), Orchestra's user config folder (`CONFIG`), the
built-ins' folder (`BUILTINS`; in the result as the URI `BUILTINS_URI`). A folder
listing's fact is a hash of the paths it found, so it is kept as what was hashed (the
paths, with tokens) and hashed once the places are known. The file is
`{"format": 1, "orchestra": version, "entries": [{"inputs": [[kind, subject, fact]...],
"result": CommandsResult}]}`, one entry per shape of folder (nothing at all, an empty
`.orchestra/`, an empty `.claude/`, both).

`generate()` loads such folders in children whose home, config folder and folder
served lie in two different layouts (the folder inside the home, and not; the config
folder inside the home, and not) and keeps an entry only when both layouts record the
same facts once written with tokens: the load then does not depend on where these
places are. Reuse still requires the places to be apart (`_apart`): a folder served
that is the home folder, or holds it, the config folder or the built-ins, is loaded.
`python -m orchestra_lsp.workspace.shipped_listing` rewrites the file;
`tests/workspace/test_shipped_listing.py` fails while it is stale (a built-in, the
loader or the listing changed without it).

This module imports neither pydantic nor the loader (`generate` runs the loader in
children): the server checks the entries before it imports pygls.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from orchestra_lsp import __version__
from orchestra_lsp.workspace import inputs

FORMAT = 1
FILE = Path(__file__).with_name("shipped_listing.json")

#: NUL, which no path holds, on both sides: no token is the start of another.
ROOT, HOME, CONFIG = "\0root\0", "\0home\0", "\0config\0"
BUILTINS, BUILTINS_URI = "\0builtins\0", "\0builtins-uri\0"
#: A folder listing's fact, kept as what its hash is of (`files.list_observed`).
LISTED = "\0listed\0"

#: The folders the shipped entries are computed for, each relative to the folder
#: served (`"."`: the folder itself, nothing in it).
SHAPES: tuple[tuple[str, ...], ...] = ((), (".orchestra",), (".claude",), (".orchestra", ".claude"))


def places(root: Path) -> dict[str, str] | None:
    """Each token's value for a load of `root` (a resolved absolute path) in this
    process; None when the places are not apart (see `_apart`)."""
    import platformdirs

    from orchestra_lsp.workspace.builtins import builtins_dir

    builtins = builtins_dir()
    values = {
        ROOT: str(root),
        HOME: str(Path.home()),
        CONFIG: platformdirs.user_config_dir("orchestra"),
        BUILTINS: str(builtins),
        BUILTINS_URI: builtins.as_uri(),
    }
    return values if _apart(values) else None


def _apart(values: dict[str, str]) -> bool:
    """The folder served is not the home folder, holds none of the other places, and
    lies in neither the config folder nor the built-ins: loads that the generated
    layouts do not cover (a project inside the home is covered)."""
    root = values[ROOT]
    if root == values[HOME]:
        return False
    if any(inputs.below(values[place], root) for place in (HOME, CONFIG, BUILTINS)):
        return False
    return not any(inputs.below(root, values[place]) for place in (CONFIG, BUILTINS))


def listing(root: Path) -> dict[str, Any] | None:
    """The shipped listing for the folder `root` (resolved, absolute) when one entry's
    facts all hold here; else None. Never raises: a missing or malformed file, or one
    of another Orchestra version, is a miss."""
    try:
        shipped = json.loads(FILE.read_bytes())
        usable = shipped["format"] == FORMAT and shipped["orchestra"] == __version__
        entries = shipped["entries"] if usable else []
    except (OSError, ValueError, KeyError, TypeError):
        return None
    values = places(root)
    if values is None:
        return None
    for entry in entries:
        try:
            asked = _facts(entry["inputs"], values)
            result = entry["result"]
        except (KeyError, TypeError, ValueError):
            continue
        if asked is not None and inputs.changed(asked) is None:
            filled = _fill_strings(result, values)
            return filled if isinstance(filled, dict) else None
    return None


def _facts(templated: list[list[str]], values: dict[str, str]) -> inputs.Facts | None:
    """The facts of an entry with the places filled in; None when two of them ask one
    question with two answers (places that coincide: they cannot both hold)."""
    facts: inputs.Facts = {}
    for kind, subject, fact in templated:
        pair, now = (kind, _filled(kind, subject, values)), _fact(kind, fact, values)
        if facts.setdefault(pair, now) != now:
            return None
    return facts


def _filled(kind: str, text: str, values: dict[str, str]) -> str:
    """A subject with its tokens replaced (inside the JSON of those that are JSON)."""
    if kind in inputs.JSON_SUBJECTS:
        return json.dumps(_fill_strings(json.loads(text), values))
    return _fill(text, values)


def _fact(kind: str, fact: str, values: dict[str, str]) -> str:
    if fact.startswith(LISTED):
        listed = _fill_strings(json.loads(fact[len(LISTED) :]), values)
        return inputs.digest(json.dumps(listed).encode())
    if kind in _JSON_FACTS:
        return json.dumps(_fill_strings(json.loads(fact), values))
    return _fill(fact, values)


_JSON_FACTS = frozenset({"glob", "shell-glob", "tree"})


def _fill(text: str, values: dict[str, str]) -> str:
    for token, value in values.items():
        text = text.replace(token, value)
    return text


def _fill_strings(item: Any, values: dict[str, str]) -> Any:
    return _each_string(item, lambda text: _fill(text, values))


def _each_string(item: Any, change: Callable[[str], str]) -> Any:
    """JSON `item` with `change` applied to every string in it, keys included."""
    if isinstance(item, str):
        return change(item)
    if isinstance(item, list):
        return [_each_string(part, change) for part in item]
    if isinstance(item, dict):
        return {change(k): _each_string(v, change) for k, v in item.items()}
    return item


# Generation (at build time, and by the test that keeps the file current).

#: A child's work: load the folder served (its cwd) and print what was consulted.
_CHILD = """
import json, sys
from pathlib import Path
from orchestra_lsp.lsp import listing
from orchestra_lsp.workspace import inputs, load_workspace
from orchestra_lsp.workspace.builtins import builtins_dir
from orchestra_lsp.workspace.files import list_observed
root = Path.cwd().resolve()
with inputs.recording() as recording:
    workspace = load_workspace(root)
    result = None
    if not workspace.mcp_servers and workspace.complete:
        result = listing.commands_result(workspace.commands, workspace)
listed = {}
for (kind, subject), fact in recording.facts.items():
    if kind == "listing":
        again, files, problems = list_observed(*json.loads(subject))
        listed[subject] = [files, [list(p) for p in problems]] if again == fact else None
print(json.dumps({
    "root": str(root), "home": str(Path.home()), "builtins": str(builtins_dir()),
    "config": str(inputs.user_config_dir("orchestra")),
    "incomplete": recording.incomplete, "listed": listed, "result": result,
    "inputs": [[kind, subject, fact] for (kind, subject), fact in recording.facts.items()],
}))
"""


class GenerationError(Exception):
    """The shipped listing cannot be computed faithfully (a sentence saying why)."""


def generate() -> dict[str, Any]:
    """The file's content for this checkout: each shape loaded in two layouts.
    Raises GenerationError when a load is incomplete, declines, or depends on where
    the places are."""
    import tempfile

    entries = []
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch).resolve()
        for number, shape in enumerate(SHAPES):
            entry = None
            for layout, (home, root, config) in enumerate(_layouts(base / str(number))):
                for folder in (home, root, *(root / name for name in shape)):
                    folder.mkdir(parents=True, exist_ok=True)
                found = _templated(_load(root, home, config), str(base))
                if entry is not None and found != entry:
                    raise GenerationError(
                        f"the load of a folder with {list(shape) or 'nothing'} depends on "
                        f"where the folder, home and config folder are (layout {layout})"
                    )
                entry = found
            entries.append(entry)
    return {"format": FORMAT, "orchestra": __version__, "entries": entries}


def _layouts(base: Path) -> list[tuple[Path, Path, Path | None]]:
    """(home, folder served, config folder or None for the home's default)."""
    return [
        (base / "a" / "home", base / "a" / "home" / "src" / "project", None),
        (base / "b" / "person", base / "b" / "work" / "project", base / "b" / "settings"),
    ]


def _load(root: Path, home: Path, config: Path | None) -> dict[str, Any]:
    import subprocess

    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home)}
    if config is not None:
        environment["XDG_CONFIG_HOME"] = str(config)
    done = subprocess.run(
        [sys.executable, "-c", _CHILD],
        cwd=root,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise GenerationError(f"the load of {root} failed:\n{done.stderr}")
    loaded: dict[str, Any] = json.loads(done.stdout)
    if loaded["incomplete"]:
        raise GenerationError(f"the load of {root} was not fully recorded: {loaded['incomplete']}")
    if loaded["result"] is None:
        raise GenerationError(f"the load of {root} gave no listing (MCP servers, or incomplete)")
    return loaded


def _templated(loaded: dict[str, Any], scratch: str) -> dict[str, Any]:
    """A child's load, its places written as tokens; GenerationError when a place is
    left in it (a path the tokens cannot say)."""
    builtins = loaded["builtins"]
    values = {
        BUILTINS_URI: Path(builtins).as_uri(),
        ROOT: loaded["root"],
        CONFIG: loaded["config"],
        BUILTINS: builtins,
        HOME: loaded["home"],
    }
    # The longest first: the folder served lies inside the home in one layout.
    order = sorted(values.items(), key=lambda pair: len(pair[1]), reverse=True)

    def tokenised(text: str) -> str:
        for token, value in order:
            text = text.replace(value, token)
        return text

    def tokens(item: Any) -> Any:
        return _each_string(item, tokenised)

    facts = []
    for kind, raw, fact in loaded["inputs"]:
        in_json = kind in inputs.JSON_SUBJECTS
        subject = json.dumps(tokens(json.loads(raw))) if in_json else tokens(raw)
        if kind == "listing":
            seen = loaded["listed"].get(raw)
            if seen is None:
                raise GenerationError(f"the listing {raw!r} changed while it was generated")
            fact = LISTED + json.dumps(tokens(seen))
        elif kind in _JSON_FACTS:
            fact = json.dumps(tokens(json.loads(fact)))
        else:
            fact = tokens(fact)
        facts.append([kind, subject, fact])
    entry = {"inputs": sorted(facts), "result": tokens(loaded["result"])}
    text = json.dumps(entry)
    for value in (*values.values(), scratch):
        if value in text:
            raise GenerationError(f"{value} is left in the shipped listing")
    return entry


def write() -> None:
    """Rewrite `FILE` for this checkout (`python -m orchestra_lsp.workspace.shipped_listing`)."""
    text = json.dumps(generate(), indent=1, ensure_ascii=False) + "\n"
    FILE.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    try:
        write()
    except GenerationError as error:
        sys.exit(f"orchestra: the shipped listing cannot be generated: {error}")
    print(f"wrote {FILE}")
