"""The CLI's rich console: text from a model, a tool, a file or the journal shows its
control characters instead of the terminal acting on them.

A tool result, a model's reply or a proposed hunk is text an attacker may have written.
Printed raw, an escape sequence could clear the screen, retitle the window, hide a
hunk's text (`ESC[8m`), link a word to another address (OSC 8) or move the cursor over
the review prompt, and a bidi control (Trojan Source) makes a line read differently in
the terminal than on disk. Rich strips only BEL, BS, VT, FF and CR; everything else is
shown here as its escape (`\\x1b`, `\\u202e`: `shown_text`), so the person sees what
is there. Rich's own styling and cursor control come as control segments or from
styles, never from a segment's text, so they pass unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console, ConsoleOptions, RenderableType
from rich.segment import Segment

from orchestra_lsp.shown_text import UNSHOWN, spelled_out


class TerminalConsole(Console):
    """A rich `Console` whose printed text never holds a control character (see the
    module docstring). Widths are laid out before the escapes are spelled out, so a
    line holding one may run a few columns longer."""

    def render(
        self, renderable: RenderableType, options: ConsoleOptions | None = None
    ) -> Iterable[Segment]:
        for segment in super().render(renderable, options):
            if segment.control or not UNSHOWN.search(segment.text):
                yield segment
            else:
                yield Segment(spelled_out(segment.text), segment.style)
