"""The persistent context: CONTEXT.md (and CLAUDE.md / AGENTS.md) with `@imports`.

A line that is only `@path/to/file.md` is replaced by that file's text. Imports are
relative to the importing file, must stay inside the workspace, nest at most
`MAX_DEPTH` levels, and a cycle is reported instead of followed. Each file is
expanded once, and the expansion stops at `MAX_EXPANDED_CHARS`.

`@~/path` imports from the person's home folder, as Claude Code reads it (a person's
own notes, `@~/.claude/my-instructions.md`); such a file may import others in the
home folder. Lines inside fenced code blocks (CommonMark: a fence closes only with
one of the same character at least as long) are text, never imports.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel

from orchestra_lsp.workspace import inputs
from orchestra_lsp.workspace.diagnostics import Diagnostic, DiagnosticSink, Severity, Span
from orchestra_lsp.workspace.markdown import code_lines

MAX_DEPTH = 4
#: The persistent context goes to the model with every request; past this it is a mistake.
MAX_EXPANDED_CHARS = 200_000
_IMPORT = re.compile(r"^@(?P<path>[^\s@]*[./][^\s]*)\s*$")

ReadText = Callable[[Path], str | None]


class ContextSource(BaseModel):
    path: Path
    text: str
    """The file's text with its imports expanded."""
    imports: list[Path] = []
    home_imports: list[str] = []
    """Imports read from the home folder, as written (`~/…`), for the manifest."""


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

    def __init__(
        self, root: Path, read: ReadText, diagnostics: list[Diagnostic], home: Path
    ) -> None:
        self.root = _real(root)
        self.home = home
        self.home_imports: list[str] = []
        self.read = read
        self.diagnostics = diagnostics
        self.imports: list[Path] = []
        self.expanded: dict[Path, str] = {}

    def expand(self, path: Path, text: str, chain: tuple[Path, ...]) -> str:
        sink = DiagnosticSink(path)
        out: list[str] = []
        size = len(text)
        lines = text.splitlines()
        for line_no, (line, in_code) in enumerate(zip(lines, code_lines(lines), strict=True)):
            match = None if in_code else _IMPORT.match(line)
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
        from_home = target.startswith("~/")
        base = self.home / target[2:] if from_home else importer.parent / target
        candidate = inputs.resolved(base)
        if candidate is None:  # a symlink loop, a NUL byte
            sink.add(f"import '@{target}' cannot be followed (a symlink loop?)", span)
            return ""
        in_home = _is_inside(candidate, self.home) and (
            from_home or _is_inside(inputs.resolved(importer) or importer, self.home)
        )
        if not _is_inside(candidate, self.root) and not in_home:
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
                why = "cannot be read" if inputs.lexists(candidate) else "does not exist"
                if from_home:
                    # A person's own file (Claude Code's `@~/.claude/my-prefs.md`): other
                    # people and CI machines have none, and the repository is not wrong.
                    sink.add(
                        f"imported file '@{target}' {why} here; left out", span, Severity.WARNING
                    )
                else:
                    sink.add(f"imported file '@{target}' {why}", span)
                return ""
            self.imports.append(candidate)
            if in_home and not _is_inside(candidate, self.root):
                self.home_imports.append("~/" + candidate.relative_to(self.home).as_posix())
            text = self.expand(candidate, read, (*chain, candidate))
            self.expanded[candidate] = text
        return text


def load_context_file(
    path: Path,
    text: str,
    root: Path,
    read: ReadText,
    diagnostics: list[Diagnostic],
    home: Path | None = None,
) -> ContextSource:
    """`home` is the person's home folder, for `@~/` imports (default: `Path.home()`)."""
    expander = _Expander(root, read, diagnostics, _real(home or inputs.home()))
    expanded = expander.expand(path, text, (_real(path),))
    return ContextSource(
        path=path, text=expanded, imports=expander.imports, home_imports=expander.home_imports
    )


def _real(path: Path) -> Path:
    """`path.resolve()`; the path itself for a symlink loop (then nothing under it reads)."""
    return inputs.resolved(path) or path
