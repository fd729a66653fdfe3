"""A run's artifacts: files its tools saved (screenshots, browser snapshots, logs),
copied into the run's own folder and embedded in its report where the report cites them.

Tools save files wherever their arguments say (the Playwright MCP server writes a
screenshot to the `filename` it is given, inside the workspace). After every call of a
tool that can save files (MCP tools and `run_shell`), the paths named in its arguments
and its result that point to a file inside the workspace, written during that call, are
copied to `<run folder>/artifacts/`. A file the call only named (a ticket's notes the
model read) is not evidence and stays out of the run folder. Text is redacted on the way
in like every other file of the run; text that is not UTF-8 is not kept, since it could
not be screened for secrets.
The report, when it is written, cites them by their new relative path: an image as a
Markdown image (a link inside a table row, where an image would not fit), any other
file as a link. So the report shows its evidence in VS Code's Markdown preview, on
GitHub, or in any viewer, and stays whole when the run folder is moved or archived.

A copy rather than a move: the tool, and the model's later calls, may still read the
file where it was saved.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import BaseModel

from orchestra_lsp.redaction import SECRETS

ARTIFACTS_FOLDER = "artifacts"
MAX_ARTIFACT_BYTES = 20 * 1024 * 1024
"""A larger file stays where the tool saved it: a run folder is not an archive of videos."""

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg"})
ARTIFACT_SUFFIXES = IMAGE_SUFFIXES | {
    ".yml", ".yaml", ".json", ".txt", ".log", ".md", ".html", ".pdf", ".har", ".zip",
    ".webm", ".mp4", ".csv", ".xml",
}  # fmt: skip
"""What a tool saves as evidence. Source files an agent reads or edits are not artifacts."""
BINARY_SUFFIXES = (IMAGE_SUFFIXES - {".svg"}) | {".pdf", ".zip", ".webm", ".mp4"}
"""Copied byte for byte; every other artifact is text and is redacted."""

# A path as tools and models write it: the longest run of path characters that ends in
# a suffix (inside a Markdown link, quotes or backticks, or bare).
_PATH_TOKEN = re.compile(r"[\w.\-~/]*[\w\-]\.[A-Za-z0-9]{1,5}(?![\w\-])")
_CLOCK_SLACK_SECONDS = 0.05
"""The kernel stamps mtimes from a coarse clock (one tick, at most 10 ms behind
`time.time()`): a file written right at a call's start may carry a time a little
before it."""


class Artifact(BaseModel):
    """One saved file: where the tool wrote it and where the run keeps it."""

    source: str
    """The path inside the workspace (POSIX separators), as the tool named it."""
    name: str
    """The file's name inside `<run folder>/artifacts/`."""
    size: int
    """Bytes."""

    @property
    def relative(self) -> str:
        """The path relative to the run folder, where report.md and report.html live."""
        return f"{ARTIFACTS_FOLDER}/{self.name}"

    @property
    def is_image(self) -> bool:
        return PurePosixPath(self.name).suffix.lower() in IMAGE_SUFFIXES


class ArtifactCollector:
    """Collects one run's artifacts; see the module docstring."""

    def __init__(self, workspace: Path, run_folder: Path, *, started: float | None = None) -> None:
        self.workspace = workspace.resolve()
        self.folder = run_folder / ARTIFACTS_FOLDER
        self.started = time.time() if started is None else started
        self.saved: dict[str, Artifact] = {}
        """By source path."""
        self._run_folder = run_folder.resolve()

    def collect(
        self, arguments: Mapping[str, Any], result: str, *, since: float | None = None
    ) -> list[Artifact]:
        """Copy the files a tool call saved; returns the ones new to this run.

        `since` is when the call started (`time.time()`, seconds; the run's start when
        None): a file last written before it was not saved by the call. A file saved
        again under the same path (a screenshot retaken) is copied again, so the run
        keeps its last state. Blocking I/O: call it from a thread."""
        found: list[Artifact] = []
        for candidate in _candidates(arguments, result):
            artifact = self._save(candidate, self.started if since is None else since)
            if artifact is not None:
                found.append(artifact)
        return found

    def embed(self, report: str) -> str:
        """The report with each cited artifact replaced by a link to its copy.

        A citation is the source path (as the tool named it) or, when no two artifacts
        share it, the bare file name. Lines of a Markdown table get a link; other lines
        show an image inline once per line, or a link for other files."""
        if not self.saved:
            return report
        names: dict[str, Artifact] = {}
        for artifact in self.saved.values():
            names.update({artifact.source: artifact, f"./{artifact.source}": artifact})
        by_base: dict[str, list[Artifact]] = {}
        for artifact in self.saved.values():
            by_base.setdefault(PurePosixPath(artifact.source).name, []).append(artifact)
        names.update({base: found[0] for base, found in by_base.items() if len(found) == 1})
        # A citation in backticks loses them: a link inside code would not be one.
        pattern = re.compile(
            r"(`)?(?<![\w/.\-(])("
            + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
            + r")(?![\w/\-]|\.\w)(?(1)`)"
        )

        def cite_in(line: str) -> str:
            in_table = line.lstrip().startswith("|")
            return pattern.sub(lambda match: _cite(names[match.group(2)], in_table), line)

        return "\n".join(cite_in(line) for line in report.split("\n"))

    def _save(self, candidate: str, since: float) -> Artifact | None:
        path = (self.workspace / candidate).resolve()
        try:
            relative = path.relative_to(self.workspace)
        except ValueError:
            return None  # outside the workspace: not this run's to keep
        if path.is_relative_to(self._run_folder):
            return None  # already in the run's folder
        if path.suffix.lower() not in ARTIFACT_SUFFIXES:
            return None
        try:
            stat = path.stat()
        except OSError:
            return None
        if not path.is_file() or stat.st_size > MAX_ARTIFACT_BYTES:
            return None
        if stat.st_mtime < since - _CLOCK_SLACK_SECONDS:
            return None  # there before the call: not something it saved
        data = _screened(path)
        if data is None:
            return None
        source = relative.as_posix()
        artifact = self.saved.get(source) or Artifact(
            source=source, name=self._free_name(path.name), size=len(data)
        )
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / artifact.name).write_bytes(data)
        new = source not in self.saved
        self.saved[source] = artifact.model_copy(update={"size": len(data)})
        return self.saved[source] if new else None

    def _free_name(self, name: str) -> str:
        taken = {a.name for a in self.saved.values()}
        stem, suffix = PurePosixPath(name).stem, PurePosixPath(name).suffix
        candidate, n = name, 2
        while candidate in taken:
            candidate, n = f"{stem}-{n}{suffix}", n + 1
        return candidate


def _screened(path: Path) -> bytes | None:
    """The bytes to keep: text redacted, binary as it is; None for unreadable files and
    text that is not UTF-8."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if path.suffix.lower() in BINARY_SUFFIXES:
        return data
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return SECRETS.redactor.redact_text(text).encode("utf-8")


def _candidates(arguments: Mapping[str, Any], result: str) -> list[str]:
    seen: dict[str, None] = {}
    for text in (*_strings(arguments), result):
        for match in _PATH_TOKEN.finditer(text):
            path = match.group(0)
            seen.setdefault(path[2:] if path.startswith("./") else path)
    return list(seen)


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _cite(artifact: Artifact, in_table: bool) -> str:
    label = PurePosixPath(artifact.name).stem
    if artifact.is_image and not in_table:
        return f"![{label}]({artifact.relative})"
    return f"[{artifact.name}]({artifact.relative})"
