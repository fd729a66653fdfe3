"""Splitting text into lines the way LSP counts them.

LSP ends a line at `\\n`, `\\r\\n` or `\\r` and nothing else, whereas `str.splitlines`
also breaks at form feeds, `\\x85`, `\\u2028` and friends. Every module that turns text
into line numbers goes through `split_lines`, so hunks, positions and merges agree.
"""

from __future__ import annotations

import re

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")
_OTHER_BREAKS = "\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
"""What `str.splitlines` breaks at besides `\n` (and `\r`, which LSP counts). Each is
looked for with `in` (a C scan, several times quicker than one regex class)."""


def split_lines(text: str) -> list[str]:
    """Lines of `text`, each keeping its terminator; the last may have none.

    `"".join(split_lines(t)) == t` always holds. The common case (no `\\r` and none
    of the other breaks `str.splitlines` knows) is `str.splitlines` itself, in C; text
    with `\\r` goes through the regex, text with the others through `str.split`.
    """
    if not any(ch in text for ch in _OTHER_BREAKS):
        return text.splitlines(keepends=True)
    if "\r" in text:
        return _LINE.findall(text)
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines
