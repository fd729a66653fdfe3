"""Code actions offering the commands that declare `code_action`: each one only
describes a run (an `orchestra.run` command carrying the URI, range, selected text
and diagnostics), so computing them never calls the model."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

from orchestra_lsp.lsp import methods, protocol

if TYPE_CHECKING:
    from orchestra_lsp.workspace import Command

KINDS = {
    "quickfix": types.CodeActionKind.QuickFix,
    "refactor": types.CodeActionKind.Refactor,
    "source": types.CodeActionKind.Source,
}


def command_actions(
    commands: list[Command], params: types.CodeActionParams, selection: str | None
) -> list[types.CodeAction]:
    """The commands that fit this place: quick fixes where there are diagnostics,
    refactors on a selection, source actions anywhere."""
    diagnostics = list(params.context.diagnostics)
    has_selection = params.range.start != params.range.end
    only = params.context.only
    actions = []
    for command in commands:
        spec = command.code_action
        if spec is None or not _runnable(command):
            continue
        if (spec.when == "diagnostics" and not diagnostics) or (
            spec.when == "selection" and not has_selection
        ):
            continue
        for kind in spec.kinds:
            if (kind == "quickfix" and not diagnostics) or (
                kind == "refactor" and not has_selection
            ):
                continue
            lsp_kind = KINDS[kind]
            if only and not any(lsp_kind.value.startswith(_kind(o)) for o in only):
                continue
            actions.append(_action(command, lsp_kind, params, diagnostics, selection))
    return actions


def _kind(kind: types.CodeActionKind | str) -> str:
    return kind.value if isinstance(kind, types.CodeActionKind) else kind


def _runnable(command: Command) -> bool:
    """A code action cannot prompt for arguments: every required one needs a default."""
    return all(a.default is not None or not a.required for a in command.arguments)


def _action(
    command: Command,
    kind: types.CodeActionKind,
    params: types.CodeActionParams,
    diagnostics: list[types.Diagnostic],
    selection: str | None,
) -> types.CodeAction:
    run = protocol.RunParams(
        command=command.name,
        uri=params.text_document.uri,
        range=_range(params.range),
        selection=selection,
        diagnostics=[_diagnostic(d) for d in diagnostics] if kind == KINDS["quickfix"] else [],
    )
    title = f"Orchestra: {command.description or command.name}"
    return types.CodeAction(
        title=title,
        kind=kind,
        diagnostics=diagnostics if kind == KINDS["quickfix"] else None,
        command=types.Command(title=title, command=methods.RUN_COMMAND, arguments=[run.wire()]),
    )


def _range(value: types.Range) -> protocol.Range:
    return protocol.Range(
        start=protocol.Position(line=value.start.line, character=value.start.character),
        end=protocol.Position(line=value.end.line, character=value.end.character),
    )


def _diagnostic(diagnostic: types.Diagnostic) -> protocol.DiagnosticInfo:
    return protocol.DiagnosticInfo(
        range=_range(diagnostic.range),
        message=diagnostic.message,
        severity=diagnostic.severity.value if diagnostic.severity else None,
        source=diagnostic.source,
        code=diagnostic.code if isinstance(diagnostic.code, int | str) else None,
    )
