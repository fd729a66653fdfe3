"""Text an attacker may have written, shown so that a person sees what is there: each
control, bidi or invisible character as its escape (`\\x1b`, `\\u202e`).

A model's reply, a tool result or a proposed hunk can hold an escape sequence (clear
the screen, hide text with `ESC[8m`, an OSC 8 link, a cursor move over a prompt) or a
bidi control (Trojan Source: a line that reads differently than it runs). The CLI's
console (`cli/console.py`) and the run's `report.md` (which people `cat`) spell them
out; the journal keeps the text as it was, JSON-escaped.
"""

from __future__ import annotations

import re

#: C0 controls but tab and line feed, DEL and C1 controls; Unicode's bidi embeddings,
#: overrides, isolates and marks; and the invisible zero-width space, word joiner and
#: byte order mark (ZWNJ and ZWJ stay: scripts and emoji need them).
UNSHOWN = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]"
)


def spelled_out(text: str) -> str:
    """`text` with each control, bidi or invisible character as its escape:
    `"a\\x1b[2Jb"` -> `"a\\\\x1b[2Jb"`, `"\\u202e"` -> `"\\\\u202e"`."""
    return UNSHOWN.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
