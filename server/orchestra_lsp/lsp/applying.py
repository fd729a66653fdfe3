"""Landing planned edits: through `workspace/applyEdit` (then reading back what the
editor really did), or straight to disk for files no editor holds.

Nothing here decides what should change; `planning` does. This module only talks to
the editor and the disk and reports per-hunk outcomes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection

from lsprotocol import types

from orchestra_lsp.changes import FileChange, NotText, apply_to_disk, read_text
from orchestra_lsp.engine.frontend import FileDecision
from orchestra_lsp.lsp.edits import EditOptions, FilePlan, build_workspace_edit
from orchestra_lsp.lsp.paths import file_uri
from orchestra_lsp.lsp.planning import plan_file, read_back
from orchestra_lsp.lsp.server import OrchestraServer

logger = logging.getLogger(__name__)

SETTLE_SECONDS = 2.0
"""How long to wait for the didChange of an edit the editor says it applied (some
clients, Neovim among them, send it after answering applyEdit)."""


def current_text(server: OrchestraServer, path: str) -> tuple[str | None, int | None]:
    """What the editor holds for `path`: its open buffer (and version), else the disk."""
    document = server.documents.get(file_uri(server.root, path))
    if document is not None:
        return document.text, document.version
    try:
        return read_text(server.root / path), None
    except (NotText, IsADirectoryError):
        return None, None


def plan(
    server: OrchestraServer, change: FileChange, accepted: Collection[str] | None = None
) -> FilePlan | FileDecision:
    text, version = current_text(server, change.path)
    # Edits go to the URI the client opened the file with (its own spelling).
    document = server.documents.get(file_uri(server.root, change.path))
    uri = document.uri if document is not None else file_uri(server.root, change.path)
    return plan_file(change, uri, text, version, accepted)


async def apply_in_editor(
    server: OrchestraServer, plans: list[FilePlan], label: str, annotate: bool
) -> list[FileDecision]:
    """Send one WorkspaceEdit for `plans` and report what the editor applied."""
    if not plans:
        return []
    features = server.features
    edit = build_workspace_edit(
        plans,
        EditOptions(
            encoding=features.encoding,
            document_changes=features.document_changes,
            annotate=annotate,
            label=label,
        ),
    )
    result = await server.workspace_apply_edit_async(
        types.ApplyWorkspaceEditParams(edit=edit, label=f"Orchestra: {label}")
    )
    if not result.applied:
        reason = result.failure_reason or "the editor did not apply the edit"
        return [
            FileDecision(path=p.path, accepted=[], outcome="rejected", detail=reason) for p in plans
        ]
    await _settle(server, plans)
    return [read_back(p, _now(server, p)) for p in plans]


async def apply_on_disk(
    server: OrchestraServer, change: FileChange, accepted: Collection[str]
) -> FileDecision:
    """Write the accepted hunks of a file no editor holds (rebasing, never overwriting)."""
    outcome = await asyncio.to_thread(apply_to_disk, server.root, change, set(accepted))
    if outcome.status in ("written", "created", "deleted"):
        detail = "rebased over changes on disk" if outcome.rebased else ""
        return FileDecision(
            path=change.path, accepted=sorted(accepted), outcome="applied", detail=detail
        )
    if outcome.status == "unchanged":
        return FileDecision(
            path=change.path, accepted=[], outcome="rejected", detail=outcome.message
        )
    return FileDecision(path=change.path, accepted=[], outcome="conflict", detail=outcome.message)


async def land(server: OrchestraServer, change: FileChange, accepted: list[str]) -> FileDecision:
    """Apply a file's decided hunks: in the editor when it holds the file, else on disk."""
    if not accepted:
        return FileDecision(path=change.path, accepted=[], outcome="rejected")
    if server.documents.get(file_uri(server.root, change.path)) is None:
        return await apply_on_disk(server, change, accepted)
    planned = plan(server, change, accepted)
    if not isinstance(planned, FilePlan):
        return planned
    [decision] = await apply_in_editor(server, [planned], "accepted changes", annotate=False)
    return decision


async def _settle(server: OrchestraServer, plans: list[FilePlan]) -> None:
    """Wait until every open document the edit touched has reported a change."""
    waits = [
        server.documents.next_change(p.uri, SETTLE_SECONDS)
        for p in plans
        if p.version is not None and _unchanged(server, p)
    ]
    if waits:
        await asyncio.gather(*waits)


def _unchanged(server: OrchestraServer, plan: FilePlan) -> bool:
    document = server.documents.get(plan.uri)
    return document is not None and document.version == plan.version


def _now(server: OrchestraServer, plan: FilePlan) -> str | None:
    text, _ = current_text(server, plan.path)
    return text
