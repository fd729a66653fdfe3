"""Landing accepted hunks on real files: atomic writes, rebase, conflicts, confinement,
and the outcome named from what was read back."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from orchestra_lsp.changes import (
    ChangedMeanwhile,
    FileChange,
    PathOutsideWorkspace,
    confine,
    land,
    read_text,
    write_atomic,
)
from orchestra_lsp.changes.files import content_hash

BASE = "".join(f"line {n}\n" for n in range(10))


def _modify(path: str, proposed: str, base: str = BASE) -> FileChange:
    return FileChange(path=path, base_text=base, proposed_text=proposed)


def test_write_atomic_keeps_mode_and_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "script.sh"
    target.write_text("old")
    target.chmod(0o751)
    write_atomic(target, "new\r\n😀")
    assert target.read_bytes() == "new\r\n😀".encode()
    assert stat.S_IMODE(target.stat().st_mode) == 0o751
    assert os.listdir(tmp_path) == ["script.sh"]


def test_write_atomic_with_an_expected_hash_refuses_a_changed_file(tmp_path: Path) -> None:
    target = tmp_path / "f.txt"
    target.write_text("one")
    expect = content_hash(b"one")
    target.write_text("two")  # someone else wrote meanwhile
    with pytest.raises(ChangedMeanwhile):
        write_atomic(target, "mine", expect=expect)
    assert target.read_text() == "two"
    assert os.listdir(tmp_path) == ["f.txt"]


def test_write_atomic_creates_with_the_umask_default(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        write_atomic(tmp_path / "new.txt", "x")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o644


def test_unchanged_file_gets_only_the_accepted_hunks(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text(BASE)
    proposed = BASE.replace("line 1\n", "ONE\n").replace("line 8\n", "EIGHT\n")
    outcome = land(tmp_path, _modify("f.txt", proposed), {"h2"})
    assert (outcome.outcome, outcome.accepted, outcome.landed) == ("applied", ["h2"], ["h2"])
    assert not outcome.rebased
    assert read_text(tmp_path / "f.txt") == BASE.replace("line 8\n", "EIGHT\n")


def test_a_file_changed_on_disk_is_rebased(tmp_path: Path) -> None:
    person = BASE.replace("line 5\n", "person 5\n")
    (tmp_path / "f.txt").write_text(person)
    outcome = land(tmp_path, _modify("f.txt", BASE.replace("line 1\n", "ONE\n")), {"h1"})
    assert outcome.outcome == "applied" and outcome.rebased and outcome.landed == ["h1"]
    assert read_text(tmp_path / "f.txt") == person.replace("line 1\n", "ONE\n")


def test_a_conflict_writes_nothing(tmp_path: Path) -> None:
    person = BASE.replace("line 1\n", "person 1\n")
    (tmp_path / "f.txt").write_text(person)
    before = (tmp_path / "f.txt").stat().st_mtime_ns
    outcome = land(tmp_path, _modify("f.txt", BASE.replace("line 1\n", "agent 1\n")), {"h1"})
    assert outcome.outcome == "conflict" and outcome.landed == []
    assert outcome.conflicts[0].current_lines == ["person 1\n"]
    assert read_text(tmp_path / "f.txt") == person
    assert (tmp_path / "f.txt").stat().st_mtime_ns == before


def test_creation_and_deletion(tmp_path: Path) -> None:
    created = FileChange(path="pkg/new.py", base_text=None, proposed_text="x = 1\n")
    assert land(tmp_path, created, {"h1"}).outcome == "applied"
    assert read_text(tmp_path / "pkg/new.py") == "x = 1\n"
    assert land(tmp_path, created, {"h1"}).outcome == "unchanged"

    (tmp_path / "old.txt").write_text("bye\n")
    deleted = FileChange(path="old.txt", base_text="bye\n", proposed_text=None)
    assert land(tmp_path, deleted, set()).outcome == "rejected"
    assert (tmp_path / "old.txt").exists()
    assert land(tmp_path, deleted, {"h1"}).outcome == "applied"
    assert not (tmp_path / "old.txt").exists()


def test_deleting_or_creating_over_someone_elses_text_is_a_conflict(tmp_path: Path) -> None:
    (tmp_path / "old.txt").write_text("edited by the person\n")
    deleted = FileChange(path="old.txt", base_text="bye\n", proposed_text=None)
    assert land(tmp_path, deleted, {"h1"}).outcome == "conflict"
    created = FileChange(path="old.txt", base_text=None, proposed_text="agent\n")
    assert land(tmp_path, created, {"h1"}).outcome == "conflict"
    assert read_text(tmp_path / "old.txt") == "edited by the person\n"


def test_a_symlink_leading_out_is_refused(tmp_path: Path) -> None:
    root, outside = tmp_path / "ws", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (outside / "secret.txt").write_text(BASE)
    (root / "link").symlink_to(outside)
    outcome = land(root, _modify("link/secret.txt", "pwned\n"), {"h1"})
    assert outcome.outcome == "conflict" and "outside the workspace" in outcome.detail
    assert read_text(outside / "secret.txt") == BASE


def test_writes_go_through_symlinks_inside_the_workspace(tmp_path: Path) -> None:
    (tmp_path / "real.txt").write_text(BASE)
    (tmp_path / "alias.txt").symlink_to("real.txt")
    assert (
        land(tmp_path, _modify("alias.txt", BASE.replace("line 3\n", "new\n")), {"h1"}).outcome
        == "applied"
    )
    assert (tmp_path / "alias.txt").is_symlink()
    assert read_text(tmp_path / "real.txt") == BASE.replace("line 3\n", "new\n")


@pytest.mark.parametrize("path", ["../x", "a/../../x", "/etc/passwd", "link/x", "link"])
def test_confine_refuses_escapes(tmp_path: Path, path: str) -> None:
    (tmp_path / "link").symlink_to("/etc")
    with pytest.raises(PathOutsideWorkspace, match="outside the workspace"):
        confine(tmp_path, path)


def test_confine_accepts_paths_inside(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    assert confine(tmp_path, "src/../src/a.py") == "src/a.py"
    assert confine(tmp_path, str(tmp_path / "src" / "a.py")) == "src/a.py"
    assert confine(tmp_path, "") == "."
    assert confine(tmp_path, str(tmp_path)) == "."
