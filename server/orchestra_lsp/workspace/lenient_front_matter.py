"""Front matter read as leniently as Claude Code reads it.

Generated agent files commonly hold an unquoted one-line description full of
`: ` (``description: Use this agent when… Examples: <example>Context: …``). Strict
YAML rejects that line ("mapping values are not allowed here"); Claude Code loads the
file, reading the value as text. So, after a strict parse has failed, the top-level
`key: value` lines whose plain value would break YAML are quoted and the text parsed
again. When that succeeds the file loads, each repaired line carries a warning (code
:data:`UNQUOTED_VALUE`, with a quick fix that writes the quotes), and every position
is unchanged but for columns inside the repaired values.

Only values on one line are repaired, and only the forms that fail: a value holding
`: ` or ending in `:`, or starting with a character YAML reserves (`@`, a backtick,
`%`). Values opening a flow collection (`[`, `{`), quoted values and block scalars are
left alone: when they are broken, the error is real and is reported where it starts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: The diagnostic code of a value that loads only because it was quoted for YAML.
UNQUOTED_VALUE = "unquoted-value"

_LINE = re.compile(r"^(?P<key>[A-Za-z_][\w\-]*)(?P<sep>:[ \t]+)(?P<value>\S.*?)[ \t]*$")
_RESERVED_START = ("@", "`", "%")
_LEFT_ALONE = ("'", '"', "[", "{", "|", ">", "&", "*", "!", "#")


@dataclass(frozen=True)
class Repair:
    """One quoted value: its 0-based line in the YAML text, and columns of the value."""

    key: str
    line: int
    column: int
    end_column: int
    quoted: str
    """The value as YAML should have it: single-quoted, inner quotes doubled."""


def quote(value: str) -> str:
    """`value` as a single-quoted YAML scalar with the same text (escapes stay literal,
    as they were in the plain scalar)."""
    return "'" + value.replace("'", "''") + "'"


def _needs_quotes(value: str) -> bool:
    if value.startswith(_LEFT_ALONE):
        return False
    if value.startswith(_RESERVED_START):
        return True
    return ": " in value or value.endswith(":") or ":\t" in value


def repair(yaml_text: str) -> tuple[str, list[Repair]]:
    """The YAML with the values Claude Code reads as text quoted, and what was changed."""
    lines = yaml_text.splitlines(keepends=True)
    repairs: list[Repair] = []
    for index, raw in enumerate(lines):
        body = raw.rstrip("\r\n")
        match = _LINE.match(body)
        if match is None or not _needs_quotes(match.group("value")):
            continue
        value = match.group("value")
        quoted = quote(value)
        start = match.start("value")
        repairs.append(Repair(match.group("key"), index, start, start + len(value), quoted))
        lines[index] = body[:start] + quoted + body[match.end("value") :] + raw[len(body) :]
    return "".join(lines), repairs
