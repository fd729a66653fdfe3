"""Proposed changes: changesets, hunks, LSP positions, rebase, and landing on disk.

Knows nothing of LSP itself: the LSP layer turns `Hunk`s and `TextEdit`s into
lsprotocol objects. `landing` is the one place a decision becomes an outcome
(ARCHITECTURE.md §landing).
"""

from orchestra_lsp.changes.encoding import UTF8, NotText, TextEncoding, decode_text
from orchestra_lsp.changes.files import ChangedMeanwhile, read_text, read_text_file, write_atomic
from orchestra_lsp.changes.hunks import Hunk, apply_hunks, compute_hunks, which_hunks_applied
from orchestra_lsp.changes.landing import (
    LABELS,
    LANDED,
    Landing,
    Outcome,
    land,
    present_hunks,
    read_back,
)
from orchestra_lsp.changes.lines import split_lines
from orchestra_lsp.changes.model import (
    ChangeKind,
    Changeset,
    FileChange,
    PathKindConflict,
    unified_diff,
)
from orchestra_lsp.changes.paths import PathOutsideWorkspace, confine, is_workspace_relative
from orchestra_lsp.changes.positions import (
    Encoding,
    LineIndex,
    Position,
    Range,
    TextEdit,
    TextEnd,
    apply_text_edits,
    column_width,
    hunk_range,
    hunks_to_edits,
)
from orchestra_lsp.changes.rebase import Conflict, RebaseResult, rebase, translate

__all__ = [
    "LABELS",
    "LANDED",
    "UTF8",
    "ChangeKind",
    "ChangedMeanwhile",
    "Changeset",
    "Conflict",
    "Encoding",
    "FileChange",
    "Hunk",
    "Landing",
    "LineIndex",
    "NotText",
    "Outcome",
    "PathKindConflict",
    "PathOutsideWorkspace",
    "Position",
    "Range",
    "RebaseResult",
    "TextEdit",
    "TextEncoding",
    "TextEnd",
    "apply_hunks",
    "apply_text_edits",
    "column_width",
    "compute_hunks",
    "confine",
    "decode_text",
    "hunk_range",
    "hunks_to_edits",
    "is_workspace_relative",
    "land",
    "present_hunks",
    "read_back",
    "read_text",
    "read_text_file",
    "rebase",
    "split_lines",
    "translate",
    "unified_diff",
    "which_hunks_applied",
    "write_atomic",
]
