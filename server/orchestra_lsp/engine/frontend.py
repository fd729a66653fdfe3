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
    editable: bool = False
    """An approve gate: the person may edit `output` and approve the edited text
    (`ApprovalDecision.edited`)."""
    format: Literal["text", "json"] = "text"
    """`json`: the step has an `output` schema, and an edit must be JSON it accepts."""
    output_schema: dict[str, Any] | None = None
    """The step's `output` JSON Schema (with `format: json`)."""
    problem: str | None = None
    """Why the person's previous edit was not taken (then `output` is that edit)."""


class ApprovalDecision(BaseModel):
    decision: Literal["approve", "revise", "stop"]
    feedback: str | None = None
    """With `revise`: what to change; it reaches the re-run's prompt as {{feedback}}."""
    edited: str | None = None
    """With `approve` at an approve gate: the step's output as the person edited it;
    the next steps see it instead of the model's (checked against the step's `output`
    schema first). None: approved as it was."""


class PermissionRequest(BaseModel):
    run_id: str
    step_id: str
    tool: str
    arguments: dict[str, Any]
    reason: str


class PermissionAnswer(BaseModel):
    """A person's answer to a permission ask, where it says more than yes or no."""

    allow: bool
    always: Literal["chosen", "applied"] | None = None
    """ACP's `allow_always` / `reject_always`: `chosen` when the person picked it at
    this ask (it answers the same call for the rest of the session), `applied` when
    such an earlier answer decided this call without asking again."""


class Question(BaseModel):
    run_id: str
    step_id: str
    question: str
    choices: list[str] | None = None
    open_url: str | None = None
    """A page to open for the person once they answer with the first choice (MCP's
    URL-mode elicitation: their consent first, then the page). Front ends that can
    open pages do (the editor through `window/showDocument`); the question names it
    for the others."""


#: How a front end's answer starts when nobody can answer the question there (no
#: terminal, an editor without free text): "(the person cannot be asked …; decide
#: yourself)". The model reads it; an MCP elicitation is declined with it as reason.
CANNOT_ASK = "(the person cannot be asked"


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
    plan: bool = False
    """Plan mode: show the proposal, write nothing; the engine keeps every hunk
    `pending` whatever the answer."""
    """Automation mode or `--yes`: accept everything by policy, ask no one."""


class EditorState(BaseModel):
    """What an editor holds for a file after it applied an edit itself, read back."""

    text: str | None
    """The buffer's text (or the file's, when the editor wrote it to disk); None: absent."""
    saved: bool
    """The disk holds the same text as the buffer."""


class FileDecision(BaseModel):
    """A person's decision on one file. The front end never lands it or names its
    outcome: the engine does (ARCHITECTURE.md §front-ends)."""

    path: str
    accepted: list[str] | None
    """Hunk ids accepted (a create or delete has the single id `h1`). None: decided
    inside the editor's own preview, so what `editor` holds is what was accepted."""
    editor: EditorState | None = None
    """Set when the editor applied the accepted hunks itself; else the engine lands
    them on disk."""
    refused: str | None = None
    """Why the front end could not offer or apply this file (the outcome is `conflict`)."""


class ReviewDecision(BaseModel):
    files: list[FileDecision]
    stop: str | None = None
    """Nobody can decide now (no terminal, the front end went away): the run stops
    with this reason and the proposal stays pending for `orchestra review`."""


class FrontEnd(Protocol):
    def emit(self, event: Event) -> None:
        """Called for every event, in order; must not block."""

    async def approve(self, request: ApprovalRequest) -> ApprovalDecision: ...

    async def permission(self, request: PermissionRequest) -> bool | PermissionAnswer:
        """True (or an allowing `PermissionAnswer`) to allow this one call."""

    async def ask(self, question: Question) -> str:
        """The person's answer to an agent's `ask_user`."""

    async def review(self, request: ReviewRequest, changeset: Changeset) -> ReviewDecision:
        """Show the proposed changes and return the person's decisions (or what the
        editor applied). Raising `asyncio.CancelledError` withdraws the review."""
