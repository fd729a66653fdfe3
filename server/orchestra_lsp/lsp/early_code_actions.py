"""`textDocument/codeAction` answered before pygls is imported (`bootstrap.EarlyAnswers`),
from the prefetched listing, with the answer `code_actions` would give once pygls runs.

An editor asks for code actions as soon as the cursor rests in a file, and pygls'
import takes half a second or more. The answer needs no pygls: which commands fit is
`command_actions.fitting` (the one rule), the selected text comes from the documents
opened so far (`textDocument/didOpen`, tracked here), counted in the position encoding
negotiated at `initialize`, and the JSON is what pygls writes for `code_actions`'
result (its converter drops unset fields; the run's parameters are `RunParams`).

Whenever the answer could differ from pygls', it is left to pygls (`answer` returns
`DECLINED`): a document not opened here, or opened twice, or changed or closed since
(`Documents`); a configuration file (its quick fixes are `config_fixes`'); a file
outside the folder served or not a `file:` URI; text with line breaks other than `\\n`
(`changes.lines.split_lines`' rule is `str.splitlines` only then); params, diagnostics
or fields of shapes not listed here. A test (`tests/lsp/conformance/
test_early_code_actions.py`) compares these answers with pygls' for many inputs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

from orchestra_lsp.lsp import command_actions, methods

DECLINED: Final = object()
"""`answer`'s result when pygls is to answer."""

#: Configuration files by name (`server.CONFIG_FILES`, `OrchestraServer.keeps`).
CONFIG_FILES = ("CLAUDE.md", "AGENTS.md", ".mcp.json")
CONFIG_FOLDERS = frozenset({".orchestra", ".claude"})
#: What `str.splitlines` breaks a line at besides `\n` (`changes.lines`); LSP does not.
_OTHER_BREAKS = "\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
_UINTEGER = 2**31 - 1
_PARAMS = frozenset({"textDocument", "range", "context"})
_CONTEXT = frozenset({"diagnostics", "only", "triggerKind"})
_DIAGNOSTIC = (
    "range",
    "message",
    "severity",
    "code",
    "codeDescription",
    "source",
    "tags",
    "relatedInformation",
    "data",
)
"""The fields of a diagnostic, in the order pygls writes them."""


class Documents:
    """The documents opened so far, by URI as sent; `spoilt` once one was changed,
    closed or opened again (pygls then keeps them; its answers are the ones in force)."""

    def __init__(self) -> None:
        self.texts: dict[str, str] = {}
        self._paths: set[Path] = set()
        self.spoilt = False

    def note(self, message: dict[str, Any]) -> None:
        """Take in a notification read before pygls runs."""
        method = message.get("method")
        if method in ("textDocument/didChange", "textDocument/didClose"):
            self.spoilt = True
        elif method == "textDocument/didOpen":
            self._open(message.get("params"))

    def _open(self, params: Any) -> None:
        item = params.get("textDocument") if isinstance(params, dict) else None
        if not (
            isinstance(item, dict)
            and isinstance(uri := item.get("uri"), str)
            and isinstance(text := item.get("text"), str)
            and isinstance(item.get("languageId"), str)
            and _is_int(item.get("version"))
        ):
            self.spoilt = True  # pygls may read it otherwise, or refuse it
            return
        path = _path(uri)
        if uri in self.texts or path is None or path in self._paths:
            self.spoilt = True  # opened again, maybe under another spelling
            return
        self.texts[uri] = text
        self._paths.add(path)


def answer(
    params: Any,
    listing: dict[str, Any],
    documents: Documents,
    root: Path,
    encoding: str,
) -> Any:
    """The result of `textDocument/codeAction` with `params` (JSON), as pygls would
    send it, for the folder `root` whose `orchestra/commands` result is `listing`, the
    client counting columns in `encoding`; or `DECLINED`."""
    offers = command_actions.of_listing(listing)
    if offers is None or documents.spoilt or not _shaped(params):
        return DECLINED
    uri = params["textDocument"]["uri"]
    text = documents.texts.get(uri)
    path = _path(uri)
    if text is None or path is None or not _ordinary(path, root):
        return DECLINED
    if any(ch in text for ch in _OTHER_BREAKS):
        return DECLINED
    context = params["context"]
    selected = _range(params["range"])
    diagnostics = [_diagnostic(d) for d in context["diagnostics"]]
    has_selection = selected["start"] != selected["end"]
    selection = _text_in(text, selected, encoding) if has_selection else None
    infos = [
        command_actions.diagnostic_info(
            d["range"], d["message"], d.get("severity"), d.get("source"), d.get("code")
        )
        for d in diagnostics
    ]
    actions = []
    fits = command_actions.fitting(offers, bool(diagnostics), has_selection, context.get("only"))
    for offer, kind in fits:
        fixing = kind == "quickfix"
        run = command_actions.run_params(
            offer.name, uri, selected, selection, infos if fixing else []
        )
        action: dict[str, Any] = {"title": offer.title, "kind": kind}
        if fixing:
            action["diagnostics"] = diagnostics
        action["command"] = {
            "title": offer.title,
            "command": methods.RUN_COMMAND,
            "arguments": [run],
        }
        actions.append(action)
    return actions or None


def _ordinary(path: Path, root: Path) -> bool:
    """A file of the folder served that is no configuration file (whose code actions
    hold quick fixes of their own)."""
    if path.name in CONFIG_FILES or CONFIG_FOLDERS & set(path.parts):
        return False
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError):
        return False
    return resolved.is_relative_to(root) and not CONFIG_FOLDERS & set(resolved.parts)


