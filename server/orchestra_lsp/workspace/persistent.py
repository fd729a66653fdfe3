r"""The persistent context: CONTEXT.md (and CLAUDE.md / AGENTS.md) with `@imports`.

A line that is only `@path/to/file.md` is replaced by that file's text. An import
inside prose, as Claude Code's memory docs write it ("See @README for the project
overview and @package.json for the npm commands"), keeps its line as written and the
file's text follows that line. Claude Code's rule for an inline import: `@` at the
start of a line or after a space (so `me@example.com` and `[x](@y)` are not imports),
the path runs to the next space (`\ ` escapes one), and it starts with `./`, `~/`,
`/` or a letter, digit, `.`, `_` or `-` (so `@@x` and `@#x` are not). Text in inline
code spans is never an import. Claude Code skips a mention that names no file
silently; so does this, unless the mention looks like a file (`@docs/a.md`, `@./x`,
`@~/y`) — then a missing file is reported as for a line import. Trailing sentence
punctuation (`@docs/a.md.`) is not part of the path.

Imports are relative to the importing file, must stay inside the workspace, nest at
most `MAX_DEPTH` levels (Claude Code's five hops), and a cycle is reported instead of
followed. Each file is expanded once, and the expansion stops at `MAX_EXPANDED_CHARS`.

`@~/path` imports from the person's home folder, as Claude Code reads it (a person's
own notes, `@~/.claude/my-instructions.md`); such a file may import others in the
home folder. A repository's own files import only Markdown from there: Claude Code
asks before it follows an import out of the project, and a run has nobody to ask, so
a cloned CLAUDE.md naming `@~/.aws/credentials` gets a warning, not the file.

Lines inside fenced code blocks (CommonMark: a fence closes only with one of the same
character at least as long) are text, never imports.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel

from orchestra_lsp.workspace import inputs
from orchestra_lsp.workspace.diagnostics import Diagnostic, DiagnosticSink, Severity, Span
from orchestra_lsp.workspace.markdown import code_lines

#: Claude Code's documented limit: imports are followed five hops deep.
MAX_DEPTH = 5
#: The persistent context goes to the model with every request; past this it is a mistake.
MAX_EXPANDED_CHARS = 200_000
_IMPORT = re.compile(r"^@(?P<path>[^\s@]*[./][^\s]*)\s*$")
#: An import inside prose, Claude Code's pattern: `@` at a line's start or after a space.
_INLINE_IMPORT = re.compile(r"(?:^|(?<=\s))@(?P<path>(?:[^\s\\]|\\ )+)")
#: What may start an inline import's path (Claude Code's: not `@`, `#`, `%`, `(`…).
_PATH_START = re.compile(r"^(?:\./|~/|/[^/]|[\w.\-])")
#: A sentence's punctuation after a mention is not part of the path.
_TRAILING = ".,;:!?)]}'\""
#: A mention that surely means a file: a path prefix, or a last part with an extension.
_FILE_LIKE = re.compile(r"^(?:\.{1,2}/|~/|/)|\.[A-Za-z][A-Za-z0-9]*$")
#: An inline code span's backtick string (CommonMark: closed by one of equal length).
_BACKTICKS = re.compile(r"`+")

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
                mentions = [] if in_code or "@" not in line else _inline_imports(line)
                for target, start, end in mentions:
                    span = Span(line=line_no, column=start, end_line=line_no, end_column=end)
                    imported, size = self._bounded(target, path, chain, span, sink, size, True)
                    if imported:
                        out.append(imported)
                continue
            span = Span(line=line_no, column=0, end_line=line_no, end_column=len(line.rstrip()))
            imported, size = self._bounded(match.group("path"), path, chain, span, sink, size)
            if imported is not None:
                out.append(imported)
        self.diagnostics.extend(sink.items)
        return "\n".join(out)

    def _bounded(
        self,
        target: str,
        importer: Path,
        chain: tuple[Path, ...],
        span: Span,
        sink: DiagnosticSink,
        size: int,
        inline: bool = False,
    ) -> tuple[str | None, int]:
        """(the import's text, or None past the cap; the size so far)."""
        if size > MAX_EXPANDED_CHARS:
            return None, size  # reported once, at the import that went past
        imported = self._import(target, importer, chain, span, sink, inline)
        size += len(imported)
        if size > MAX_EXPANDED_CHARS:
            sink.add(
                f"imports expand past {MAX_EXPANDED_CHARS} characters; "
                f"'@{target}' and the imports after it are not read",
                span,
                Severity.WARNING,
            )
            return None, size
        return imported, size

    def _import(
        self,
        target: str,
        importer: Path,
        chain: tuple[Path, ...],
        span: Span,
        sink: DiagnosticSink,
        inline: bool = False,
    ) -> str:
        """The imported file's expanded text ("" when not read). An inline mention that
        does not look like a file and names none is prose (`@types/node`, `@here`), as
        in Claude Code; an inline mention of a file already imported adds nothing."""
        from_home = target.startswith("~/")
        base = self.home / target[2:] if from_home else importer.parent / target
        candidate = inputs.resolved(base)
        if inline and (
            candidate in chain
            or candidate in self.imports
            or not (_FILE_LIKE.search(target) or (candidate and _is_file(candidate)))
        ):
            return ""
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
        by_repository = _is_inside(inputs.resolved(importer) or importer, self.root)
        outside = not _is_inside(candidate, self.root)
        if in_home and outside and by_repository and not is_notes(candidate):
            # A cloned repository's CLAUDE.md could name `@~/.aws/credentials` or a key:
            # Claude Code asks before it follows an import from outside the project, and
            # nobody is there to ask in a run. The home folder lends notes only.
            sink.add(
                f"import '@{target}' is not a Markdown file; from the home folder only notes"
                " (.md) are read, never keys or credentials",
                span,
                Severity.WARNING,
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


def _inline_imports(line: str) -> list[tuple[str, int, int]]:
    """The inline imports of a line outside code spans: (path, start, end) columns."""
    masked = _mask_code_spans(line)
    found = []
    for match in _INLINE_IMPORT.finditer(masked):
        written = match.group("path").rstrip(_TRAILING)
        if not written or not _PATH_START.match(written):
            continue
        found.append((written.replace("\\ ", " "), match.start(), match.start() + 1 + len(written)))
    return found


def _mask_code_spans(line: str) -> str:
    """The line with each inline code span (CommonMark: a backtick string closed by
    one of the same length) blanked, so that `@decorator` in a span is no import."""
    out = list(line)
    runs = list(_BACKTICKS.finditer(line))
    index = 0
    while index < len(runs):
        opening = runs[index]
        closing = next(
            (
                j
                for j in range(index + 1, len(runs))
                if len(runs[j].group()) == len(opening.group())
            ),
            None,
        )
        if closing is None:
            index += 1
            continue
        for column in range(opening.start(), runs[closing].end()):
            out[column] = " "
        index = closing + 1
    return "".join(out)


def _is_file(path: Path) -> bool:
    return inputs.exists(path) and not inputs.is_dir(path)


def _real(path: Path) -> Path:
    """`path.resolve()`; the path itself for a symlink loop (then nothing under it reads)."""
    return inputs.resolved(path) or path


def is_notes(path: Path) -> bool:
    """A Markdown file: what a context file may import from the home folder."""
    return path.suffix.lower() in (".md", ".markdown")
