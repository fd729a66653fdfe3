"""Parse TOML and JSON files into data plus positions, reporting syntax errors.

tomllib and json say where a syntax error is but not where a key sits; the
position maps here are good enough to point at the key a validation error names.
"""

from __future__ import annotations

import json
import re
import tomllib
from typing import Any

from orchestra_lsp.workspace.diagnostics import DiagnosticSink, Span
from orchestra_lsp.workspace.yaml_positions import PositionMap, positions_of_json

_TOML_AT = re.compile(r"\(at line (\d+), column (\d+)\)")
_TABLE = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_.\-\"' ]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+)\s*=")
_STRING = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'[^']*'")


def parse_toml(text: str, sink: DiagnosticSink) -> tuple[dict[str, Any] | None, PositionMap]:
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
    return data, toml_positions(text)


def toml_positions(text: str) -> PositionMap:
    """Key positions per `[table]`, and the position of each string in an array."""
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
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        sink.add(
            f"JSON syntax error: {error.msg}",
            Span(line=error.lineno - 1, column=max(error.colno - 1, 0)),
        )
        return None, PositionMap()
    return data, positions_of_json(text)
