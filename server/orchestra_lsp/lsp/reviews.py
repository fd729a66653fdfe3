"""Reviews waiting for a person's decisions, for clients that cannot confirm hunks in a
preview of their own (ARCHITECTURE.md §lsp).

Two doors lead to the same open review, and the first answer for a file wins:
`orchestra/proposal` + `orchestra/decide` (plugins), and `window/showMessageRequest`
per file — "Accept all / Reject all / Show diff", the diff opened as a document with
`window/showDocument` — which any LSP client can show. `orchestra/decide` only records
decisions and returns at once: the edit is sent, read back and journaled afterwards by
the run, because a client may hold its didChange until the request returns.
Cancelling the run withdraws its review: a later decision is refused, saying so.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from lsprotocol import types

from orchestra_lsp.changes import (
    Changeset,
    Encoding,
    FileChange,
    hunk_range,
    split_lines,
    unified_diff,
    write_atomic,
)
from orchestra_lsp.engine.frontend import FileDecision, ReviewDecision, ReviewRequest
from orchestra_lsp.lsp import protocol
from orchestra_lsp.lsp.errors import RequestFailed
from orchestra_lsp.lsp.paths import file_uri
from orchestra_lsp.lsp.server import OrchestraServer

logger = logging.getLogger(__name__)

ACCEPT, REJECT, SHOW = "Accept all", "Reject all", "Show diff"
WITHDRAWN_KEPT = 100
"""Withdrawn runs remembered, so a late decision gets a clear refusal."""


@dataclass
class OpenReview:
    request: ReviewRequest
    changes: dict[str, FileChange]
    recovered: bool = False
    decided: dict[str, FileDecision] = field(default_factory=dict)
    done: asyncio.Future[ReviewDecision] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )

    @property
    def undecided(self) -> list[str]:
        return [path for path in self.changes if path not in self.decided]

    def record(self, path: str, accepted: list[str]) -> None:
        """The first decision of a file wins; the review closes with the last file."""
        self.decided.setdefault(path, FileDecision(path=path, accepted=accepted))
        if not self.undecided and not self.done.done():
            self.done.set_result(ReviewDecision(files=[self.decided[p] for p in self.changes]))


class Reviews:
    def __init__(self, server: OrchestraServer) -> None:
        self.server = server
        self._open: dict[str, OpenReview] = {}
        self._withdrawn: OrderedDict[str, str] = OrderedDict()

    def open_runs(self) -> set[str]:
        return set(self._open)

    async def wait(
        self,
        request: ReviewRequest,
        changeset: Changeset,
        *,
        recovered: bool = False,
        ask: bool = True,
    ) -> ReviewDecision:
        """Open a review of `request`'s files and wait for the person's decisions; with
        `ask`, also ask by message request. Cancelling the wait withdraws the review."""
        changes = {
            f.path: changeset.files[f.path] for f in request.files if f.path in changeset.files
        }
        review = OpenReview(request, changes, recovered)
        self._open[request.run_id] = review
        asking = asyncio.ensure_future(self._ask(review)) if ask else None
        try:
            return await review.done
        except asyncio.CancelledError:
            self._withdraw(request.run_id, "the run was cancelled")
            raise
        finally:
            if asking is not None:
                asking.cancel()
            self._open.pop(request.run_id, None)

    def proposal(self, run_id: str) -> protocol.ProposalResult:
        review = self._get(run_id)
        encoding = self.server.features.encoding
        return protocol.ProposalResult(
            run_id=run_id,
            step_id=review.request.step_id,
            agent=review.request.agent,
            files=[
                _proposal_file(self.server, change, path in review.decided, encoding)
                for path, change in review.changes.items()
            ],
            recovered=review.recovered,
        )

    def decide(self, params: protocol.DecideParams) -> protocol.DecideResult:
        """Record the decisions and return at once (the run lands them afterwards; each
        file's outcome comes as a `proposal_decided` event)."""
        review = self._get(params.run_id)
        recorded: list[protocol.FileDecided] = []
        for choice in params.files:
            change = review.changes.get(choice.path)
            if change is None:
                raise RequestFailed(f"run {params.run_id} proposes no change to {choice.path}")
            ids = [h.id for h in change.hunks()]
            unknown = [] if choice.accepted == "all" else sorted(set(choice.accepted) - set(ids))
            if unknown:
                raise RequestFailed(f"{choice.path} has no hunk {', '.join(unknown)}")
            accepted = ids if choice.accepted == "all" else [i for i in ids if i in choice.accepted]
            if choice.path in review.decided:
                accepted = review.decided[choice.path].accepted or []
            else:
                review.record(choice.path, accepted)
            recorded.append(protocol.FileDecided(path=choice.path, accepted=accepted))
        if params.final:
            for path in review.undecided:
                review.record(path, [])
        return protocol.DecideResult(files=recorded, undecided=review.undecided)

    def cancel(self, run_id: str) -> None:
        review = self._open.get(run_id)
        if review is not None and not review.done.done():
            review.done.cancel()

    def _withdraw(self, run_id: str, reason: str) -> None:
        self._withdrawn[run_id] = reason
        while len(self._withdrawn) > WITHDRAWN_KEPT:
            self._withdrawn.popitem(last=False)

    def _get(self, run_id: str) -> OpenReview:
        review = self._open.get(run_id)
        if review is not None:
            return review
        reason = self._withdrawn.get(run_id)
        if reason is not None:
            raise RequestFailed(
                f"the review of run {run_id} was withdrawn ({reason}); nothing was applied"
            )
        raise RequestFailed(f"run {run_id} has no review waiting")

    # -- the message-request door ---------------------------------------------------

    async def _ask(self, review: OpenReview) -> None:
        """Ask about each undecided file in turn; a dismissed question leaves the file
        for `orchestra/decide` or a later review."""
        try:
            for path in list(review.changes):
                while path not in review.decided:
                    picked = await self._choose(review, path)
                    if path in review.decided or picked not in (ACCEPT, REJECT, SHOW):
                        break  # dismissed (or answered with something else): not a decision
                    if picked == SHOW:
                        await self._show_diff(review, path)
                        continue
                    ids = [h.id for h in review.changes[path].hunks()]
                    review.record(path, ids if picked == ACCEPT else [])
                if path not in review.decided:
                    return
        except asyncio.CancelledError:
            raise
        except Exception:  # a client that cannot show the question: decide still works
            logger.exception("could not ask about the review of run %s", review.request.run_id)

    async def _choose(self, review: OpenReview, path: str) -> str | None:
        picked = await self.server.window_show_message_request_async(
            types.ShowMessageRequestParams(
                type=types.MessageType.Info,
                message=f"Orchestra: {describe(review.request, review.changes[path])}",
                actions=[types.MessageActionItem(title=t) for t in (ACCEPT, REJECT, SHOW)],
            )
        )
        return picked.title if picked is not None else None

    async def _show_diff(self, review: OpenReview, path: str) -> None:
        """Write the file's proposal as a .diff in the run's journal folder and open it."""
        folder = self.server.root / ".orchestra" / "runs" / review.request.run_id
        target = folder / f"review-{_safe(path)}.diff"
        change = review.changes[path]
        await asyncio.to_thread(_write, target, unified_diff(change))
        if self.server.features.show_document:
            try:
                shown = await self.server.window_show_document_async(
                    types.ShowDocumentParams(uri=target.as_uri(), take_focus=True)
                )
                if shown is not None and shown.success:
                    return
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the client's error answer: say where it is instead
                logger.info("window/showDocument failed: %s", error)
        self.server.window_show_message(
            types.ShowMessageParams(
                type=types.MessageType.Info, message=f"Orchestra: the diff is in {target}"
            )
        )


def describe(request: ReviewRequest, change: FileChange) -> str:
    """E.g. "developer · fix proposes 2 changes to calc.py (lines 5–5, 9–12)"."""
    who = f"{request.agent} · {request.step_id}"
    if change.kind == "create":
        return f"{who} proposes to create {change.path}"
    if change.kind == "delete":
        return f"{who} proposes to delete {change.path}"
    hunks = change.hunks()
    spans = ", ".join(f"{h.base_start + 1}–{max(h.base_end, h.base_start + 1)}" for h in hunks)
    count = f"{len(hunks)} change{'s' if len(hunks) != 1 else ''}"
    return f"{who} proposes {count} to {change.path} (lines {spans})"


def _safe(path: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", path)


def _write(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(target, text)


def _proposal_file(
    server: OrchestraServer, change: FileChange, decided: bool, encoding: Encoding
) -> protocol.ProposalFile:
    kind = change.kind
    lines = split_lines(change.base_text or "")
    hunks = [
        protocol.HunkInfo(
            id=h.id,
            range=protocol.Range.model_validate(hunk_range(lines, h, encoding).model_dump()),
            old_text="".join(h.old_lines),
            new_text=h.new_text,
        )
        for h in change.hunks()
    ]
    return protocol.ProposalFile(
        path=change.path,
        uri=file_uri(server.root, change.path),
        kind="modify" if kind == "unchanged" else kind,
        original_text=change.base_text,
        proposed_text=change.proposed_text,
        base_version=change.base_version,
        hunks=hunks,
        decided=decided,
    )
