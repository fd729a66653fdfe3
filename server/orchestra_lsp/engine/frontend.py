"""The one small interface between the engine and a front end (CLI, LSP, tests).

Events go out through `emit`; questions, approvals, permission asks and reviews come
back through the async methods. The engine never knows whether a terminal, an
editor or a test answers them.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol

from pydantic import BaseModel

from orchestra_lsp.changes import Changeset, Hunk
from orchestra_lsp.engine.events import Event


class ApprovalRequest(BaseModel):
    run_id: str
    step_id: str
    agent: str
    output: str
    """What the person approves: the step's final text."""
    gate: Literal["approve", "budget"] = "approve"
    message: str = ""
    """For a budget gate: why the run paused (cost so far, cap)."""


class ApprovalDecision(BaseModel):
    decision: Literal["approve", "revise", "stop"]
    feedback: str | None = None
    """With `revise`: what to change; it reaches the re-run's prompt as {{feedback}}."""


class PermissionRequest(BaseModel):
    run_id: str
    step_id: str
    tool: str
    arguments: dict[str, Any]
    reason: str


class Question(BaseModel):
    run_id: str
    step_id: str
    question: str
    choices: list[str] | None = None


class FileReview(BaseModel):
    path: str
    base_text: str | None
    proposed_text: str | None
    base_version: int | None
    hunks: list[Hunk]


class ReviewRequest(BaseModel):
    run_id: str
    step_id: str
    agent: str
    files: list[FileReview]
    auto_accept: bool = False
    """Automation mode or `--yes`: accept everything by policy, ask no one."""


class FileDecision(BaseModel):
    path: str
    accepted: list[str]
    """Hunk ids accepted (for a create or delete: the single hunk id)."""
    outcome: Literal["applied", "rejected", "conflict", "pending"]
    """`applied`: the accepted hunks are now in the file (or buffer); `pending`: the
    front end did not apply them (e.g. `orchestra run` without `--apply`)."""
    detail: str = ""


class ReviewDecision(BaseModel):
    files: list[FileDecision]


class FrontEnd(Protocol):
    def emit(self, event: Event) -> None:
        """Called for every event, in order; must not block."""

    async def approve(self, request: ApprovalRequest) -> ApprovalDecision: ...

    async def permission(self, request: PermissionRequest) -> bool:
        """True to allow this one call."""

    async def ask(self, question: Question) -> str:
        """The person's answer to an agent's `ask_user`."""

    async def review(self, request: ReviewRequest, changeset: Changeset) -> ReviewDecision:
        """Show the proposed changes; apply what the person accepts; say what happened."""
