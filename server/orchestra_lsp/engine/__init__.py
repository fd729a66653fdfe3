"""The engine: runs commands' steps with agents, tools, gates and the journal.

It knows nothing of LSP or terminals: front ends implement `FrontEnd` and call
`Engine.start`.
"""

from orchestra_lsp.engine.engine import DEFAULT_ALLOW, Engine, RunHandle
from orchestra_lsp.engine.events import Event
from orchestra_lsp.engine.frontend import (
    ApprovalDecision,
    ApprovalRequest,
    EditorState,
    FileDecision,
    FileReview,
    FrontEnd,
    PermissionAnswer,
    PermissionRequest,
    Question,
    ReviewDecision,
    ReviewRequest,
)
from orchestra_lsp.engine.preview import StepPreview, preview
from orchestra_lsp.engine.request import RunRequest, RunRequestError, bind_arguments
from orchestra_lsp.engine.run import RunResult

__all__ = [
    "DEFAULT_ALLOW",
    "ApprovalDecision",
    "ApprovalRequest",
    "EditorState",
    "Engine",
    "Event",
    "FileDecision",
    "FileReview",
    "FrontEnd",
    "PermissionAnswer",
    "PermissionRequest",
    "Question",
    "ReviewDecision",
    "ReviewRequest",
    "RunHandle",
    "RunRequest",
    "RunRequestError",
    "RunResult",
    "StepPreview",
    "bind_arguments",
    "preview",
]
