"""Proposed changes: changesets, hunks, LSP positions, rebase and writing to disk.

Knows nothing of LSP itself: the LSP layer turns `Hunk`s and `TextEdit`s into
lsprotocol objects.
"""

from orchestra_lsp.changes.disk import (
    ApplyOutcome,
    ApplyStatus,
    apply_to_disk,
    read_text,
    read_text_file,
    write_atomic,
)
from orchestra_lsp.changes.encoding import UTF8, NotText, TextEncoding, decode_text
from orchestra_lsp.changes.hunks import Hunk, apply_hunks, compute_hunks, which_hunks_applied
from orchestra_lsp.changes.model import ChangeKind, Changeset, FileChange, PathKindConflict
from orchestra_lsp.changes.paths import PathOutsideWorkspace, confine, is_workspace_relative
from orchestra_lsp.changes.positions import (
    Encoding,
    LineIndex,
    Position,
    Range,
    TextEdit,
    apply_text_edits,
    column_width,
    hunk_range,
    hunks_to_edits,
)
from orchestra_lsp.changes.rebase import Conflict, RebaseResult, rebase

__all__ = [
    "UTF8",
    "ApplyOutcome",
    "ApplyStatus",
    "ChangeKind",
    "Changeset",
    "Conflict",
    "Encoding",
    "FileChange",
    "Hunk",
    "LineIndex",
    "NotText",
    "PathKindConflict",
    "PathOutsideWorkspace",
    "Position",
    "Range",
    "RebaseResult",
    "TextEdit",
    "TextEncoding",
    "apply_hunks",
    "apply_text_edits",
    "apply_to_disk",
    "column_width",
    "compute_hunks",
    "confine",
    "decode_text",
    "hunk_range",
    "hunks_to_edits",
    "is_workspace_relative",
    "read_text",
    "read_text_file",
    "rebase",
    "which_hunks_applied",
    "write_atomic",
]
