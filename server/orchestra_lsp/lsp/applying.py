"""Putting decided changes into the editor's buffers, and reading back what it holds.

Nothing here decides what should change (`planning`) or names an outcome (the engine,
through `changes.landing`): this module sends `workspace/applyEdit` when the client
takes it, and afterwards — never inside a request of the client's — waits a bounded
time for the editor to report what it did, then reads the buffers and the disk.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence

from lsprotocol import types

from orchestra_lsp.changes import Changeset, FileChange, read_text
from orchestra_lsp.engine.frontend import EditorState, FileDecision
from orchestra_lsp.lsp.edits import EditOptions, FilePlan, build_workspace_edit
from orchestra_lsp.lsp.paths import file_uri
from orchestra_lsp.lsp.planning import plan_file
from orchestra_lsp.lsp.server import OrchestraServer

logger = logging.getLogger(__name__)

SETTLE_SECONDS = 3.0
"""How long to wait, after the editor answered applyEdit, for its didChange / didSave
or its write to disk (VS Code writes files that were not open a moment later)."""
POLL_SECONDS = 0.05


def current_text(server: OrchestraServer, path: str) -> tuple[str | None, int | None]:
    """What the editor holds for `path`: its open buffer (and version), else the disk."""
    document = server.documents.get(file_uri(server.root, path))
    if document is not None:
        return document.text, document.version
    return _disk(server, path), None


def plan(
    server: OrchestraServer, change: FileChange, accepted: Sequence[str] | None = None
) -> FilePlan | FileDecision:
    text, version = current_text(server, change.path)
    # Edits go to the URI the client opened the file with (its own spelling).
    document = server.documents.get(file_uri(server.root, change.path))
    uri = document.uri if document is not None else file_uri(server.root, change.path)
    return plan_file(change, uri, text, version, accepted)


async def send_edit(
    server: OrchestraServer, plans: list[FilePlan], label: str, *, annotate: bool
) -> tuple[bool, str]:
    """Send one WorkspaceEdit for `plans`: (applied, reason). An error answer is a
    refusal with its message, never a failed run."""
    features = server.features
    if not features.apply_edit:
        return False, "the editor does not take workspace/applyEdit"
    edit = build_workspace_edit(
        plans,
        EditOptions(
            encoding=features.encoding,
            document_changes=features.document_changes,
            annotate=annotate,
            label=label,
        ),
    )
    request = asyncio.ensure_future(
        server.workspace_apply_edit_async(
            types.ApplyWorkspaceEditParams(edit=edit, label=f"Orchestra: {label}")
        )
    )
    try:
        # Shielded: cancelling pygls' request future makes the client's late answer an
        # "Error in server: CANCELLED" in the editor. The request stays open instead.
        result = await asyncio.shield(request)
    except asyncio.CancelledError:
        request.add_done_callback(lambda done: _answered_late(server, done, label))
        raise
    except Exception as error:  # the client's JSON-RPC error answer
        logger.warning("workspace/applyEdit failed: %s", error)
        return False, f"the editor answered the edit with an error: {_message(error)}"
    if result is None or not result.applied:
        reason = result.failure_reason if result is not None else None
        return False, reason or "the editor did not apply the edit"
    return True, ""


async def read_back(
    server: OrchestraServer, plans: Sequence[FilePlan], *, until_saved: bool
) -> dict[str, EditorState]:
    """What the editor holds for each planned file, once it has reported a change (and,
    with `until_saved`, written a file it did not hold open to disk, as VS Code does)
    or `SETTLE_SECONDS` have passed."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while True:
        states = {p.path: _state(server, p.path) for p in plans}
        if all(_settled(p, states[p.path], until_saved) for p in plans):
            return states
        if time.monotonic() >= deadline:
            return states
        await asyncio.sleep(POLL_SECONDS)


async def deliver(
    server: OrchestraServer, changeset: Changeset, decisions: list[FileDecision], label: str
) -> list[FileDecision]:
    """Accepted hunks of files the editor holds open go into its buffers (when it takes
    applyEdit), reported with what it then holds; the other decisions go back as they
    are, for the engine to land on disk."""
    out = {d.path: d for d in decisions}
    plans: list[FilePlan] = []
    for decision in decisions:
        change = changeset.files.get(decision.path)
        if (
            change is None
            or not decision.accepted
            or decision.editor is not None
            or decision.refused is not None
            or change.kind != "modify"
            or not server.features.apply_edit
            or server.documents.get(file_uri(server.root, decision.path)) is None
        ):
            continue
        planned = plan(server, change, decision.accepted)
        if isinstance(planned, FilePlan):
            plans.append(planned)
        else:
            out[decision.path] = planned.model_copy(update={"accepted": decision.accepted})
    if plans:
        applied, reason = await send_edit(server, plans, label, annotate=False)
        states = await read_back(server, plans, until_saved=False) if applied else {}
        for p in plans:
            accepted = out[p.path].accepted
            out[p.path] = (
                FileDecision(path=p.path, accepted=accepted, editor=states[p.path])
                if applied
                else FileDecision(path=p.path, accepted=accepted, refused=reason)
            )
    return [out[d.path] for d in decisions]


def _answered_late(
    server: OrchestraServer, done: asyncio.Future[types.ApplyWorkspaceEditResult], label: str
) -> None:
    """The run was cancelled while the editor held its edit: if the editor applied it
    after all, say so (the run's journal is closed; nothing must land unnoticed)."""
    if done.cancelled() or done.exception() is not None:
        return
    result = done.result()
    if result is not None and result.applied:
        logger.warning("an edit of a cancelled run was applied: %s", label)
        server.window_show_message(
            types.ShowMessageParams(
                type=types.MessageType.Warning,
                message=f"Orchestra: the changes of {label} were applied after the run was "
                "cancelled; they are in your editor but not in the run's journal.",
            )
        )


def _state(server: OrchestraServer, path: str) -> EditorState:
    disk = _disk(server, path)
    document = server.documents.get(file_uri(server.root, path))
    if document is None:
        return EditorState(text=disk, saved=True)
    return EditorState(text=document.text, saved=document.text == disk)


def _settled(plan: FilePlan, state: EditorState, until_saved: bool) -> bool:
    if plan.kind == "create":
        changed = state.text is not None
    elif plan.kind == "delete":
        changed = state.text is None
    else:
        changed = state.text != plan.base
    return changed and (state.saved or not until_saved or plan.version is not None)


def _disk(server: OrchestraServer, path: str) -> str | None:
    try:
        return read_text(server.root / path)
    except (OSError, UnicodeError):  # missing, a folder, or not text (NotText)
        return None


def _message(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
