"""One diagnostic as one compiler-style line (`path:line:col: severity: message`), from
plain values: `Diagnostic.render` and a cached `orchestra check` print through it."""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

#: Control characters a message may quote from a file; printed, they would move the cursor.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def render_line(
    path: Path, line: int, column: int, severity: str, message: str, relative_to: Path | None
) -> str:
    """`line` and `column` are 0-based and printed 1-based; `path` is shown relative to
    `relative_to` when it lies below it; the message is put on one line, its control
    characters escaped."""
    shown = path
    if relative_to is not None:
        with contextlib.suppress(ValueError):
            shown = path.relative_to(relative_to)
    text = " ".join(message.splitlines())  # one problem, one line
    text = _CONTROL.sub(lambda found: f"\\x{ord(found.group()):02x}", text)
    return f"{shown}:{line + 1}:{column + 1}: {severity}: {text}"
