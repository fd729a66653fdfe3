"""The engine: runs commands' steps with agents, tools, gates and the journal.

It knows nothing of LSP or terminals: front ends implement `FrontEnd` and call
`Engine.start`.
"""

from typing import TYPE_CHECKING, Any

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
from orchestra_lsp.engine.request import RunRequest, RunRequestError, bind_arguments

if TYPE_CHECKING:
    from orchestra_lsp.engine.run import RunResult


def __getattr__(name: str) -> Any:
    # The run loop (tools, journal writer, model client) is imported on first use, so a
    # server that only lists and checks the workspace never loads it.
    if name == "RunResult":
        from orchestra_lsp.engine.run import RunResult

        return RunResult
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    "bind_arguments",
]
