"""Reviews waiting for the person: Orchestra's own review flow (`orchestra/proposal`,
`orchestra/decide`) for clients that cannot confirm hunks in a preview (Neovim
applies edits without asking), or that prefer a per-file diff.

A review stays open until every file is decided, or a decide call says `final`.
Each decided file is applied at once: through the editor when it holds the file
open, else on disk; then the engine gets the whole decision.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from orchestra_lsp.changes import Changeset, Encoding, FileChange, LineIndex, hunk_range
from orchestra_lsp.engine.frontend import FileDecision, ReviewDecision, ReviewRequest
from orchestra_lsp.lsp import protocol
from orchestra_lsp.lsp.applying import land
from orchestra_lsp.lsp.errors import RequestFailed
from orchestra_lsp.lsp.paths import file_uri
from orchestra_lsp.lsp.server import OrchestraServer


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

    def decision(self) -> ReviewDecision:
        return ReviewDecision(files=[self.decided[path] for path in self.changes])


class Reviews:
    def __init__(self, server: OrchestraServer) -> None:
        self.server = server
        self._open: dict[str, OpenReview] = {}

    def open_runs(self) -> set[str]:
        return set(self._open)

    async def wait(
        self, request: ReviewRequest, changeset: Changeset, *, recovered: bool = False
    ) -> ReviewDecision:
        """Open a review of `request`'s files and wait for the person's decisions."""
        changes = {
            f.path: changeset.files[f.path] for f in request.files if f.path in changeset.files
        }
        review = OpenReview(request, changes, recovered)
        self._open[request.run_id] = review
        try:
            return await review.done
        finally:
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

    async def decide(self, params: protocol.DecideParams) -> protocol.DecideResult:
        review = self._get(params.run_id)
        outcomes: list[FileDecision] = []
        for choice in params.files:
            change = review.changes.get(choice.path)
            if change is None:
                raise RequestFailed(f"run {params.run_id} proposes no change to {choice.path}")
            ids = [h.id for h in change.hunks()]
            accepted = ids if choice.accepted == "all" else [i for i in ids if i in choice.accepted]
            unknown = [] if choice.accepted == "all" else sorted(set(choice.accepted) - set(ids))
            if unknown:
                raise RequestFailed(f"{choice.path} has no hunk {', '.join(unknown)}")
            decision = await land(self.server, change, accepted)
            review.decided[choice.path] = decision
            outcomes.append(decision)
        if params.final:
            for path in review.undecided:
                review.decided[path] = FileDecision(
                    path=path, accepted=[], outcome="rejected", detail="not accepted"
                )
        if not review.undecided and not review.done.done():
            review.done.set_result(review.decision())
        return protocol.DecideResult(
            files=[protocol.FileOutcome.model_validate(d.model_dump()) for d in outcomes],
            undecided=review.undecided,
        )

    def cancel(self, run_id: str) -> None:
        review = self._open.get(run_id)
        if review is not None and not review.done.done():
            review.done.cancel()

    def _get(self, run_id: str) -> OpenReview:
        review = self._open.get(run_id)
        if review is None:
            raise RequestFailed(f"run {run_id} has no review waiting")
        return review


def _proposal_file(
    server: OrchestraServer, change: FileChange, decided: bool, encoding: Encoding
) -> protocol.ProposalFile:
    kind = change.kind
    index = LineIndex(change.base_text or "")
    hunks = [
        protocol.HunkInfo(
            id=h.id,
            range=protocol.Range.model_validate(hunk_range(index, h, encoding).model_dump()),
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
