"""The persistent context: CONTEXT.md (and CLAUDE.md / AGENTS.md) with `@imports`.

A line that is only `@path/to/file.md` is replaced by that file's text. Imports are
relative to the importing file, must stay inside the workspace, nest at most
`MAX_DEPTH` levels, and a cycle is reported instead of followed. Each file is
expanded once, and the expansion stops at `MAX_EXPANDED_CHARS`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel

from orchestra_lsp.workspace.diagnostics import Diagnostic, DiagnosticSink, Severity, Span

MAX_DEPTH = 4
#: The persistent context goes to the model with every request; past this it is a mistake.
MAX_EXPANDED_CHARS = 200_000
_IMPORT = re.compile(r"^@(?P<path>[^\s@]*[./][^\s]*)\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")

ReadText = Callable[[Path], str | None]


class ContextSource(BaseModel):
    path: Path
    text: str
    """The file's text with its imports expanded."""
    imports: list[Path] = []


class PersistentContext(BaseModel):
    sources: list[ContextSource] = []

    @property
    def text(self) -> str:
        return "\n\n".join(source.text.strip() for source in self.sources if source.text.strip())


def _is_inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


class _Expander:
    """Expands imports, each file once: a file imported again reuses its expansion (and
    its diagnostics are not repeated), and each file's expansion is capped at
    `MAX_EXPANDED_CHARS`, so twenty lines importing twenty files each, four deep, cost
    four file reads and stop at the cap instead of growing to 160 000 copies."""

    def __init__(self, root: Path, read: ReadText, diagnostics: list[Diagnostic]) -> None:
        self.root = root.resolve()
        self.read = read
        self.diagnostics = diagnostics
        self.imports: list[Path] = []
        self.expanded: dict[Path, str] = {}

    def expand(self, path: Path, text: str, chain: tuple[Path, ...]) -> str:
        sink = DiagnosticSink(path)
        out: list[str] = []
        size = len(text)
        in_fence = False
        for line_no, line in enumerate(text.splitlines()):
            if _FENCE.match(line):
                in_fence = not in_fence
            match = None if in_fence else _IMPORT.match(line)
            if match is None:
                out.append(line)
                continue
            span = Span(line=line_no, column=0, end_line=line_no, end_column=len(line.rstrip()))
            if size > MAX_EXPANDED_CHARS:
                continue  # reported once, at the import that went past
            imported = self._import(match.group("path"), path, chain, span, sink)
            size += len(imported)
            if size > MAX_EXPANDED_CHARS:
                sink.add(
                    f"imports expand past {MAX_EXPANDED_CHARS} characters; "
                    f"'@{match.group('path')}' and the imports after it are not read",
                    span,
                    Severity.WARNING,
                )
                continue
            out.append(imported)
        self.diagnostics.extend(sink.items)
        return "\n".join(out)

    def _import(
        self, target: str, importer: Path, chain: tuple[Path, ...], span: Span, sink: DiagnosticSink
    ) -> str:
        try:
            candidate = (importer.parent / target).resolve()
        except (OSError, RuntimeError, ValueError):  # a symlink loop, a NUL byte
            sink.add(f"import '@{target}' cannot be followed (a symlink loop?)", span)
            return ""
        if not _is_inside(candidate, self.root):
            sink.add(
                f"import '@{target}' leaves the workspace; only files inside it are read", span
            )
            return ""
        if candidate in chain:
            cycle = " -> ".join(p.name for p in (*chain, candidate))
            sink.add(f"import cycle: {cycle}", span)
            return ""
        if len(chain) > MAX_DEPTH:
            sink.add(f"import '@{target}' nests deeper than {MAX_DEPTH} levels; not read", span)
            return ""
        text = self.expanded.get(candidate)
        if text is None:
            read = self.read(candidate)
            if read is None:
                why = "cannot be read" if os.path.lexists(candidate) else "does not exist"
                sink.add(f"imported file '@{target}' {why}", span)
                return ""
            self.imports.append(candidate)
            text = self.expand(candidate, read, (*chain, candidate))
            self.expanded[candidate] = text
        return text


def load_context_file(
    path: Path, text: str, root: Path, read: ReadText, diagnostics: list[Diagnostic]
) -> ContextSource:
    expander = _Expander(root, read, diagnostics)
    expanded = expander.expand(path, text, (path.resolve(),))
    return ContextSource(path=path, text=expanded, imports=expander.imports)
