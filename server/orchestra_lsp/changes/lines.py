"""Splitting text into lines the way LSP counts them.

LSP ends a line at `\\n`, `\\r\\n` or `\\r` and nothing else, whereas `str.splitlines`
also breaks at form feeds, `\\x85`, `\\u2028` and friends. Every module that turns text
into line numbers goes through `split_lines`, so hunks, positions and merges agree.
"""

from __future__ import annotations

import re

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


def split_lines(text: str) -> list[str]:
    """Lines of `text`, each keeping its terminator; the last may have none.

    `"".join(split_lines(t)) == t` always holds. The common case (no `\\r`) takes a
    fast path through `str.split`, which is several times quicker than the regex.
    """
    if "\r" in text:
        return _LINE.findall(text)
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines
