"""Problems found in `.orchestra` files, each with the place it was found.

Positions are 0-based (as in LSP and in PyYAML's marks); the CLI adds one when it
prints `path:line:col`.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from orchestra_lsp.workspace.diagnostic_text import render_line


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
        return render_line(
            self.path, self.line, self.column, self.severity.value, self.message, relative_to
        )


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
