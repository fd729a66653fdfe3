"""Code actions offering the commands that declare `code_action`: each one only
describes a run (an `orchestra.run` command carrying the URI, range, selected text
and diagnostics), so computing them never calls the model.

Which commands fit a place is decided here once, on `Offer`: the few facts a code
action needs of a command, which the engine's `Command` gives (`of_commands`) and so
does an entry of the `orchestra/commands` listing (`of_listing`: the prefetched one,
before the engine is built). Both are taken in the listing's order (by name), so the
answer is the same whichever gave them. `fitting` and the run's parameters need
neither pygls nor lsprotocol: `early_code_actions` answers with them before pygls is
imported, `command_actions` once it runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from orchestra_lsp.lsp import methods

if TYPE_CHECKING:
    from lsprotocol import types

    from orchestra_lsp.workspace import Command

KINDS = ("quickfix", "refactor", "source")
"""`code_action.kinds`: LSP's code action kinds of these names."""
WHEN = ("always", "diagnostics", "selection")


@dataclass(frozen=True)
class Offer:
    """A command as a code action sees it."""

    name: str
    title: str
    """What the person reads: "Orchestra: " and the description (else the name)."""
    kinds: tuple[str, ...]
    """`code_action.kinds`: `quickfix`, `refactor`, `source`."""
    when: str
    """`code_action.when`: `always`, `diagnostics`, `selection`."""
    runnable: bool
    """A code action cannot prompt for arguments: every required one has a default."""


def _offer(name: str, description: str, kinds: list[str], when: str, runnable: bool) -> Offer:
    return Offer(name, f"Orchestra: {description or name}", tuple(kinds), when, runnable)


def of_commands(commands: Mapping[str, Command]) -> list[Offer]:
    """The commands that declare `code_action`, by name (the listing's order)."""
    return [
        _offer(
            command.name,
            command.description,
            list(command.code_action.kinds),
            command.code_action.when,
            all(a.default is not None or not a.required for a in command.arguments),
        )
        for _, command in sorted(commands.items())
        if command.code_action is not None
    ]


def of_listing(listing: Mapping[str, Any]) -> list[Offer] | None:
    """The same from an `orchestra/commands` result on the wire (`CommandsResult`:
    `commands[].{name, description, arguments[].{required, default}, codeAction:
    {kinds, when} | null}`); None when it is not shaped so (the engine answers)."""
    entries = listing.get("commands")
    if not isinstance(entries, list):
        return None
    offers = []
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("arguments"), list):
            return None
        spec = entry.get("codeAction")
        if spec is None:
            continue
        name, description = entry.get("name"), entry.get("description")
        arguments = entry["arguments"]
        if not (
            isinstance(name, str)
            and isinstance(description, str)
            and isinstance(spec, dict)
            and isinstance(spec.get("kinds"), list)
            and all(kind in KINDS for kind in spec["kinds"])
            and spec.get("when") in WHEN
            and all(isinstance(a, dict) and isinstance(a.get("required"), bool) for a in arguments)
        ):
            return None
        runnable = all(a.get("default") is not None or not a["required"] for a in arguments)
        offers.append(_offer(name, description, spec["kinds"], spec["when"], runnable))
    return offers


def fitting(
    offers: list[Offer], diagnostics: bool, selection: bool, only: Sequence[str] | None
) -> list[tuple[Offer, str]]:
    """The (command, kind) pairs that fit this place, in order: quick fixes where there
    are `diagnostics`, refactors on a `selection` (a range not empty), source actions
    anywhere; `when` narrows further, and `only` (the client's kinds) keeps the kinds
    that are one of them or under one (`refactor` keeps `refactor`, not the reverse)."""
    pairs = []
    for offer in offers:
        if not offer.runnable:
            continue
        if (offer.when == "diagnostics" and not diagnostics) or (
            offer.when == "selection" and not selection
        ):
            continue
        for kind in offer.kinds:
            if (kind == "quickfix" and not diagnostics) or (kind == "refactor" and not selection):
                continue
            if only and not any(kind.startswith(o) for o in only):
                continue
            pairs.append((offer, kind))
    return pairs


def command_actions(
    offers: list[Offer], params: types.CodeActionParams, selection: str | None
) -> list[types.CodeAction]:
    """The code actions of the commands that fit this place (`fitting`)."""
    from lsprotocol import types

    diagnostics = list(params.context.diagnostics)
    only = [
        o.value if isinstance(o, types.CodeActionKind) else o for o in params.context.only or []
    ]
    selected = _range(params.range)
    infos = [
        diagnostic_info(_range(d.range), d.message, d.severity, d.source, d.code)
        for d in diagnostics
    ]
    actions = []
    for offer, kind in fitting(
        offers, bool(diagnostics), selected["start"] != selected["end"], only
    ):
        fixing = kind == "quickfix"
        run = run_params(
            offer.name, params.text_document.uri, selected, selection, infos if fixing else []
        )
        actions.append(
            types.CodeAction(
                title=offer.title,
                kind=types.CodeActionKind(kind),
                diagnostics=diagnostics if fixing else None,
                command=types.Command(
                    title=offer.title, command=methods.RUN_COMMAND, arguments=[run]
                ),
            )
        )
    return actions


def run_params(
    command: str,
    uri: str,
    selected: dict[str, Any],
    selection: str | None,
    diagnostics: list[dict[str, Any]],
) -> dict[str, Any]:
    """`protocol.RunParams` on the wire (`.wire()`), written here: the first code action
    comes before the engine is built (even before pygls is imported), and importing
    pydantic for it would hold it for a few hundred ms (a test holds the two equal).
    `selected` is an LSP range, `diagnostics` are `diagnostic_info`s."""
    return {
        "command": command,
        "arguments": {},
        "uri": uri,
        "range": selected,
        "selection": selection,
        "diagnostics": diagnostics,
    }


def diagnostic_info(
    selected: dict[str, Any], message: str, severity: int | None, source: str | None, code: Any
) -> dict[str, Any]:
    """`protocol.DiagnosticInfo` on the wire: the parts of a diagnostic a prompt needs."""
    return {
        "range": selected,
        "message": message,
        "severity": None if severity is None else int(severity),
        "source": source,
        "code": code if isinstance(code, int | str) else None,
    }


def _range(value: types.Range) -> dict[str, dict[str, int]]:
    start, end = value.start, value.end
    return {
        "start": {"line": start.line, "character": start.character},
        "end": {"line": end.line, "character": end.character},
    }
