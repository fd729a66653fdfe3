"""The Claude models the installed `anthropic` SDK names: which exist, which are
deprecated, and the day each deprecated one stops being served.

Both tables are the SDK's own (`anthropic/types/model.py`'s `Model` literal and
`anthropic/_data/deprecated_models.py`), read as data, without importing the SDK (about
a second): the workspace loader checks every configured model with them, so `orchestra
check` and the editor's diagnostics can point at the line to change before calls to the
model start failing. Without the SDK, or if a table moves, nothing is known and nothing
is said.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Mapping
from pathlib import Path

TABLE = Path("_data") / "deprecated_models.py"
"""Where the SDK keeps the deprecation table, inside its package."""
MODELS = Path("types") / "model.py"
"""Where the SDK lists the model ids it knows (its `Model` type), inside its package."""

#: Claude Code's model aliases, each the family's newest model; `inherit` means "the
#: configured model".
CLAUDE_MODEL_ALIASES: dict[str, str | None] = {
    "inherit": None,
    "sonnet": "claude-sonnet-5-5",
    "opus": "claude-opus-5-5",
    "haiku": "claude-haiku-5-5",
}

#: A dated snapshot (`-20251001`) or `-latest` of a known id names the same model.
_SUFFIX = re.compile(r"-(?:\d{8}|latest)$")


def end_of_life(model: str) -> str | None:
    """The day `model` stops being served (as the SDK words it), or None when it is not
    deprecated, or nothing is known."""
    return deprecated_models().get(model)


def retiring(model: str, day: str) -> str:
    """What to tell a person about a deprecated model."""
    return f"model {model} is deprecated and reaches end of life on {day}"


def unknown_model(written: str, aliases: bool) -> str | None:
    """What to tell a person about a `model:` value that names no model, with the
    closest alias or id; None when it names one (an alias, where `aliases` says Claude
    Code's are taken, or an id the SDK knows), or when the SDK's table is unknown.

    A Claude model id the SDK does not list may be newer than the SDK: the message says
    what it was checked against."""
    known = known_models()
    if not known or written in known or _SUFFIX.sub("", written) in known:
        return None
    if _well_formed(written, known):
        return None
    if written in CLAUDE_MODEL_ALIASES:
        if aliases:
            return None
        model = CLAUDE_MODEL_ALIASES[written]
        instead = f"write a model id ('{model}')" if model else "leave the model out"
        return f"model '{written}' is Claude Code's alias, taken in .claude files; here {instead}"
    import difflib  # only when a model is unknown: `orchestra check` imports this module

    repaired = _repaired(written, known)
    choices = [*CLAUDE_MODEL_ALIASES, *known]
    close = [repaired] if repaired else difflib.get_close_matches(written, choices, 1, 0.75)
    if not close and written.startswith("claude-"):
        return None  # a family the SDK does not name, near none: likely a newer one
    # Where aliases are not taken, a misspelt alias is pointed at the id it stands for.
    meant = (
        (close[0] if aliases else CLAUDE_MODEL_ALIASES.get(close[0], close[0])) if close else None
    )
    hint = f"; did you mean '{meant}'?" if meant else ""
    takes = "an alias (sonnet, opus, haiku, inherit) or " if aliases else ""
    return f"unknown model '{written}'{hint} (write {takes}a model id the anthropic SDK knows)"


def _words(known: frozenset[str]) -> set[str]:
    return {part for model in known for part in model.split("-") if not part.isdigit()}


def _well_formed(written: str, known: frozenset[str]) -> bool:
    """Whether `written` is made like the SDK's ids (`claude-sonnet-4-5`,
    `claude-3-5-sonnet-20241022`): its words are theirs, with at least one version of
    one digit, and a date of eight. Such an id may be older or newer than the SDK's list,
    and is taken."""
    words, parts = _words(known), written.split("-")
    versions = [part for part in parts if part.isdigit() and len(part) == 1]
    return (
        parts[0] == "claude"
        and bool(versions)
        and all(part in words or (part.isdigit() and len(part) in (1, 8)) for part in parts[1:])
    )


def _repaired(written: str, known: frozenset[str]) -> str | None:
    """`written` with each misspelt word of an id made the closest of the SDK's words
    (`claude-sonet-4-5`, `Claude-Sonnet-4.5`, `sonnet-4-5` -> `claude-sonnet-4-5`);
    None when that makes no well-formed id."""
    import difflib

    words = sorted(_words(known))
    parts = written.lower().replace(".", "-").replace("_", "-").split("-")
    if parts[0] != "claude":
        parts = ["claude", *parts]
    fixed = []
    for part in parts:
        close = [part] if part.isdigit() else difflib.get_close_matches(part, words, 1, 0.7)
        fixed.append(close[0] if close else part)
    candidate = "-".join(fixed)
    return candidate if _well_formed(candidate, known) else None


@functools.cache
def known_models() -> frozenset[str]:
    """The model ids the SDK's `Model` type lists; empty when nothing is known."""
    tree = _sdk_source(MODELS)
    value = _assigned(tree, "Model") if tree is not None else None
    if value is None:
        return frozenset()
    return frozenset(
        node.value
        for node in ast.walk(value)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    )


@functools.cache
def deprecated_models() -> Mapping[str, str]:
    """The SDK's table of deprecated model ids and their end-of-life days."""
    tree = _sdk_source(TABLE)
    return _string_table(_assigned(tree, "DEPRECATED_MODELS") if tree is not None else None)


def _sdk_source(inside: Path) -> ast.Module | None:
    """The parsed source of one of the SDK's files; None when it cannot be read."""
    # Both asked through the workspace's inputs: `orchestra check` reports with this.
    from orchestra_lsp.workspace import inputs
    from orchestra_lsp.workspace.files import FileProblem, read_regular

    try:
        folder = inputs.package_folder("anthropic")
        data = read_regular(folder / inside) if folder is not None else None
        return ast.parse(data.decode("utf-8")) if data is not None else None
    except (FileProblem, SyntaxError, ValueError):
        return None


def _assigned(tree: ast.Module, name: str) -> ast.expr | None:
    for node in tree.body:
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(node, ast.AnnAssign):
            targets, value = [node.target], node.value
        elif isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            return value
    return None


def _string_table(node: ast.expr | None) -> dict[str, str]:
    try:
        value = ast.literal_eval(node) if node is not None else None
    except ValueError:
        return {}
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v) for k, v in value.items() if isinstance(k, str) and isinstance(v, str)}
