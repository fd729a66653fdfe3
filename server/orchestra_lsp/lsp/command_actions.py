"""Code actions offering the commands that declare `code_action`: each one only
describes a run (an `orchestra.run` command carrying the URI, range, selected text
and diagnostics), so computing them never calls the model.

Which commands fit a place is decided here once, on `Offer`: the few facts a code
action needs of a command, which the engine's `Command` gives (`of_commands`) and so
does an entry of the `orchestra/commands` listing (`of_listing`: the prefetched one,
before the engine is built). Both are taken in the listing's order (by name), so the
answer is the same whichever gave them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from orchestra_lsp.lsp import methods

if TYPE_CHECKING:
    from orchestra_lsp.workspace import Command

KINDS = {
    "quickfix": types.CodeActionKind.QuickFix,
    "refactor": types.CodeActionKind.Refactor,
    "source": types.CodeActionKind.Source,
}
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


def command_actions(
    offers: list[Offer], params: types.CodeActionParams, selection: str | None
) -> list[types.CodeAction]:
    """The commands that fit this place: quick fixes where there are diagnostics,
    refactors on a selection, source actions anywhere."""
    diagnostics = list(params.context.diagnostics)
    has_selection = params.range.start != params.range.end
    only = params.context.only
    actions = []
    for offer in offers:
        if not offer.runnable:
            continue
        if (offer.when == "diagnostics" and not diagnostics) or (
            offer.when == "selection" and not has_selection
        ):
            continue
        for kind in offer.kinds:
            if (kind == "quickfix" and not diagnostics) or (
                kind == "refactor" and not has_selection
            ):
                continue
            lsp_kind = KINDS[kind]
            if only and not any(lsp_kind.value.startswith(_kind(o)) for o in only):
                continue
            actions.append(_action(offer, lsp_kind, params, diagnostics, selection))
    return actions


def _kind(kind: types.CodeActionKind | str) -> str:
    return kind.value if isinstance(kind, types.CodeActionKind) else kind


def _action(
    offer: Offer,
    kind: types.CodeActionKind,
    params: types.CodeActionParams,
    diagnostics: list[types.Diagnostic],
    selection: str | None,
) -> types.CodeAction:
    fixing = kind == KINDS["quickfix"]
    run = run_params(
        offer.name,
        params.text_document.uri,
        params.range,
        selection,
        diagnostics if fixing else [],
    )
    return types.CodeAction(
        title=offer.title,
        kind=kind,
        diagnostics=diagnostics if fixing else None,
        command=types.Command(title=offer.title, command=methods.RUN_COMMAND, arguments=[run]),
    )


def run_params(
    command: str,
    uri: str,
    selected: types.Range,
    selection: str | None,
    diagnostics: list[types.Diagnostic],
) -> dict[str, Any]:
    """`protocol.RunParams` on the wire (`.wire()`), written here: the first code action
    comes before the engine is built, and importing pydantic for it would hold the
    event loop for a few hundred ms (a test holds the two equal)."""
    return {
        "command": command,
        "arguments": {},
        "uri": uri,
        "range": _range(selected),
        "selection": selection,
        "diagnostics": [
            {
                "range": _range(d.range),
                "message": d.message,
                "severity": d.severity.value if d.severity else None,
                "source": d.source,
                "code": d.code if isinstance(d.code, int | str) else None,
            }
            for d in diagnostics
        ],
    }


def _range(value: types.Range) -> dict[str, dict[str, int]]:
    start, end = value.start, value.end
    return {
        "start": {"line": start.line, "character": start.character},
        "end": {"line": end.line, "character": end.character},
    }
