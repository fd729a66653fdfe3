"""`.orchestra` files in the editor: diagnostics while typing, reload without restart.

Two views of the configuration, on purpose:
- *as typed*: the loader run over the disk overlaid with the open buffers, for
  diagnostics, completion and hover, re-run shortly after each keystroke;
- *in force*: the engine's, re-read from disk on save, on `didChangeWatchedFiles` and
  on `orchestra.reload`; a file that now has errors keeps its last good definitions.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types

from orchestra_lsp.lsp import methods
from orchestra_lsp.lsp.documents import Document
from orchestra_lsp.lsp.paths import uri_to_path
from orchestra_lsp.lsp.positions import Codec, text_lines
from orchestra_lsp.lsp.server import CONFIG_FILES, OrchestraServer

if TYPE_CHECKING:
    from orchestra_lsp.workspace import Diagnostic, Workspace

logger = logging.getLogger(__name__)

DEBOUNCE_SECONDS = 0.15
WATCHED = ("**/.orchestra/**", "**/.claude/**", "**/CLAUDE.md", "**/AGENTS.md", "**/.mcp.json")
_SEVERITY = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "info": types.DiagnosticSeverity.Information,
}


class Configuration:
    """The as-typed view, and the files it has published diagnostics for."""

    def __init__(self, server: OrchestraServer) -> None:
        self.server = server
        self.latest: Workspace | None = None
        self._published: set[Path] = set()
        self._pending: asyncio.TimerHandle | None = None
        self._checking: asyncio.Task[None] | None = None

    def is_config_file(self, path: Path) -> bool:
        """True for the files the loader reads (`.orchestra/runs/` is the journal)."""
        try:
            relative = path.resolve().relative_to(self.server.root)
        except (ValueError, OSError, RuntimeError):  # elsewhere, or a symlink loop
            return self.latest is not None and path in self.latest.files
        parts = relative.parts
        if parts[:1] == (".orchestra",):
            return parts[1:2] != ("runs",)
        return parts[:1] == (".claude",) or relative.as_posix() in CONFIG_FILES

    def schedule_check(self) -> None:
        """Re-check soon; keystrokes in quick succession cost one load."""
        if self._pending is not None:
            self._pending.cancel()
        loop = asyncio.get_running_loop()
        self._pending = loop.call_later(DEBOUNCE_SECONDS, self._start_check)

    def _start_check(self) -> None:
        self._pending = None
        if self._checking is not None and not self._checking.done():
            self._checking.add_done_callback(lambda _: self.schedule_check())
            return
        self._checking = asyncio.create_task(self.check())

    async def check(self) -> None:
        """Load as typed and publish every file's diagnostics (clearing fixed ones)."""
        root = self.server.root
        opened = self.server.documents.overlays()
        overlays = {path: text for path, (text, _) in opened.items()}
        versions = {path: version for path, (_, version) in opened.items()}
        workspace, lines = await asyncio.to_thread(_load, root, overlays)
        if workspace.complete or self.latest is None:
            self.latest = workspace  # else completion and hover keep the last good view
        self._publish(workspace.diagnostics, lines, versions)

    async def reload(self) -> None:
        """Put the files on disk in force, then re-check them as typed.

        Whatever fails here is logged and the definitions in force stay: the next save,
        watched-file change or `orchestra.reload` tries again.
        """
        self.server.session.discard_prefetch()
        try:
            engine = await self.server.session.engine()
            await engine.reload()
        except Exception:
            logger.warning("reloading the configuration failed", exc_info=True)
        await self.check()

    def _publish(
        self,
        diagnostics: list[Diagnostic],
        lines: dict[Path, list[str]],
        versions: dict[Path, int | None],
    ) -> None:
        """Each file's diagnostics, with the version of the open document they were
        computed from (a client then drops those a later keystroke made stale)."""
        codec = self.server.codec
        by_file: dict[Path, list[types.Diagnostic]] = {path: [] for path in self._published}
        for diagnostic in diagnostics:
            converted = _to_lsp(diagnostic, codec, lines.get(diagnostic.path, []))
            by_file.setdefault(diagnostic.path, []).append(converted)
        for path, items in by_file.items():
            self.server.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(
                    uri=path.as_uri(), diagnostics=items, version=versions.get(path)
                )
            )
        self._published = {path for path, items in by_file.items() if items}