def _path(uri: str) -> Path | None:
    from orchestra_lsp.lsp.paths import uri_to_path  # pygls.uris only: no lsprotocol

    path = uri_to_path(uri)
    return path if path is not None and path.is_absolute() else None


def _shaped(params: Any) -> bool:
    """Whether `params` are CodeActionParams of the shapes answered here."""
    if not isinstance(params, dict) or not set(params) <= _PARAMS:
        return False
    document, context = params.get("textDocument"), params.get("context")
    if not (
        isinstance(document, dict)
        and set(document) == {"uri"}
        and isinstance(document["uri"], str)
        and _is_range(params.get("range"))
        and isinstance(context, dict)
        and set(context) <= _CONTEXT
        and isinstance(context.get("diagnostics"), list)
        and context.get("triggerKind") in (None, 1, 2)
        and _is_int(context.get("triggerKind"), optional=True)
    ):
        return False
    only = context.get("only")
    if only is not None and not (isinstance(only, list) and all(isinstance(o, str) for o in only)):
        return False
    return all(_is_diagnostic(d) for d in context["diagnostics"])


def _is_diagnostic(value: Any) -> bool:
    if not isinstance(value, dict) or not set(value) <= set(_DIAGNOSTIC):
        return False
    severity, code, tags = value.get("severity"), value.get("code"), value.get("tags")
    described, related = value.get("codeDescription"), value.get("relatedInformation")
    return (
        _is_range(value.get("range"))
        and isinstance(value.get("message"), str)
        and (severity is None or (_is_int(severity) and 1 <= severity <= 4))
        and (code is None or isinstance(code, str) or _is_int(code))
        and (value.get("source") is None or isinstance(value.get("source"), str))
        and (
            tags is None
            or (isinstance(tags, list) and all(_is_int(t) and t in (1, 2) for t in tags))
        )
        and (
            described is None
            or (
                isinstance(described, dict)
                and set(described) == {"href"}
                and isinstance(described["href"], str)
            )
        )
        and (related is None or (isinstance(related, list) and all(map(_is_related, related))))
    )


def _is_related(value: Any) -> bool:
    """A `DiagnosticRelatedInformation`: `{location: {uri, range}, message}`."""
    location = value.get("location") if isinstance(value, dict) else None
    return (
        isinstance(location, dict)
        and set(value) == {"location", "message"}
        and isinstance(value["message"], str)
        and set(location) == {"uri", "range"}
        and isinstance(location["uri"], str)
        and _is_range(location["range"])
    )


def _is_range(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and set(value) == {"start", "end"}
        and all(
            isinstance(at := value[end], dict)
            and set(at) == {"line", "character"}
            and all(_is_int(n) and 0 <= n <= _UINTEGER for n in at.values())
            for end in ("start", "end")
        )
    )


def _is_int(value: Any, optional: bool = False) -> bool:
    if value is None:
        return optional
    return isinstance(value, int) and not isinstance(value, bool)


def _range(value: dict[str, Any]) -> dict[str, dict[str, int]]:
    return {
        "start": {"line": value["start"]["line"], "character": value["start"]["character"]},
        "end": {"line": value["end"]["line"], "character": value["end"]["character"]},
    }


def _diagnostic(value: dict[str, Any]) -> dict[str, Any]:
    """A diagnostic as pygls writes it back: its fields in lsprotocol's order, unset
    ones left out."""
    diagnostic = {key: value[key] for key in _DIAGNOSTIC if value.get(key) is not None}
    diagnostic["range"] = _range(value["range"])
    if "relatedInformation" in diagnostic:
        diagnostic["relatedInformation"] = [
            {
                "location": {"uri": r["location"]["uri"], "range": _range(r["location"]["range"])},
                "message": r["message"],
            }
            for r in value["relatedInformation"]
        ]
    return diagnostic


def _text_in(text: str, selected: dict[str, Any], encoding: str) -> str:
    """`documents.Document.text_in`: the text between two client positions, clamped."""
    lines = text.splitlines(keepends=True)  # `split_lines`, as no other break is in it
    start_line, start_column = _place(lines, selected["start"], encoding)
    end_line, end_column = max((start_line, start_column), _place(lines, selected["end"], encoding))
    first = lines[start_line] if start_line < len(lines) else ""
    if start_line == end_line:
        return first[start_column:end_column]
    last = lines[end_line] if end_line < len(lines) else ""
    return "".join((first[start_column:], *lines[start_line + 1 : end_line], last[:end_column]))


def _place(lines: list[str], position: dict[str, int], encoding: str) -> tuple[int, int]:
    """`Document._place`: a client position -> (line, code-point column in that line)."""
    line = position["line"]
    if line >= len(lines):
        return (len(lines) - 1, len(lines[-1])) if lines else (0, 0)
    content = lines[line].rstrip("\r\n")
    return line, _column(content, position["character"], encoding)


def _column(text: str, units: int, encoding: str) -> int:
    """`positions.Codec.column_from_client`: client units -> a code-point column."""
    if encoding == "utf-32" or text.isascii():
        return min(units, len(text))
    counted = 0
    for index, character in enumerate(text):
        if counted >= units:
            return index
        counted += _width(character, encoding)
    return len(text)


def _width(character: str, encoding: str) -> int:
    """`changes.positions.column_width` of one character."""
    if encoding == "utf-16":
        return 2 if ord(character) > 0xFFFF else 1
    return len(character.encode("utf-8", "surrogatepass"))
