"""Problems found in `.orchestra` files, each with the place it was found.

Positions are 0-based (as in LSP and in PyYAML's marks); the CLI adds one when it
prints `path:line:col`.
"""

from __future__ import annotations

import contextlib
import re
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict

#: Control characters a message may quote from a file; printed, they would move the cursor.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Span(BaseModel):
    """Where in a file: 0-based line and column; `end_*` default to the start."""

    model_config = ConfigDict(frozen=True)

    line: int = 0
    column: int = 0
    end_line: int | None = None
    end_column: int | None = None

    def shifted(self, lines: int) -> Span:
        """The same span in a file where this text starts `lines` lines further down."""
        return self.model_copy(
            update={
                "line": self.line + lines,
                "end_line": None if self.end_line is None else self.end_line + lines,
            }
        )


class Diagnostic(BaseModel):
    """One problem in one file, said so that a person knows what to change."""

    model_config = ConfigDict(frozen=True)

    path: Path
    span: Span = Span()
    severity: Severity = Severity.ERROR
    message: str
    code: str = "orchestra"

    @property
    def line(self) -> int:
        return self.span.line

    @property
    def column(self) -> int:
        return self.span.column

    def render(self, relative_to: Path | None = None) -> str:
        """Compiler style, 1-based: `path:line:col: error: message`."""
        shown = self.path
        if relative_to is not None:
            with contextlib.suppress(ValueError):
                shown = self.path.relative_to(relative_to)
        message = " ".join(self.message.splitlines())  # one problem, one line
        message = _CONTROL.sub(lambda found: f"\\x{ord(found.group()):02x}", message)
        return f"{shown}:{self.line + 1}:{self.column + 1}: {self.severity.value}: {message}"


class DiagnosticSink:
    """Collects diagnostics for one file, so parsers need not repeat its path."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.items: list[Diagnostic] = []

    def add(
        self,
        message: str,
        span: Span | None = None,
        severity: Severity = Severity.ERROR,
        code: str = "orchestra",
    ) -> None:
        self.items.append(
            Diagnostic(
                path=self.path, span=span or Span(), severity=severity, message=message, code=code
            )
        )

    @property
    def has_errors(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.items)
