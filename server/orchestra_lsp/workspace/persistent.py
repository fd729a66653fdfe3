"""The persistent context: CONTEXT.md (and CLAUDE.md / AGENTS.md) with `@imports`.

A line that is only `@path/to/file.md` is replaced by that file's text. Imports are
relative to the importing file, must stay inside the workspace, nest at most
`MAX_DEPTH` levels, and a cycle is reported instead of followed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel

from orchestra_lsp.workspace.diagnostics import Diagnostic, DiagnosticSink, Span

MAX_DEPTH = 4
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
    def __init__(self, root: Path, read: ReadText, diagnostics: list[Diagnostic]) -> None:
        self.root = root.resolve()
        self.read = read
        self.diagnostics = diagnostics
        self.imports: list[Path] = []

    def expand(self, path: Path, text: str, chain: tuple[Path, ...]) -> str:
        sink = DiagnosticSink(path)
        out: list[str] = []
        in_fence = False
        for line_no, line in enumerate(text.splitlines()):
            if _FENCE.match(line):
                in_fence = not in_fence
            match = None if in_fence else _IMPORT.match(line)
            if match is None:
                out.append(line)
                continue
            span = Span(line=line_no, column=0, end_line=line_no, end_column=len(line.rstrip()))
            out.append(self._import(match.group("path"), path, chain, span, sink))
        self.diagnostics.extend(sink.items)
        return "\n".join(out)

    def _import(
        self, target: str, importer: Path, chain: tuple[Path, ...], span: Span, sink: DiagnosticSink
    ) -> str:
        candidate = (importer.parent / target).resolve()
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
        text = self.read(candidate)
        if text is None:
            sink.add(f"imported file '@{target}' does not exist", span)
            return ""
        self.imports.append(candidate)
        return self.expand(candidate, text, (*chain, candidate))


def load_context_file(
    path: Path, text: str, root: Path, read: ReadText, diagnostics: list[Diagnostic]
) -> ContextSource:
    expander = _Expander(root, read, diagnostics)
    expanded = expander.expand(path, text, (path.resolve(),))
    return ContextSource(path=path, text=expanded, imports=expander.imports)
