"""Rebasing a proposal onto a file the person changed meanwhile."""

from __future__ import annotations

from orchestra_lsp.changes import rebase

BASE = "".join(f"line {n}\n" for n in range(10))


def test_changes_in_different_places_merge_cleanly() -> None:
    proposed = BASE.replace("line 1\n", "agent 1\n")
    current = BASE.replace("line 8\n", "person 8\n")
    result = rebase(BASE, proposed, current)
    assert result.clean and not result.conflicts
    assert result.merged == BASE.replace("line 1\n", "agent 1\n").replace("line 8\n", "person 8\n")


def test_same_change_on_both_sides_is_not_a_conflict() -> None:
    both = BASE.replace("line 4\n", "same\n")
    assert rebase(BASE, both, both).merged == both


def test_overlapping_changes_conflict_with_both_sides_and_no_text() -> None:
    proposed = BASE.replace("line 4\n", "agent\n")
    current = BASE.replace("line 4\n", "person\n")
    result = rebase(BASE, proposed, current)
    assert result.merged is None and not result.clean
    (conflict,) = result.conflicts
    assert (conflict.base_start, conflict.base_end) == (4, 5)
    assert conflict.base_lines == ["line 4\n"]
    assert conflict.proposed_lines == ["agent\n"]
    assert conflict.current_lines == ["person\n"]


def test_crlf_text_merges_without_changing_line_endings() -> None:
    base = "a\r\nb\r\nc\r\nd\r\n"
    result = rebase(base, "A\r\nb\r\nc\r\nd\r\n", "a\r\nb\r\nc\r\nD\r\n")
    assert result.merged == "A\r\nb\r\nc\r\nD\r\n"


def test_unchanged_sides_short_cut() -> None:
    current = BASE + "tail\n"
    assert rebase(BASE, BASE, current).merged == current
    assert rebase(BASE, current, BASE).merged == current
