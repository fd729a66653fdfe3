"""`AGENTS.md` (or `CLAUDE.md`) in sub-folders: the nearest one applies to the files
under it, as the AGENTS.md convention says and as Claude Code reads nested CLAUDE.md.

The root files are persistent context from the first call. A sub-folder's file joins
the conversation when the agent first reads or edits a file under that folder: its
text follows that tool result, once per step.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterator
from pathlib import PurePosixPath

from orchestra_lsp.tools.errors import ToolError
from orchestra_lsp.tools.workspace import WorkspaceView

NAMES = ("AGENTS.md", "CLAUDE.md")


class NestedInstructions:
    def __init__(self, view: WorkspaceView) -> None:
        self.view = view
        self.sent: set[str] = set()

    def for_path(self, relative: str) -> str | None:
        """The nearest sub-folder instructions for `relative`, if not sent yet."""
        lexical = posixpath.normpath(relative)
        if (
            not posixpath.isabs(lexical)
            and lexical != ".."
            and not lexical.startswith("../")
            and all(self._absent(candidate) for _, candidate in _candidates(lexical))
        ):
            # A relative path inside the workspace confines to its normal form, so these
            # are the candidates below, and none of them exists: nothing to confine.
            return None
        try:
            relative = self.view.resolve(relative)
        except ToolError:
            return None
        for folder, candidate in _candidates(relative):
            if self._absent(candidate):
                continue
            try:
                # Confined as a read_file of it would be: a link out of the workspace
                # (to `/proc/self/environ`, `~/.ssh/…`) is not read into the prompt.
                snapshot = self.view.read(self.view.resolve(candidate))
            except ToolError:
                continue
            if snapshot is None:
                continue
            if candidate in self.sent:
                return None
            self.sent.add(candidate)
            return (
                f"[Instructions of {candidate}, which apply to the files under "
                f"{folder}/:]\n{snapshot.text.strip()}"
            )
        return None

    def _absent(self, relative: str) -> bool:
        """Whether the run has no file `relative` (not proposed, not in a buffer, not on
        disk), where `view.read` would find none (or a folder of proposed files): one
        `lstat`, for the folders (most) without one, instead of a confined read."""
        view = self.view
        return (
            view.changeset.get(relative) is None
            and relative not in view.buffers
            and not os.path.lexists(os.path.join(view.root, relative))
        )


def _candidates(relative: str) -> Iterator[tuple[str, str]]:
    """(folder, instructions file) for each folder above `relative`, nearest first."""
    parts = PurePosixPath(relative).parent.parts
    for depth in range(len(parts), 0, -1):
        folder = "/".join(parts[:depth])
        for name in NAMES:
            candidate = f"{folder}/{name}"
            if candidate != relative:
                yield folder, candidate
