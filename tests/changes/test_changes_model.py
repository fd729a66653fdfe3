"""The changeset: bases, proposals, deletions, hunks per file kind, JSON round trip."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from orchestra_lsp.changes import Changeset, FileChange


def test_first_base_wins_and_proposals_need_a_base() -> None:
    changes = Changeset()
    with pytest.raises(KeyError):
        changes.propose("a.py", "x")
    changes.record_base("a.py", "old\n", 3)
    changes.record_base("a.py", "newer text the agent never started from\n", 4)
    change = changes.propose("a.py", "new\n")
    assert (change.base_text, change.base_version, change.proposed_text) == ("old\n", 3, "new\n")
    assert change.kind == "modify"


def test_pending_is_ordered_by_path_and_skips_untouched_files() -> None:
    changes = Changeset()
    changes.record_base("z.py", "z\n")
    changes.propose("z.py", "Z\n")
    changes.record_base("a.py", "a\n")  # read, never changed
    changes.record_base("m/new.py", None)
    changes.propose("m/new.py", "created\n")
    assert [c.path for c in changes.pending()] == ["m/new.py", "z.py"]
    assert [c.path for c in changes.all()] == ["a.py", "m/new.py", "z.py"]
    assert changes.get("m/new.py") is not None and changes.get("m/new.py").kind == "create"  # type: ignore[union-attr]


def test_deleting_a_file_created_in_the_run_leaves_nothing_to_review() -> None:
    changes = Changeset()
    changes.record_base("tmp.txt", None)
    changes.propose("tmp.txt", "x")
    changes.delete("tmp.txt")
    assert changes.pending() == []


def test_creation_and_deletion_are_one_hunk_each() -> None:
    created = FileChange(path="n.txt", base_text=None, proposed_text="a\nb\n")
    deleted = FileChange(path="d.txt", base_text="", proposed_text=None)
    assert [(h.id, h.new_lines) for h in created.hunks()] == [("h1", ["a\n", "b\n"])]
    assert [(h.id, h.old_lines, h.new_lines) for h in deleted.hunks()] == [("h1", [], [])]


def test_json_round_trip_keeps_everything() -> None:
    changes = Changeset()
    changes.record_base("b.txt", "x\r\n😀", 7)
    changes.propose("b.txt", "y\r\n😀")
    changes.record_base("a.txt", "gone\n")
    changes.delete("a.txt")
    data = changes.to_json()
    assert data.index('"a.txt"') < data.index('"b.txt"')
    assert Changeset.from_json(data) == changes


@pytest.mark.parametrize("path", ["../x", "/etc/passwd", "", "a\\b", "a/../../b"])
def test_paths_must_be_workspace_relative(path: str) -> None:
    with pytest.raises(ValidationError):
        FileChange(path=path, base_text=None, proposed_text="x")
