"""Quick fixes for `.orchestra` files: a diagnostic that says "did you mean 'X'?"
becomes an edit replacing the misspelt name with X. No model involved."""

from __future__ import annotations

import re

from lsprotocol import types

_SUGGESTION = re.compile(r"did you mean '([^']+)'\?")
_QUOTED = re.compile(r"'([^']+)'")


def fixes(
    uri: str, lines: list[str], diagnostics: list[types.Diagnostic]
) -> list[types.CodeAction]:
    """One quick fix per diagnostic that names its own correction."""
    from orchestra_lsp.workspace.lenient_front_matter import UNQUOTED_VALUE

    actions = []
    for diagnostic in diagnostics:
        if diagnostic.code == UNQUOTED_VALUE:
            actions += _quote_value(uri, lines, diagnostic)
            continue
        edit = _replacement(lines, diagnostic)
        if edit is None:
            continue
        actions.append(
            types.CodeAction(
                title=f"Change to '{edit.new_text}'",
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[diagnostic],
                is_preferred=True,
                edit=types.WorkspaceEdit(changes={uri: [edit]}),
            )
        )
    return actions


def _quote_value(
    uri: str, lines: list[str], diagnostic: types.Diagnostic
) -> list[types.CodeAction]:
    """A front-matter value Claude Code reads as text, quoted so that YAML does too."""
    from orchestra_lsp.workspace.lenient_front_matter import quote

    start, end = diagnostic.range.start, diagnostic.range.end
    if start.line >= len(lines) or end.line != start.line:
        return []
    value = lines[start.line][start.character : end.character]
    if not value:
        return []
    edit = types.TextEdit(range=diagnostic.range, new_text=quote(value))
    return [
        types.CodeAction(
            title="Quote the value",
            kind=types.CodeActionKind.QuickFix,
            diagnostics=[diagnostic],
            is_preferred=True,
            edit=types.WorkspaceEdit(changes={uri: [edit]}),
        )
    ]


def _replacement(lines: list[str], diagnostic: types.Diagnostic) -> types.TextEdit | None:
    """Where the wrong name is on the diagnostic's first line, replaced by the suggestion."""
    suggested = _SUGGESTION.search(diagnostic.message)
    line_no = diagnostic.range.start.line
    if suggested is None or line_no >= len(lines):
        return None
    suggestion = suggested.group(1)
    line = lines[line_no]
    before_hint = diagnostic.message[: suggested.start()]
    for wrong in reversed(_QUOTED.findall(before_hint)):
        column = line.find(wrong, diagnostic.range.start.character)
        if column < 0:
            column = line.find(wrong)
        if column >= 0 and wrong != suggestion:
            return types.TextEdit(
                range=types.Range(
                    start=types.Position(line=line_no, character=column),
                    end=types.Position(line=line_no, character=column + len(wrong)),
                ),
                new_text=suggestion,
            )
    return None
