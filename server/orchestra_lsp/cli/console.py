"""The CLI's rich console: text from a model, a tool, a file or the journal shows its
control characters instead of the terminal acting on them.

A tool result, a model's reply or a proposed hunk is text an attacker may have written.
Printed raw, an escape sequence could clear the screen, retitle the window, hide a
hunk's text (`ESC[8m`), link a word to another address (OSC 8) or move the cursor over
the review prompt, and a bidi control (Trojan Source) makes a line read differently in
the terminal than on disk. Rich strips only BEL, BS, VT, FF and CR; everything else is
shown here as its escape (`\\x1b`, `\\u202e`), so the person sees what is there. Rich's
own styling and cursor control come as control segments or from styles, never from a
segment's text, so they pass unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rich.console import Console, ConsoleOptions, RenderableType
from rich.segment import Segment

#: C0 controls but tab and line feed, DEL and C1 controls; Unicode's bidi embeddings,
#: overrides, isolates and marks; and the invisible zero-width space, word joiner and
#: byte order mark (ZWNJ and ZWJ stay: scripts and emoji need them).
_UNSHOWN = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]"
)


def spelled_out(text: str) -> str:
    """`text` with each control, bidi or invisible character as its escape:
    `"a\\x1b[2Jb"` -> `"a\\\\x1b[2Jb"`, `"\\u202e"` -> `"\\\\u202e"`."""
    return _UNSHOWN.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


class TerminalConsole(Console):
    """A rich `Console` whose printed text never holds a control character (see the
    module docstring). Widths are laid out before the escapes are spelled out, so a
    line holding one may run a few columns longer."""

    def render(
        self, renderable: RenderableType, options: ConsoleOptions | None = None
    ) -> Iterable[Segment]:
        for segment in super().render(renderable, options):
            if segment.control or not _UNSHOWN.search(segment.text):
                yield segment
            else:
                yield Segment(spelled_out(segment.text), segment.style)
