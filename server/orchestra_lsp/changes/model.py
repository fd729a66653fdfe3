"""A run's proposed edits: for each file, the text the agent started from and its proposal.

The changeset is what the journal stores and what review turns into a WorkspaceEdit,
so it is a pydantic model that round-trips through JSON. It never touches the disk.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator

from orchestra_lsp.changes.encoding import UTF8, TextEncoding
from orchestra_lsp.changes.hunks import Hunk, compute_hunks
from orchestra_lsp.changes.lines import split_lines
from orchestra_lsp.changes.paths import is_workspace_relative

ChangeKind = Literal["create", "delete", "modify", "unchanged"]


class FileChange(BaseModel):
    """One file of a changeset.

    `base_text` None: the file did not exist (a creation). `proposed_text` None: the
    agent deletes it. `base_version` is the editor's document version when the agent
    read an open buffer, so a stale edit can be refused by the editor. `encoding` is
    how the file is stored (codec and byte-order mark), so that landing writes it
    back the same way; line endings and the final newline are in the texts themselves.
    """

    model_config = ConfigDict(frozen=True)

    path: str
    base_text: str | None
    base_version: int | None = None
    proposed_text: str | None
    encoding: TextEncoding = UTF8

    @field_validator("path")
    @classmethod
    def _relative_posix(cls, value: str) -> str:
        if not is_workspace_relative(value):
            raise ValueError(f"{value!r} is not a workspace-relative POSIX path")
        return value

    @property
    def kind(self) -> ChangeKind:
        """What review shows for this file."""
        if self.base_text == self.proposed_text:
            return "unchanged"
        if self.base_text is None:
            return "create"
        if self.proposed_text is None:
            return "delete"
        return "modify"

    def hunks(self) -> list[Hunk]:
        """The reviewable units. A creation or deletion is one hunk, `h1`, so that it
        is accepted or rejected whole (an editor creates or deletes the file at once).
        """
        if self.base_text == self.proposed_text:
            return []
        if self.proposed_text is None:
            base_lines = split_lines(self.base_text or "")
            return [
                Hunk(
                    id="h1",
                    base_start=0,
                    base_end=len(base_lines),
                    old_lines=base_lines,
                    new_lines=[],
                )
            ]
        if self.base_text is None:
            new_lines = split_lines(self.proposed_text)
            return [Hunk(id="h1", base_start=0, base_end=0, old_lines=[], new_lines=new_lines)]
        return compute_hunks(self.base_text, self.proposed_text)


class PathKindConflict(ValueError):
    """A path would be both a file and a folder of one changeset; the message says which."""


class Changeset(BaseModel):
    """The files a run touched, keyed by workspace-relative POSIX path.

    A path is never both a file and a folder here (`x` and `x/y.txt`): no order of
    landing could write both, so `record_base` refuses the second.
    """

    files: dict[str, FileChange] = {}

    def record_base(
        self,
        path: str,
        text: str | None,
        version: int | None = None,
        encoding: TextEncoding = UTF8,
    ) -> FileChange:
        """Remember what the agent started from; later calls for the same path keep the
        first base, because that is what the proposal must be rebased from.

        Raises `PathKindConflict` when `path` is inside a recorded file or a recorded
        file is inside it.
        """
        existing = self.files.get(path)
        if existing is not None:
            return existing
        for other, held in self.files.items():
            if held.base_text is None and held.proposed_text is None:
                continue  # a creation undone: no file either way
            if other.startswith(path + "/") or path.startswith(other + "/"):
                folder, inner = (path, other) if other.startswith(path + "/") else (other, path)
                raise PathKindConflict(
                    f"{folder} cannot be a file and also the folder of {inner} in one changeset"
                )
        change = FileChange(
            path=path, base_text=text, base_version=version, proposed_text=text, encoding=encoding
        )
        self.files[path] = change
        return change

    def propose(self, path: str, text: str) -> FileChange:
        """Set the proposed text of a file whose base was recorded."""
        change = self._require(path).model_copy(update={"proposed_text": text})
        self.files[path] = change
        return change

    def delete(self, path: str) -> FileChange:
        """Propose deleting a file whose base was recorded."""
        change = self._require(path).model_copy(update={"proposed_text": None})
        self.files[path] = change
        return change

    def get(self, path: str) -> FileChange | None:
        """The change recorded for `path`, if any."""
        return self.files.get(path)

    def all(self) -> list[FileChange]:
        """Every recorded file, ordered by path."""
        return [self.files[path] for path in sorted(self.files)]

    def pending(self) -> list[FileChange]:
        """The files whose proposal differs from their base, ordered by path."""
        return [change for change in self.all() if change.kind != "unchanged"]

    def to_json(self) -> str:
        """JSON for the journal, files ordered by path so records diff cleanly."""
        return Changeset(files={p: self.files[p] for p in sorted(self.files)}).model_dump_json()

    @classmethod
    def from_json(cls, data: str | bytes) -> Changeset:
        """The changeset a journal record holds."""
        return cls.model_validate_json(data)

    def _require(self, path: str) -> FileChange:
        change = self.files.get(path)
        if change is None:
            raise KeyError(f"record the base of {path} before proposing a change to it")
        return change


def unified_diff(change: FileChange) -> str:
    """The change as a unified diff (`a/PATH` -> `b/PATH`, `/dev/null` for a creation or
    deletion), for people and for editors that open it as a document."""
    from difflib import unified_diff as diff

    return "".join(
        diff(
            split_lines(change.base_text or ""),
            split_lines(change.proposed_text or ""),
            fromfile="/dev/null" if change.base_text is None else f"a/{change.path}",
            tofile="/dev/null" if change.proposed_text is None else f"b/{change.path}",
        )
    )