def _load(root: Path, overlays: dict[Path, str]) -> tuple[Workspace, dict[Path, list[str]]]:
    """The workspace as typed, and the lines of each file with diagnostics (as typed),
    which their positions are converted against."""
    from orchestra_lsp.workspace import load_workspace
    from orchestra_lsp.workspace.files import FileProblem, read_regular

    workspace = load_workspace(root, overlays=overlays)
    lines: dict[Path, list[str]] = {}
    for path in {d.path for d in workspace.diagnostics}:
        text = overlays.get(path)
        if text is None:
            try:  # as the loader reads: a FIFO with a diagnostic must not hang us here
                data = read_regular(path)
            except FileProblem:
                data = None
            text = "" if data is None else data.decode("utf-8", errors="replace")
        lines[path] = text_lines(text)
    return workspace, lines


def _to_lsp(diagnostic: Diagnostic, codec: Codec, lines: list[str]) -> types.Diagnostic:
    """The loader counts columns in code points; the client in its encoding."""
    span = diagnostic.span
    end_line = span.line if span.end_line is None else span.end_line
    end_column = span.column if span.end_column is None else span.end_column
    if (end_line, end_column) == (span.line, span.column):
        end_line, end_column = span.line + 1, 0  # a point: mark its whole line
    return types.Diagnostic(
        range=codec.range_to_client(lines, (span.line, span.column), (end_line, end_column)),
        message=diagnostic.message,
        severity=_SEVERITY.get(diagnostic.severity.value, types.DiagnosticSeverity.Error),
        source="orchestra",
        code=diagnostic.code,
    )


def setup(server: OrchestraServer) -> None:
    configuration = Configuration(server)
    server.configuration = configuration

    def on_document(document: Document) -> None:
        path = uri_to_path(document.uri)
        if path is not None and configuration.is_config_file(path):
            configuration.schedule_check()

    server.documents.listeners.append(on_document)

    async def start() -> None:
        await _watch_files(server)
        await configuration.check()

    server.on_initialized.append(start)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    async def did_save(ls: OrchestraServer, params: types.DidSaveTextDocumentParams) -> None:
        path = uri_to_path(params.text_document.uri)
        if path is not None and configuration.is_config_file(path):
            await configuration.reload()

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    async def watched(ls: OrchestraServer, params: types.DidChangeWatchedFilesParams) -> None:
        paths = [uri_to_path(change.uri) for change in params.changes]
        if any(path is not None and configuration.is_config_file(path) for path in paths):
            await configuration.reload()

    @server.command(methods.RELOAD_COMMAND)
    async def reload(ls: OrchestraServer) -> None:
        await configuration.reload()


async def _watch_files(server: OrchestraServer) -> None:
    """Ask the client to watch the configuration files, if it can watch at all."""
    workspace = server.client_capabilities.workspace
    watch = workspace.did_change_watched_files if workspace else None
    if not (watch and watch.dynamic_registration):
        return
    options = types.DidChangeWatchedFilesRegistrationOptions(
        watchers=[types.FileSystemWatcher(glob_pattern=pattern) for pattern in WATCHED]
    )
    registration = types.Registration(
        id=str(uuid.uuid4()),
        method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
        register_options=options,
    )
    try:
        await server.client_register_capability_async(
            types.RegistrationParams(registrations=[registration])
        )
    except Exception as error:  # a client that refuses still gets save-time reloads
        logger.info("the client would not watch configuration files: %s", error)
