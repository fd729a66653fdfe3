"""A server's stderr, kept in a file so a failure can be reported with its last lines.

The child process writes to the file directly (no pipe to drain, nothing lost if we
are busy); each start appends, and the tail is read from where the current start
began, so a restarted server's report is about its own run.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

TAIL_LINES = 20
_TAIL_BYTES = 16 * 1024


class StderrLog:
    def __init__(self, path: Path, secrets: Sequence[str] = ()) -> None:
        self.path = path
        self._secrets = [secret for secret in secrets if len(secret) >= 4]
        self._start = 0

    def open(self) -> TextIO:
        """The file for the next start of the server; the caller closes it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a", encoding="utf-8")
        self._start = handle.tell()
        return handle

    def tail(self, lines: int = TAIL_LINES) -> list[str]:
        """The last lines the current start wrote, secrets masked."""
        try:
            with self.path.open("rb") as handle:
                end = handle.seek(0, 2)
                handle.seek(max(self._start, end - _TAIL_BYTES))
                text = handle.read().decode("utf-8", errors="replace")
        except OSError:
            return []
        return [mask(line, self._secrets) for line in text.splitlines()[-lines:] if line.strip()]


def mask(text: str, secrets: Sequence[str]) -> str:
    """`text` with every secret (env values and headers from mcp.json) replaced."""
    for secret in secrets:
        text = text.replace(secret, "***")
    return text
