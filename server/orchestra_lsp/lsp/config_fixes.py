"""Quick fixes for `.orchestra` files: a diagnostic that says "did you mean 'X'?"
becomes an edit replacing the misspelt name with X. No model involved.

`lines` are the document's lines by the project's rule (`positions.text_lines`);
diagnostic ranges come from the client in its encoding and the edits go back in it,
through `codec`."""

from __future__ import annotations

import re

from lsprotocol import types

from orchestra_lsp.lsp.positions import Codec

_SUGGESTION = re.compile(r"did you mean '([^']+)'\?")
_QUOTED = re.compile(r"'([^']+)'")


def fixes(
    uri: str, lines: list[str], diagnostics: list[types.Diagnostic], codec: Codec
) -> list[types.CodeAction]:
    """One quick fix per diagnostic that names its own correction."""
    from orchestra_lsp.workspace.lenient_front_matter import UNQUOTED_VALUE

    actions = []
    for diagnostic in diagnostics:
        if diagnostic.code == UNQUOTED_VALUE:
            actions += _quote_value(uri, lines, diagnostic, codec)
            continue
        edit = _replacement(lines, diagnostic, codec)
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
    uri: str, lines: list[str], diagnostic: types.Diagnostic, codec: Codec
) -> list[types.CodeAction]:
    """A front-matter value Claude Code reads as text, quoted so that YAML does too."""
    from orchestra_lsp.workspace.lenient_front_matter import quote

    start, end = diagnostic.range.start, diagnostic.range.end
    if start.line >= len(lines) or end.line != start.line:
        return []
    value = lines[start.line][codec.from_client(lines, start) : codec.from_client(lines, end)]
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


def _replacement(
    lines: list[str], diagnostic: types.Diagnostic, codec: Codec
) -> types.TextEdit | None:
    """Where the wrong name is on the diagnostic's first line, replaced by the suggestion."""
    suggested = _SUGGESTION.search(diagnostic.message)
    line_no = diagnostic.range.start.line
    if suggested is None or line_no >= len(lines):
        return None
    suggestion = suggested.group(1)
    line = lines[line_no]
    before_hint = diagnostic.message[: suggested.start()]
    for wrong in reversed(_QUOTED.findall(before_hint)):
        column = line.find(wrong, codec.from_client(lines, diagnostic.range.start))
        if column < 0:
            column = line.find(wrong)
        if column >= 0 and wrong != suggestion:
            return types.TextEdit(
                range=codec.range_to_client(
                    lines, (line_no, column), (line_no, column + len(wrong))
                ),
                new_text=suggestion,
            )
    return None
