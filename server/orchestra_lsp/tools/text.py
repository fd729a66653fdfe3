"""Showing file text to a model: numbered lines, bounded, long lines cut.

Line numbers follow `\\n` (as ripgrep, `cat -n` and the edit tool count them), so a
number seen in `search` output is the number `read_file` and `edit` use.
"""

from __future__ import annotations

MAX_LINE_CHARS = 2000


def numbered(lines: list[str], first_number: int) -> str:
    """`cat -n` style lines (`     12\\tcode`), each cut at `MAX_LINE_CHARS`."""
    return "\n".join(
        f"{number:6}\t{clip(line.removesuffix(chr(13)), MAX_LINE_CHARS)}"
        for number, line in enumerate(lines, start=first_number)
    )


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, saying so."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [{len(text) - limit} more characters]"


def text_lines(text: str) -> list[str]:
    """The lines of `text` without terminators; no phantom line after a final newline."""
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines
