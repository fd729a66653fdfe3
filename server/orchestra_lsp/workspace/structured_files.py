"""Parse TOML and JSON files into data plus positions, reporting syntax errors.

tomllib and json say where a syntax error is but not where a key sits; the
position maps here are good enough to point at the key or the one-line value a validation
error names.
"""

from __future__ import annotations

import json
import re
from typing import Any

from orchestra_lsp.workspace.diagnostics import DiagnosticSink, Severity, Span
from orchestra_lsp.workspace.yaml_positions import PositionMap, positions_of_json

_TOML_AT = re.compile(r"\(at line (\d+), column (\d+)\)")
_TABLE = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_.\-\"' ]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+)\s*=")
_STRING = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'[^']*'")


#: Deeper nesting than any configuration needs; the parsers recurse once per level,
#: so a file of a hundred thousand `[` would otherwise end in a RecursionError.
MAX_NESTING = 100


def parse_toml(text: str, sink: DiagnosticSink) -> tuple[dict[str, Any] | None, PositionMap]:
    if not _shallow(text, sink, toml=True):
        return None, PositionMap()
    import tomllib  # only where a config.toml exists: most workspaces pay nothing

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        found = _TOML_AT.search(message)
        span = Span()
        if found:
            span = Span(line=int(found.group(1)) - 1, column=max(int(found.group(2)) - 1, 0))
            message = message[: found.start()].strip()
        sink.add(f"TOML syntax error: {message}", span)
        return None, PositionMap()
    except (ValueError, RecursionError) as error:  # e.g. an integer of 5000 digits
        sink.add(_value_problem(error), _long_number(text))
        return None, PositionMap()
    return data, toml_positions(text)


def _value_problem(error: Exception) -> str:
    if isinstance(error, RecursionError):
        return f"the file nests deeper than {MAX_NESTING} levels"
    if "digits" in str(error):
        return "a number is too long to read (over 4300 digits)"
    return f"unreadable value: {error}"


_DIGITS = re.compile(r"\d{1000,}")


def _long_number(text: str) -> Span:
    found = _DIGITS.search(text)
    if found is None:
        return Span()
    return _span_at(text, found.start())


def _span_at(text: str, offset: int) -> Span:
    line = text.count("\n", 0, offset)
    return Span(line=line, column=offset - (text.rfind("\n", 0, offset) + 1))


def _shallow(text: str, sink: DiagnosticSink, *, toml: bool = False) -> bool:
    """False, with an error where it happens, when brackets nest past `MAX_NESTING`.

    One linear pass that skips strings (and TOML comments), so the parsers are only
    given what they can read without exhausting the stack.
    """
    if text.count("[") + text.count("{") <= MAX_NESTING:
        return True
    depth = 0
    index, size = 0, len(text)
    while index < size:
        char = text[index]
        if char in "[{":
            depth += 1
            if depth > MAX_NESTING:
                sink.add(
                    f"brackets nest deeper than {MAX_NESTING} levels; not read",
                    _span_at(text, index),
                )
                return False
        elif char in "]}":
            depth = max(depth - 1, 0)
        elif char == '"' or (toml and char == "'"):
            index = _string_end(text, index, char, toml)
            continue
        elif toml and char == "#":
            end = text.find("\n", index)
            index = size if end < 0 else end
            continue
        index += 1
    return True


def _string_end(text: str, start: int, quote: str, toml: bool) -> int:
    """The index just past the string opening at `start` (or the end of its line,
    for an unclosed one: the parser reports that)."""
    triple = quote * 3
    if toml and text.startswith(triple, start):
        end = text.find(triple, start + 3)
        while quote == '"' and end > 0 and _escaped(text, end):
            end = text.find(triple, end + 1)
        return len(text) if end < 0 else end + 3
    index = start + 1
    while index < len(text):
        char = text[index]
        if char == "\\" and quote == '"':
            index += 2
            continue
        if char == quote:
            return index + 1
        if char == "\n":
            return index
        index += 1
    return index


def _escaped(text: str, at: int) -> bool:
    backslashes = 0
    while at - backslashes - 1 >= 0 and text[at - backslashes - 1] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


def toml_positions(text: str) -> PositionMap:
    """Key positions per `[table]`, the position of each one-line value, and of each
    string in an array."""
    positions = PositionMap()
    table: tuple[str | int, ...] = ()
    array: tuple[str | int, ...] | None = None
    index = 0
    for line_no, line in enumerate(text.splitlines()):
        if array is None:
            header = _TABLE.match(line)
            if header:
                table = tuple(part.strip().strip("\"'") for part in header.group(1).split("."))
                column = line.index("[")
                positions.keys[table] = (line_no, column, line_no, column)
                continue
            key = _KEY.match(line)
            if key is None:
                continue
            path = (*table, key.group(1))
            positions.keys[path] = (line_no, key.start(1), line_no, key.end(1))
            rest_at = line.index("=", key.end(1)) + 1
            if line[rest_at:].lstrip().startswith("["):
                array, index = path, 0
                line_part, offset = line[rest_at:], rest_at
            else:
                # A one-line value: its own span, so a problem with it points at it.
                start = len(line) - len(line[rest_at:].lstrip())
                literal = _STRING.match(line, start)
                end = literal.end() if literal else start + len(line[start:].split("#")[0].rstrip())
                if end > start:
                    positions.values[path] = (line_no, start, line_no, end)
                continue
        else:
            line_part, offset = line, 0
        for literal in _STRING.finditer(line_part):
            start = offset + literal.start()
            positions.values[(*array, index)] = (line_no, start, line_no, offset + literal.end())
            index += 1
        if "]" in _STRING.sub("", line_part):
            array = None
    return positions


def parse_json(text: str, sink: DiagnosticSink) -> tuple[Any, PositionMap]:
    if not _shallow(text, sink):
        return None, PositionMap()
    if not text.strip():  # Python's message ("Expecting value") would not say so
        sink.add("the file is empty; a JSON file holds at least `{}`", Span())
        return None, PositionMap()
    duplicates: list[str] = []
    try:
        data = json.loads(text, object_pairs_hook=lambda pairs: _object(pairs, duplicates))
    except json.JSONDecodeError as error:
        before = text[: error.pos].rstrip()
        if before.endswith(",") and text[error.pos : error.pos + 1] in ("}", "]"):
            # Python's message ("Expecting property name…") does not name the mistake.
            comma = len(before) - 1
            line = text.count("\n", 0, comma)
            column = comma - (text.rfind("\n", 0, comma) + 1)
            sink.add(
                f"JSON syntax error: a comma before '{text[error.pos]}' (JSON allows no "
                "trailing comma)",
                Span(line=line, column=column),
            )
        else:
            sink.add(
                f"JSON syntax error: {error.msg}",
                Span(line=error.lineno - 1, column=max(error.colno - 1, 0)),
            )
        return None, PositionMap()
    except (ValueError, RecursionError) as error:
        sink.add(_value_problem(error), _long_number(text))
        return None, PositionMap()
    positions = positions_of_json(text)
    for key in duplicates:
        found = text.find(json.dumps(key))
        span = _span_at(text, found) if found >= 0 else Span()
        sink.add(
            f"the key {json.dumps(key)} appears twice in one object; the last one wins",
            span,
            Severity.WARNING,
        )
    return data, positions


def _object(pairs: list[tuple[str, Any]], duplicates: list[str]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        duplicates.extend(key for key, _ in pairs if key in seen or seen.add(key))  # type: ignore[func-returns-value]
    return result
